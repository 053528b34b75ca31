"""Evidence packs: a demo agency-month packed, verified, tampered with and chained,
on a real warehouse (demo months ingested as the loader, marts built as the
transformer: ``fixtures.scenarios.auditor_months``), through the ``planwatch
evidence`` command."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from fixtures.plans import SHIPPED_PLAN

from planwatch.cli import main
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration
PERIOD = "2024-01"


@pytest.fixture(scope="module")
def warehouse(auditor_clone, tmp_path_factory: pytest.TempPathFactory):
    """The warehouse (a copy of the auditor's two demo months), the agency-month
    packed (the one with the most submissions and outcomes, an xlsx among them),
    another agency, and two packs of the first and one of the other, made in that
    order."""
    settings, url, _ = auditor_clone("evidence")
    with psycopg.connect(url) as conn:
        agencies = [r[0] for r in conn.execute(
            """select agency_code from audit.submissions
               where period = %s and agency_code is not null group by agency_code
               order by bool_or(file_name ilike '%%.xlsx') desc, count(distinct status) desc,
                        count(*) desc, agency_code""", (PERIOD,))]
    packs = tmp_path_factory.mktemp("packs")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WAREHOUSE_URL", url)
        env.setenv("PLANWATCH_HOME", str(settings.home))
        for name, agency in (("first", agencies[0]), ("second", agencies[0]),
                             ("other", agencies[1])):
            assert main(["evidence", "--agency", agency, "--period", PERIOD,
                         "--out", str(packs / name), "--by", "kiem.toan"]) == 0
        yield {"settings": settings, "url": url, "agency": agencies[0],
               "other": agencies[1], "packs": packs, "env": env}


def _verify(*args: str) -> int:
    return main(["evidence", "--verify", *args])


def _manifest(pack: Path) -> dict:
    return json.loads((pack / "manifest.json").read_text(encoding="utf-8"))


def _copy(warehouse, name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(warehouse["packs"] / name, tmp_path / name))


def _flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if at is None else at
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_pack_verifies_and_its_link_is_checked_in_the_warehouse(warehouse, capsys) -> None:
    assert _verify(str(warehouse["packs"] / "first")) == 0
    out = capsys.readouterr().out
    assert "link OK (against audit.evidence_packs)" in out and "RESULT: OK" in out
    assert "FAILED" not in out


def test_the_pack_holds_every_submission_of_the_agency_month(warehouse) -> None:
    pack = warehouse["packs"] / "first"
    manifest = _manifest(pack)
    with psycopg.connect(warehouse["url"]) as conn:
        audit = conn.execute(
            """select submission_id, status, file_sha256, row_count, template
               from audit.submissions where agency_code = %s and period = %s
               order by received_at, submission_id""", (warehouse["agency"], PERIOD)).fetchall()
    assert [(s["submission_id"], s["status"]) for s in manifest["submissions"]] == [
        (a[0], a[1]) for a in audit]
    assert (manifest["agency_code"], manifest["period"], manifest["plan_code"]) == (
        warehouse["agency"], PERIOD, SHIPPED_PLAN)
    listed = {f["path"] for f in manifest["files"]}
    for entry, (sid, status, sha, row_count, template) in zip(
            manifest["submissions"], audit, strict=True):
        assert entry["template"] == template
        archived = (pack / entry["archived_file"]).read_bytes()
        assert hashlib.sha256(archived).hexdigest() == sha  # the exact bytes received
        assert len(entry["receipt"]) == 2 and set(entry["receipt"]) <= listed
        record = json.loads((pack / entry["record"]).read_text(encoding="utf-8"))
        assert (record["submission_id"], record["status"]) == (sid, status)
        with (pack / entry["raw_rows"]).open(encoding="utf-8-sig", newline="") as fh:
            raw = list(csv.DictReader(fh))
        assert len(raw) == row_count and all(r["submission_id"] == str(sid) for r in raw)
        assert (pack / entry["validation_results"]).is_file()
    ids = {str(a[0]) for a in audit}
    fed = 0
    for fact in ("fct_task_progress", "fct_indicator_value", "fct_disbursement"):
        with (pack / manifest["marts"][fact]["path"]).open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert {r["submission_id"] for r in rows} <= ids and all(r["source_row"] for r in rows)
        fed += len(rows)
    assert fed > 0  # the accepted submissions feed the facts
    assert manifest["dbt_run_results"]["included"] is True
    run_results = json.loads((pack / "dbt" / "run_results.json").read_text())
    assert run_results["args"]["which"] == "build"
    assert manifest["code_version"]["planwatch"]
    assert "sha256sum -c SHA256SUMS" in (pack / "HUONG_DAN.txt").read_text(encoding="utf-8")
    assert manifest["created_by"] == "kiem.toan" and manifest["previous_manifest_sha256"] is None


def test_sha256sum_checks_the_pack_without_planwatch(warehouse) -> None:
    pack = warehouse["packs"] / "first"
    for sums in ("SHA256SUMS", "manifest.sha256"):
        done = subprocess.run(["sha256sum", "--strict", "-c", sums], cwd=pack,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    listed = len(_manifest(pack)["files"]) + 1  # and the manifest itself
    assert done.stdout.count(": OK") == 1
    assert (pack / "SHA256SUMS").read_text().count("\n") == listed


def _tamper_targets(pack: Path) -> dict[str, str]:
    manifest = _manifest(pack)
    xlsx = next(s["archived_file"] for s in manifest["submissions"]
                if s["archived_file"].endswith(".xlsx"))
    raw = next(s["raw_rows"] for s in manifest["submissions"] if s["row_count"])
    return {"archived xlsx": xlsx, "raw rows CSV": raw,
            "mart CSV": manifest["marts"]["fct_submission"]["path"],
            "receipt": manifest["submissions"][0]["receipt"][0],
            "manifest": "manifest.json", "SHA256SUMS": "SHA256SUMS"}


@pytest.mark.parametrize("what", ["archived xlsx", "raw rows CSV", "mart CSV", "receipt",
                                  "manifest", "SHA256SUMS"])
def test_one_flipped_byte_fails_and_names_the_file(warehouse, tmp_path, capsys,
                                                   what: str) -> None:
    pack = _copy(warehouse, "first", tmp_path)
    target = _tamper_targets(pack)[what]
    _flip(pack / target, at=200 if what == "manifest" else None)
    assert _verify(str(pack)) == 1
    out = capsys.readouterr().out
    failed = [line for line in out.splitlines() if line.lstrip().startswith("FAILED")]
    assert failed and any(target in line for line in failed), out
    assert "RESULT: FAILED" in out


def test_a_missing_or_added_file_fails(warehouse, tmp_path, capsys) -> None:
    pack = _copy(warehouse, "first", tmp_path)
    gone = _manifest(pack)["marts"]["fct_disbursement"]["path"]
    (pack / gone).unlink()
    (pack / "files" / "extra.xlsx").write_bytes(b"not received")
    assert _verify(str(pack), "--offline") == 1
    out = capsys.readouterr().out
    assert f"FAILED  {gone}: missing" in out
    assert "FAILED  files/extra.xlsx: added" in out


def test_a_manifest_rewritten_with_fresh_hashes_is_caught_by_the_recorded_chain(
        warehouse, tmp_path, capsys) -> None:
    """Someone edits a CSV and recomputes every hash in the pack: the files agree with
    one another, but the warehouse never recorded that manifest."""
    from planwatch.reporting.evidence_manifest import render_sums, sha256_file, sha_line

    pack = _copy(warehouse, "first", tmp_path)
    manifest = _manifest(pack)
    entry = next(f for f in manifest["files"] if f["path"].startswith("marts/"))
    (pack / entry["path"]).write_bytes((pack / entry["path"]).read_bytes() + b"1,2,3\n")
    entry["sha256"], entry["size"] = sha256_file(pack / entry["path"])
    (pack / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2)
                                        + "\n", encoding="utf-8")
    digest, _ = sha256_file(pack / "manifest.json")
    (pack / "manifest.sha256").write_text(sha_line(digest, "manifest.json"))
    (pack / "SHA256SUMS").write_text(render_sums(manifest["files"], digest))
    assert _verify(str(pack), "--offline") == 0  # consistent in itself...
    assert "LINK NOT CHECKED" in capsys.readouterr().out  # ...and said loudly to be unlinked
    assert _verify(str(pack)) == 1
    assert "not recorded in audit.evidence_packs" in capsys.readouterr().out


def test_a_second_pack_links_to_the_first(warehouse, capsys) -> None:
    packs = warehouse["packs"]
    first_sha = (packs / "first" / "manifest.sha256").read_text().split()[0]
    assert _manifest(packs / "second")["previous_manifest_sha256"] == first_sha
    assert _manifest(packs / "other")["previous_manifest_sha256"] is None
    with psycopg.connect(warehouse["url"]) as conn:
        chain = conn.execute(
            """select manifest_sha256, previous_manifest_sha256, created_by, code_version
               from audit.evidence_packs where agency_code = %s order by pack_id""",
            (warehouse["agency"],)).fetchall()
    second_sha = (packs / "second" / "manifest.sha256").read_text().split()[0]
    assert [c[:3] for c in chain] == [(first_sha, None, "kiem.toan"),
                                      (second_sha, first_sha, "kiem.toan")]
    assert _verify(str(packs / "second"), "--previous", str(packs / "first")) == 0
    assert "link OK (against the previous pack" in capsys.readouterr().out
    assert _verify(str(packs / "second")) == 0  # and against the recorded chain


def test_a_pack_fails_against_an_unrelated_previous_pack(warehouse, capsys) -> None:
    packs = warehouse["packs"]
    assert _verify(str(packs / "second"), "--previous", str(packs / "other")) == 1
    out = capsys.readouterr().out
    assert "manifest.json (previous_manifest_sha256): does not name the pack" in out
    assert "manifest.json (agency_code): differs" in out and "link FAILED" in out
    # the first pack of a chain has no previous one
    assert _verify(str(packs / "first"), "--previous", str(packs / "other")) == 1


def test_a_changed_previous_pack_fails_the_link(warehouse, tmp_path, capsys) -> None:
    previous = _copy(warehouse, "first", tmp_path)
    _flip(previous / _tamper_targets(previous)["raw rows CSV"])
    assert _verify(str(warehouse["packs"] / "second"), "--previous", str(previous)) == 1
    assert "FAILED  previous pack" in capsys.readouterr().out


def test_without_warehouse_or_previous_pack_the_link_is_not_checked_loudly(
        warehouse, capsys) -> None:
    warehouse["env"].setenv("WAREHOUSE_URL", "postgresql://nobody@127.0.0.1:1/none")
    try:
        assert _verify(str(warehouse["packs"] / "second")) == 0
    finally:
        warehouse["env"].setenv("WAREHOUSE_URL", warehouse["url"])
    out = capsys.readouterr().out
    assert "!!! LINK NOT CHECKED: the warehouse did not answer" in out
    assert "THE LINK WAS NOT CHECKED" in out


@pytest.mark.parametrize("args, message", [
    (["--agency", "NOBODY", "--period", PERIOD], "unknown agency 'NOBODY'"),
    (["--agency", "{agency}", "--period", "2024-07"], "nothing received from"),
    (["--agency", "{agency}", "--period", PERIOD, "--plan", "NO-PLAN"], "NO-PLAN"),
])
def test_what_a_user_can_put_right_exits_2(warehouse, tmp_path, capsys, args, message) -> None:
    args = [a.format(agency=warehouse["agency"]) for a in args]
    assert main(["evidence", *args, "--out", str(tmp_path / "pack")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "pack").exists()
    assert not list(tmp_path.glob(".pack.part-*"))


def test_a_pack_is_never_written_over_another(warehouse, capsys) -> None:
    assert main(["evidence", "--agency", warehouse["agency"], "--period", PERIOD,
                 "--out", str(warehouse["packs"] / "first")]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert _verify(str(warehouse["packs"] / "first")) == 0


def test_the_recorded_chain_is_append_only(warehouse) -> None:
    settings, url = warehouse["settings"], warehouse["url"]
    with psycopg.connect(role_url(settings, url, "loader"), autocommit=True) as conn:
        for statement in ("update audit.evidence_packs set previous_manifest_sha256 = null",
                          "delete from audit.evidence_packs"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_a_receipt_path_outside_the_receipts_is_refused_and_a_formula_stays_text(
        warehouse, tmp_path, capsys) -> None:
    """A receipt path the database holds is not trusted to lie in the receipts
    folder; a clerk's ``=HYPERLINK(…)`` reaches the pack's CSV as text."""
    settings, url = warehouse["settings"], warehouse["url"]
    secret = settings.home / "bi_mat.txt"
    secret.write_text("mật khẩu của dịch vụ", encoding="utf-8")
    formula = '=HYPERLINK("http://example.invalid","Bấm vào đây")'
    with psycopg.connect(url) as conn:
        agency, sid, receipt = conn.execute(
            """select s.agency_code, s.submission_id, s.receipt_path from audit.submissions s
               where s.period = %s and s.agency_code not in (%s, %s)
                 and exists (select from raw.tasks t where t.submission_id = s.submission_id)
               order by s.submission_id limit 1""",
            (PERIOD, warehouse["agency"], warehouse["other"])).fetchone()
        (before,) = conn.execute("select result_text from raw.tasks where submission_id = %s"
                                 " order by source_row limit 1", (sid,)).fetchone()
        conn.execute("update audit.submissions set receipt_path = 'bi_mat.txt'"
                     " where submission_id = %s", (sid,))
        conn.execute("""update raw.tasks set result_text = %s where submission_id = %s
                        and source_row = (select min(source_row) from raw.tasks
                                          where submission_id = %s)""", (formula, sid, sid))
    try:
        assert main(["evidence", "--agency", agency, "--period", PERIOD,
                     "--out", str(tmp_path / "pack"), "--by", "kiem.toan"]) == 0
    finally:
        with psycopg.connect(url) as conn:
            conn.execute("update audit.submissions set receipt_path = %s where submission_id = %s",
                         (receipt, sid))
            conn.execute("""update raw.tasks set result_text = %s where submission_id = %s
                            and result_text = %s""", (before, sid, formula))
    assert "'bi_mat.txt' of submission" in capsys.readouterr().err  # said, not copied
    pack = tmp_path / "pack"
    files = [p for p in pack.rglob("*") if p.is_file()]
    assert not any(b"m\xe1\xba\xadt kh\xe1\xba\xa9u" in p.read_bytes() for p in files)
    entry = next(e for e in _manifest(pack)["submissions"] if e["submission_id"] == sid)
    assert entry["receipt"] == []
    with (pack / entry["raw_rows"]).open(encoding="utf-8-sig", newline="") as fh:
        texts = [row["result_text"] for row in csv.DictReader(fh)]
    assert f"'{formula}" in texts and formula not in texts
