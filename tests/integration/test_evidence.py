"""Evidence packs: a demo agency-month packed, signed, verified, tampered with and
chained, on a real warehouse (demo months ingested as the loader, marts built as
the transformer: ``fixtures.scenarios.auditor_months``), through the ``planwatch
evidence`` and ``planwatch keys`` commands; checked too with tools planwatch did
not write (``bagit.py``, ``sha256sum``, Debian's ``minisign``). The signing keys
themselves, without a warehouse: ``tests/unit/test_evidence_signing.py``."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import bagit
import psycopg
import pytest
from fixtures.plans import SHIPPED_PLAN

from planwatch.cli import main
from planwatch.reporting.evidence_bag import info_facts, parse_tags
from planwatch.warehouse.roles import role_url

pytestmark = pytest.mark.integration
PERIOD = "2024-01"
MINISIGN = shutil.which("minisign")
BAGIT_SCRIPT = Path(sys.executable).parent / "bagit.py"


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
    secret = tmp_path_factory.mktemp("secrets") / "signing.key"  # apart from the data
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WAREHOUSE_URL", url)
        env.setenv("PLANWATCH_HOME", str(settings.home))
        env.delenv("PLANWATCH_PUBLIC_KEYS", raising=False)
        assert main(["keys", "new", "--secret-key", str(secret)]) == 0
        (public,) = (settings.home / "keys").glob("*.pub")
        env.setenv("PLANWATCH_SIGNING_KEY", str(secret))
        for name, agency in (("first", agencies[0]), ("second", agencies[0]),
                             ("other", agencies[1])):
            assert main(["evidence", "--agency", agency, "--period", PERIOD,
                         "--out", str(packs / name), "--by", "kiem.toan"]) == 0
        yield {"settings": settings, "url": url, "agency": agencies[0],
               "other": agencies[1], "packs": packs, "env": env, "secret": secret,
               "public": public, "key_id": public.stem}


def _verify(*args: str) -> int:
    return main(["evidence", "--verify", *args])


def _manifest(pack: Path) -> dict:
    """What the pack says each payload file is (data/pack.json)."""
    return json.loads((pack / "data" / "pack.json").read_text(encoding="utf-8"))


def _info(pack: Path) -> dict:
    """What bag-info.txt says the pack is."""
    return info_facts(parse_tags((pack / "bag-info.txt").read_bytes()))


def _pack_sha(pack: Path) -> str:
    return hashlib.sha256((pack / "tagmanifest-sha256.txt").read_bytes()).hexdigest()


def _listed(pack: Path) -> set[str]:
    return {line.split(None, 1)[1] for line in
            (pack / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()}


def _minisign(pack: Path, public: Path) -> subprocess.CompletedProcess:
    return subprocess.run([MINISIGN, "-Vm", "tagmanifest-sha256.txt", "-p", str(public)],
                          cwd=pack, capture_output=True, text=True)


def _copy(warehouse, name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(warehouse["packs"] / name, tmp_path / name))


def _flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if at is None else at
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_pack_verifies_its_signature_and_its_link_in_the_warehouse(warehouse,
                                                                     capsys) -> None:
    assert _verify(str(warehouse["packs"] / "first"), "--require-signature") == 0
    out = capsys.readouterr().out
    assert "link OK (against audit.evidence_packs)" in out and "RESULT: OK" in out
    assert f"signature OK (key {warehouse['key_id']}, from the published key history" in out
    assert f"agency={warehouse['agency']} period={PERIOD}" in out  # the trusted comment
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
    info = _info(pack)
    assert (info["agency_code"], info["period"], info["plan_code"]) == (
        warehouse["agency"], PERIOD, SHIPPED_PLAN)
    data = pack / "data"
    listed = {path.removeprefix("data/") for path in _listed(pack)}
    for entry, (sid, status, sha, row_count, template) in zip(
            manifest["submissions"], audit, strict=True):
        assert entry["template"] == template
        archived = (data / entry["archived_file"]).read_bytes()
        assert hashlib.sha256(archived).hexdigest() == sha  # the exact bytes received
        assert len(entry["receipt"]) == 2 and set(entry["receipt"]) <= listed
        record = json.loads((data / entry["record"]).read_text(encoding="utf-8"))
        assert (record["submission_id"], record["status"]) == (sid, status)
        with (data / entry["raw_rows"]).open(encoding="utf-8-sig", newline="") as fh:
            raw = list(csv.DictReader(fh))
        assert len(raw) == row_count and all(r["submission_id"] == str(sid) for r in raw)
        assert (data / entry["validation_results"]).is_file()
    ids = {str(a[0]) for a in audit}
    fed = 0
    for fact in ("fct_task_progress", "fct_indicator_value", "fct_disbursement"):
        with (data / manifest["marts"][fact]["path"]).open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert {r["submission_id"] for r in rows} <= ids and all(r["source_row"] for r in rows)
        fed += len(rows)
    assert fed > 0  # the accepted submissions feed the facts
    assert manifest["dbt_run_results"]["included"] is True
    run_results = json.loads((data / "dbt" / "run_results.json").read_text())
    assert run_results["args"]["which"] == "build"
    assert json.loads((data / "code_version.json").read_text())["planwatch"]
    guide = (pack / "HUONG_DAN.txt").read_text(encoding="utf-8")
    for command in ("bagit.py --validate .", "sha256sum -c manifest-sha256.txt",
                    f"minisign -Vm tagmanifest-sha256.txt -p {warehouse['key_id']}.pub"):
        assert command in guide
    assert info["created_by"] == "kiem.toan" and info["previous_manifest_sha256"] is None
    assert info["key_id"] == warehouse["key_id"]
    assert (pack / "keys" / f"{warehouse['key_id']}.pub").read_bytes() == \
        warehouse["public"].read_bytes()


def test_tools_planwatch_did_not_write_check_the_pack(warehouse) -> None:
    """bagit (the library and its bagit.py script), sha256sum and minisign: the
    guide's three checks, each passing on the pack as made."""
    pack = warehouse["packs"] / "first"
    bagit.Bag(str(pack)).validate()
    done = subprocess.run([sys.executable, str(BAGIT_SCRIPT), "--validate", str(pack)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "is valid" in done.stderr, done.stderr
    for sums in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
        done = subprocess.run(["sha256sum", "--strict", "-c", sums], cwd=pack,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    payload = [p for p in (pack / "data").rglob("*") if p.is_file()]
    assert len(_listed(pack)) == len(payload) > 10
    if MINISIGN is None:
        pytest.skip("Debian's minisign is not installed here (CI installs it)")
    done = _minisign(pack, warehouse["public"])
    assert done.returncode == 0 and "Signature and comment signature verified" in done.stdout


def _tamper_targets(pack: Path) -> dict[str, str]:
    manifest = _manifest(pack)
    xlsx = next(s["archived_file"] for s in manifest["submissions"]
                if s["archived_file"].endswith(".xlsx"))
    raw = next(s["raw_rows"] for s in manifest["submissions"] if s["row_count"])
    return {"archived xlsx": f"data/{xlsx}", "raw rows CSV": f"data/{raw}",
            "mart CSV": f"data/{manifest['marts']['fct_submission']['path']}",
            "receipt": f"data/{manifest['submissions'][0]['receipt'][0]}",
            "pack.json": "data/pack.json", "bag-info": "bag-info.txt",
            "manifest": "manifest-sha256.txt", "tag manifest": "tagmanifest-sha256.txt",
            "signature": "tagmanifest-sha256.txt.minisig", "guide": "HUONG_DAN.txt"}


@pytest.mark.parametrize("what", ["archived xlsx", "raw rows CSV", "mart CSV", "receipt",
                                  "pack.json", "bag-info", "manifest", "tag manifest",
                                  "signature", "guide"])
def test_one_flipped_byte_fails_and_names_the_file(warehouse, tmp_path, capsys,
                                                   what: str) -> None:
    pack = _copy(warehouse, "first", tmp_path)
    target = _tamper_targets(pack)[what]
    # a byte of a hash (not of a line's layout) in the manifests
    _flip(pack / target, at=3 if "manifest" in what else None)
    assert _verify(str(pack)) == 1
    out = capsys.readouterr().out
    failed = [line for line in out.splitlines() if line.lstrip().startswith("FAILED")]
    assert failed and any(target in line for line in failed), out
    assert "RESULT: FAILED" in out


def test_a_missing_or_added_file_fails(warehouse, tmp_path, capsys) -> None:
    pack = _copy(warehouse, "first", tmp_path)
    gone = f"data/{_manifest(pack)['marts']['fct_disbursement']['path']}"
    (pack / gone).unlink()
    (pack / "data" / "files" / "extra.xlsx").write_bytes(b"not received")
    assert _verify(str(pack), "--offline") == 1
    out = capsys.readouterr().out
    assert f"FAILED  {gone}: missing" in out
    assert "FAILED  data/files/extra.xlsx: added" in out


def test_a_pack_rewritten_end_to_end_fails_planwatch_and_minisign_not_bagit(
        warehouse, tmp_path, capsys) -> None:
    """Someone edits a raw CSV and recomputes every sum of the bag with bagit: the
    files agree with one another (bagit and sha256sum say valid), but the
    Department's signature does not match, and the warehouse never recorded it."""
    pack = _copy(warehouse, "first", tmp_path)
    raw = pack / _tamper_targets(pack)["raw rows CSV"]
    raw.write_bytes(raw.read_bytes().replace(b",", b";", 1))
    cwd = os.getcwd()
    try:
        bagit.Bag(str(pack)).save(manifests=True)
    finally:
        os.chdir(cwd)
    bagit.Bag(str(pack)).validate()  # consistent in itself...
    done = subprocess.run(["sha256sum", "-c", "manifest-sha256.txt"], cwd=pack,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert _verify(str(pack), "--offline") == 1  # ...but not signed by the Department
    out = capsys.readouterr().out
    assert "FAILED  tagmanifest-sha256.txt.minisig: the signature does not match" in out
    assert _verify(str(pack)) == 1
    assert "not recorded in audit.evidence_packs" in capsys.readouterr().out
    if MINISIGN is None:
        pytest.skip("Debian's minisign is not installed here (CI installs it)")
    done = _minisign(pack, warehouse["public"])
    assert done.returncode != 0 and "Signature verification failed" in done.stderr


def test_a_pack_signed_with_a_key_not_in_the_published_history_fails(
        warehouse, tmp_path, capsys) -> None:
    """A rewritten pack signed with a key of someone's own (its public key put in
    the pack): the published history does not know the key."""
    from planwatch.config import load_settings
    from planwatch.reporting.evidence_keys import load_signer, new_key

    pack = _copy(warehouse, "first", tmp_path)
    forger = replace(load_settings(), home=tmp_path / "forger", public_keys_path="",
                     signing_key=str(tmp_path / "forger.key"))
    key_id, public = new_key(forger, tmp_path / "forger.key")
    signer = load_signer(forger)
    info = (pack / "bag-info.txt").read_text(encoding="utf-8")
    (pack / "bag-info.txt").write_text(info.replace(warehouse["key_id"], key_id),
                                       encoding="utf-8")
    shutil.rmtree(pack / "keys")
    (pack / "keys").mkdir()
    shutil.copy(public, pack / "keys" / public.name)
    cwd = os.getcwd()
    try:
        bagit.Bag(str(pack)).save()  # the tag manifest again
    finally:
        os.chdir(cwd)
    tags = (pack / "tagmanifest-sha256.txt").read_bytes()
    comment = f"planwatch evidence pack plan={SHIPPED_PLAN} agency={warehouse['agency']} " \
              f"period={PERIOD} key={key_id}"
    (pack / "tagmanifest-sha256.txt.minisig").write_bytes(signer.sign(tags, comment))
    assert _verify(str(pack), "--offline") == 1
    out = capsys.readouterr().out
    assert f"signed with key {key_id}, which is not in the published key history" in out
    if MINISIGN is not None:  # with the pack's own copy minisign is content: the guide
        assert _minisign(pack, pack / "keys" / public.name).returncode == 0  # says why
        assert _minisign(pack, warehouse["public"]).returncode != 0  # not with the Department's


def test_a_key_file_others_can_read_is_refused_and_no_pack_written(warehouse, tmp_path,
                                                                   capsys) -> None:
    secret = warehouse["secret"]
    os.chmod(secret, 0o644)
    try:
        assert main(["evidence", "--agency", warehouse["agency"], "--period", PERIOD,
                     "--out", str(tmp_path / "pack")]) == 2
    finally:
        os.chmod(secret, 0o600)
    assert "mode 0644: others may read it" in capsys.readouterr().err
    assert not (tmp_path / "pack").exists()


def test_without_a_key_a_pack_is_unsigned_and_says_so(warehouse, tmp_path, capsys) -> None:
    warehouse["env"].delenv("PLANWATCH_SIGNING_KEY")
    try:
        assert main(["evidence", "--agency", warehouse["other"], "--period", PERIOD,
                     "--out", str(tmp_path / "pack")]) == 0
    finally:
        warehouse["env"].setenv("PLANWATCH_SIGNING_KEY", str(warehouse["secret"]))
    made = capsys.readouterr()
    assert "UNSIGNED (chưa ký)" in made.err and "UNSIGNED (chưa ký)" in made.out
    pack = tmp_path / "pack"
    assert not (pack / "tagmanifest-sha256.txt.minisig").exists()
    assert "CHƯA KÝ" in (pack / "HUONG_DAN.txt").read_text(encoding="utf-8")
    with psycopg.connect(warehouse["url"]) as conn:
        (recorded,) = conn.execute(
            "select signing_key_id from audit.evidence_packs where manifest_sha256 = %s",
            (_pack_sha(pack),)).fetchone()
    assert recorded is None
    assert _verify(str(pack)) == 0
    out = capsys.readouterr().out
    assert "!!! UNSIGNED (chưa ký)" in out and "link OK" in out
    assert "RESULT: every file verified; UNSIGNED (chưa ký)" in out
    assert _verify(str(pack), "--require-signature") == 1
    assert "a signature was required" in capsys.readouterr().out


def test_the_key_history_lists_the_published_keys(warehouse, capsys) -> None:
    assert main(["keys", "list"]) == 0
    out = capsys.readouterr().out
    assert "1 key(s)" in out and warehouse["key_id"] in out


def test_a_second_pack_links_to_the_first(warehouse, capsys) -> None:
    packs = warehouse["packs"]
    first_sha = _pack_sha(packs / "first")
    assert _info(packs / "second")["previous_manifest_sha256"] == first_sha
    assert _info(packs / "other")["previous_manifest_sha256"] is None
    with psycopg.connect(warehouse["url"]) as conn:
        chain = conn.execute(
            """select manifest_sha256, previous_manifest_sha256, created_by, signing_key_id
               from audit.evidence_packs where agency_code = %s order by pack_id""",
            (warehouse["agency"],)).fetchall()
    second_sha = _pack_sha(packs / "second")
    key_id = warehouse["key_id"]
    assert chain == [(first_sha, None, "kiem.toan", key_id),
                     (second_sha, first_sha, "kiem.toan", key_id)]
    assert _verify(str(packs / "second"), "--previous", str(packs / "first")) == 0
    assert "link OK (against the previous pack" in capsys.readouterr().out
    assert _verify(str(packs / "second")) == 0  # and against the recorded chain


def test_a_pack_fails_against_an_unrelated_previous_pack(warehouse, capsys) -> None:
    packs = warehouse["packs"]
    assert _verify(str(packs / "second"), "--previous", str(packs / "other")) == 1
    out = capsys.readouterr().out
    assert "bag-info.txt (Planwatch-Previous-Pack-Sha256): does not name the pack" in out
    assert "bag-info.txt (Planwatch-Agency): differs" in out and "link FAILED" in out
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
    with (pack / "data" / entry["raw_rows"]).open(encoding="utf-8-sig", newline="") as fh:
        texts = [row["result_text"] for row in csv.DictReader(fh)]
    assert f"'{formula}" in texts and formula not in texts
