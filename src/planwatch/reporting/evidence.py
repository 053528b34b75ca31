"""Evidence packs (``planwatch evidence``): everything planwatch holds about what one
agency sent for one month, in a folder an auditor can verify offline.

For every submission of the agency and period (all versions and outcomes:
accepted, rejected, superseded, duplicate): the archived file's exact bytes, its
receipt (HTML + JSON), its ``audit.submissions`` row, its validation results and
the raw rows as loaded; then the mart rows those submissions feed, the run
results of the last dbt build, the code version, and ``pack.json`` saying what
each file is. The pack is a BagIt bag (``evidence_bag``) with a guide in
Vietnamese (``HUONG_DAN.txt``); its tag manifest is signed with the Department's
key (``evidence_keys``) when one is configured. bag-info names the previous pack
of the same plan and agency; the pack's own hash is recorded in
``audit.evidence_packs``, which makes the chain ``--verify`` checks.

Rows are read in one snapshot as the transformer (the one role that reads raw
rows, the audit and the marts alike); the pack is recorded as the loader, which
writes the audit.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from tqdm import tqdm

from planwatch import __version__
from planwatch.catalog import Catalog, Catalogs, load_catalogs
from planwatch.config import Settings
from planwatch.errors import UserError
from planwatch.reporting.evidence_bag import (
    CONTENTS,
    FORMAT,
    GUIDE,
    KEYS,
    PAYLOAD,
    PackInfo,
    sha256_bytes,
    write_tag_files,
)
from planwatch.reporting.evidence_guide import guide_text
from planwatch.reporting.evidence_keys import Signer, load_signer
from planwatch.text import looks_like_formula
from planwatch.vocabulary.statuses import IN_FORCE_STATUSES
from planwatch.warehouse import evidence as sql
from planwatch.warehouse.evidence import FACT_SUBMISSION_COLUMNS, PackRecord


@dataclass(frozen=True)
class PackResult:
    out: Path
    plan_code: str
    agency_code: str
    period: str
    manifest_sha256: str  # the pack's hash: its tag manifest's SHA-256
    previous_manifest_sha256: str | None
    submissions: int
    files: int
    key_id: str | None = None  # None: unsigned
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        signed = (f"signed with key {self.key_id}" if self.key_id else
                  "UNSIGNED (chưa ký): no signing key configured")
        return (f"evidence pack of {self.agency_code} {self.period} (plan {self.plan_code}): "
                f"{self.submissions} submission(s), {self.files} file(s) in {self.out}\n"
                f"  pack sha256   {self.manifest_sha256} (tag manifest; recorded)\n"
                f"  previous pack {self.previous_manifest_sha256 or 'none: the first'}\n"
                f"  signature     {signed}")


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def pack_plan(catalogs: Catalogs, agency_code: str, period: str,
              plan_code: str | None = None) -> Catalog:
    """The plan a pack is of: the one named, else the only plan of the period's
    year that lists the agency."""
    if not catalogs.knows_agency(agency_code):
        raise UserError(f"unknown agency {agency_code!r}: no plan's catalog lists it")
    if plan_code:
        catalog = catalogs.get(plan_code)
        if agency_code not in catalog.agency_by_code:
            raise UserError(f"plan {plan_code} does not list agency {agency_code}")
        return catalog
    found = catalogs.plans_for(agency_code, period)
    if len(found) != 1:
        names = ", ".join(c.plan_code for c in found) or "none"
        raise UserError(f"{len(found)} plans of {period[:4]} list {agency_code} ({names})"
                        + (": name one with --plan" if found else ""))
    return found[0]


def code_version(settings: Settings) -> dict[str, Any]:
    """planwatch's version, and the git commit of the source tree when there is one."""
    out: dict[str, Any] = {"planwatch": __version__, "git_commit": None, "git_dirty": None}
    git = shutil.which("git")
    if git is None or not (settings.project_dir / ".git").exists():
        return out
    try:
        commit = subprocess.run([git, "-C", str(settings.project_dir), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=True)
        status = subprocess.run([git, "-C", str(settings.project_dir), "status", "--porcelain",
                                 "--untracked-files=no"],
                                capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return out
    out["git_commit"] = commit.stdout.strip() or None
    out["git_dirty"] = bool(status.stdout.strip())
    return out


def version_text(version: dict[str, Any]) -> str:
    """``0.1.0``, or ``0.1.0+g<commit>`` (``.dirty`` when the tree had changes)."""
    commit = version.get("git_commit")
    if not commit:
        return str(version["planwatch"])
    return f"{version['planwatch']}+g{commit[:12]}{'.dirty' if version.get('git_dirty') else ''}"


def _cell(value: Any) -> str:
    """A value as text, exactly: numbers as written, times in ISO 8601, JSON as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _csv_cell(value: Any) -> str:
    """A cell of a pack's CSV: a text that a spreadsheet would run as a formula
    (``=HYPERLINK(…)`` typed by a clerk) gets a leading apostrophe, as a person
    types it to keep a text a text; every other value as ``_cell`` writes it."""
    if isinstance(value, str) and looks_like_formula(value):
        return f"'{value}"
    return _cell(value)


def _csv(rows: sql.Rows) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows Vietnamese text as written."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(rows.columns)
    writer.writerows([_csv_cell(v) for v in row] for row in rows.rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


class _Folder:
    """The pack being written (in a temporary folder): every file and its hash."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[dict[str, Any]] = []

    def add(self, path: str, data: bytes) -> str:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.files.append({"path": path, "sha256": sha256_bytes(data), "size": len(data)})
        return path

    def add_json(self, path: str, value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False, indent=2, default=_json_default) + "\n"
        return self.add(path, text.encode("utf-8"))


def _dbt_results(settings: Settings) -> tuple[bytes | None, dict[str, Any]]:
    """The run results of the last dbt build, and what the manifest says of them."""
    candidates = [settings.dbt_build_results, settings.dbt_target_dir / "run_results.json"]
    for path in candidates:
        if not path.is_file():
            continue
        data = path.read_bytes()
        try:
            parsed = json.loads(data)
        except ValueError:
            continue
        if (parsed.get("args") or {}).get("which") != "build":
            continue  # a later command's results (docs, compile): not the build's
        statuses: dict[str, int] = {}
        for result in parsed.get("results") or []:
            statuses[str(result.get("status"))] = statuses.get(str(result.get("status")), 0) + 1
        return data, {"included": True, "path": "dbt/run_results.json",
                      "generated_at": (parsed.get("metadata") or {}).get("generated_at"),
                      "invocation_id": (parsed.get("metadata") or {}).get("invocation_id"),
                      "command": "build", "statuses": statuses}
    return None, {"included": False,
                  "note": "no run results of a dbt build were found where planwatch keeps "
                          "them: the marts' rows are in the pack, the build's log is not",
                  "ghi_chu_vi": "Không tìm thấy kết quả chạy dbt build gần nhất; các dòng "
                                "mart vẫn có trong gói."}


def _archived(settings: Settings, sub: dict[str, Any]) -> bytes:
    """The file's exact bytes from the archive, checked against the hash recorded."""
    relative = sub.get("file_archive_path")
    path = settings.home / relative if relative else None
    if path is None or not path.is_file():
        raise UserError(f"the archived file of submission {sub['submission_id']} "
                        f"({sub['file_name']}) is missing from the archive ({relative}): "
                        "no pack written")
    data = path.read_bytes()
    if sha256_bytes(data) != sub["file_sha256"]:
        raise UserError(f"the archived file {relative} no longer has the SHA-256 recorded "
                        f"for it ({sub['file_sha256']}): the archive was changed; no pack "
                        "written")
    return data


def _write_submissions(folder: _Folder, conn: psycopg.Connection, settings: Settings,
                       subs: list[dict[str, Any]], progress: bool) -> tuple[list, list[str]]:
    entries: list[dict[str, Any]] = []
    warnings: list[str] = []
    archived: dict[str, str] = {}
    receipts: dict[str, list[str]] = {}
    for sub in tqdm(subs, desc="evidence", unit="submission", file=sys.stderr,
                    disable=not progress):
        sid = sub["submission_id"]
        sha = sub["file_sha256"]
        if sha not in archived:
            name = f"files/{Path(sub['file_archive_path'] or sha).name}"
            archived[sha] = folder.add(name, _archived(settings, sub))
        receipt = sub.get("receipt_path")
        if receipt and receipt not in receipts:
            receipts[receipt] = []
            sources = (settings.home / receipt, (settings.home / receipt).with_suffix(".json"))
            if not all(s.resolve().is_relative_to(settings.receipts_dir.resolve())
                       for s in sources):  # a path the database holds, not trusted
                warnings.append(f"receipt path {receipt!r} of submission {sid} lies outside"
                                " the receipts folder: not copied")
                sources = ()
            for source in sources:
                if source.is_file():
                    receipts[receipt].append(folder.add(f"receipts/{source.name}",
                                                        source.read_bytes()))
                else:
                    warnings.append(f"receipt {source.name} of submission {sid} not found")
        record = {k: v for k, v in sub.items() if k not in ("file_archive_path", "file_size")}
        entry: dict[str, Any] = {
            "submission_id": sid, "file_name": sub["file_name"], "file_sha256": sha,
            "template": sub["template"], "status": sub["status"], "version": sub["version"],
            "received_at": _cell(sub["received_at"]), "row_count": sub["row_count"],
            "archived_file": archived[sha], "receipt": receipts.get(receipt or "", []),
            "record": folder.add_json(f"submissions/{sid}/submission.json", record),
            "validation_results": folder.add(f"submissions/{sid}/validation_results.csv",
                                             _csv(sql.validation_results(conn, sid))),
            "raw_rows": None,
        }
        if sub["template"]:
            entry["raw_rows"] = folder.add(f"submissions/{sid}/raw_rows.csv",
                                           _csv(sql.raw_rows(conn, sub["template"], sid)))
        entries.append(entry)
    return entries, warnings


def _write_marts(folder: _Folder, conn: psycopg.Connection, subs: list[dict[str, Any]]
                 ) -> tuple[dict[str, Any], list[str]]:
    ids = [s["submission_id"] for s in subs]
    marts: dict[str, Any] = {}
    warnings: list[str] = []
    for fact in FACT_SUBMISSION_COLUMNS:
        rows = sql.fact_rows(conn, fact, ids)
        marts[fact] = {"path": folder.add(f"marts/{fact}.csv", _csv(rows)),
                       "rows": len(rows.rows)}
        if fact == "fct_submission":
            used = {r[rows.columns.index("submission_id")] for r in rows.rows}
            for s in subs:
                if s["status"] in IN_FORCE_STATUSES and s["submission_id"] not in used:
                    warnings.append(f"submission {s['submission_id']} ({s['template']}, "
                                    f"{s['status']}) is in no mart row: the marts were "
                                    "built before it arrived (planwatch build, then a new "
                                    "pack)")
    return marts, warnings


def _prepare(out: Path) -> Path:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out} exists and is not an empty folder: a pack is written to a "
                        "new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.part-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return tmp


def write_pack(settings: Settings, *, read_url: str, record_url: str, agency_code: str,
               period: str, out: Path, created_by: str | None = None,
               plan_code: str | None = None, progress: bool = True) -> PackResult:
    """Write the evidence pack of ``agency_code`` × ``period`` to ``out`` (a new or
    empty folder) and record it, made by ``created_by`` (default: the login name);
    see the module's docstring."""
    created_by = created_by or login_name()
    catalog = pack_plan(load_catalogs(settings.catalog_dir), agency_code, period, plan_code)
    signer = load_signer(settings, out)  # a key refused: nothing read, nothing written
    plan = catalog.plan_code
    with psycopg.connect(read_url) as conn:
        sql.read_snapshots(conn)
        missing = sql.missing_facts(conn)
        if missing:
            raise UserError(f"the marts are not built ({', '.join(missing)} missing): run "
                            "planwatch build first")
        subs = sql.agency_submissions(conn, plan, agency_code, period)
        if not subs:
            raise UserError(f"nothing received from {agency_code} for {period} "
                            f"(plan {plan}): no pack written")
        tmp = _prepare(out)
        try:
            folder = _Folder(tmp / PAYLOAD)
            entries, warnings = _write_submissions(folder, conn, settings, subs, progress)
            marts, stale = _write_marts(folder, conn, subs)
            conn.rollback()
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    warnings += stale
    if signer is None:
        warnings.append("no signing key is configured (PLANWATCH_SIGNING_KEY): the pack is "
                        "UNSIGNED (chưa ký); its origin rests on the recorded chain alone")
    try:
        return _finish(settings, folder, tmp, out, catalog, agency_code, period, created_by,
                       record_url, entries, marts, warnings, signer)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _finish(settings: Settings, folder: _Folder, root: Path, out: Path, catalog: Catalog,
            agency_code: str, period: str, created_by: str, record_url: str,
            entries: list[dict[str, Any]], marts: dict[str, Any],
            warnings: list[str], signer: Signer | None) -> PackResult:
    """The run results, version, contents and guide; then, under the chain's lock,
    the bag's tag files with the previous pack's hash, signed, recorded and moved
    into place."""
    plan = catalog.plan_code
    results, dbt_info = _dbt_results(settings)
    if results is not None:
        folder.add("dbt/run_results.json", results)
    version = code_version(settings)
    folder.add_json("code_version.json", version)
    folder.add_json(CONTENTS, {"format": FORMAT, "dbt_run_results": dbt_info,
                               "submissions": entries, "marts": marts, "warnings": warnings})
    created_at = datetime.now(UTC)
    agency = catalog.agency_by_code[agency_code]
    key_id = signer.key_id if signer else None
    tags = {GUIDE: guide_text(
        plan_code=plan, agency_code=agency_code, agency_name_vi=agency.name_vi,
        period=period, created_at=created_at.isoformat(), created_by=created_by,
        dbt_included=results is not None, key_id=key_id).encode("utf-8")}
    if signer is not None:
        tags[f"{KEYS}/{signer.key_id}.pub"] = signer.public_file.read_bytes()
    payload = {f"{PAYLOAD}/{f['path']}": f["sha256"] for f in folder.files}
    with psycopg.connect(record_url) as conn:
        sql.lock_chain(conn, plan, agency_code)
        previous = sql.latest_manifest(conn, plan, agency_code)
        info = PackInfo(plan_code=plan, agency_code=agency_code,
                        agency_name_vi=agency.name_vi, period=period,
                        created_at=created_at.isoformat(), created_by=created_by,
                        previous=previous, key_id=key_id, software=version_text(version),
                        payload_bytes=sum(f["size"] for f in folder.files),
                        payload_files=len(folder.files))
        digest = write_tag_files(root, info, payload, tags, signer)
        sql.record_pack(conn, PackRecord(
            plan_code=plan, agency_code=agency_code, period=period, manifest_sha256=digest,
            previous_manifest_sha256=previous, created_by=created_by, created_at=created_at,
            code_version=version_text(version), signing_key_id=key_id))
        if out.exists():
            out.rmdir()  # an empty folder given for the pack
        root.rename(out)
        try:
            conn.commit()
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise
    files = sum(1 for p in out.rglob("*") if p.is_file())
    return PackResult(out=out, plan_code=plan, agency_code=agency_code, period=period,
                      manifest_sha256=digest, previous_manifest_sha256=previous,
                      submissions=len(entries), files=files, key_id=key_id,
                      warnings=warnings)
