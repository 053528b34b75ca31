"""Catalog checks and inbox file handling (pure, no database)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from planwatch.ingest import checks
from planwatch.ingest.files import archive, discover, discover_one, safe_label, sha256_of
from planwatch.ingest.model import ParsedFile, ParsedSheet

CODES = ["NV-2.1-01", "NV-2.1-02", "CT-07", "DA-12"]


def test_exact_code_is_not_a_near_miss() -> None:
    assert checks.CodeMatcher(CODES).match("NV-2.1-01") == ("NV-2.1-01", False)


def test_near_misses_are_matched() -> None:
    matcher = checks.CodeMatcher(CODES)
    for raw in ("nv-2.1-01", " NV-2.1-01 ", "NV-2.1-1", "NV - 2.1 - 01", "ct-7", "DA_12"):
        assert matcher.match(raw) == (matcher.match(raw)[0], True)
        assert matcher.match(raw)[0] is not None, raw


def test_unknown_code_is_not_matched() -> None:
    assert checks.CodeMatcher(CODES).match("NV-9.9-99") == (None, False)


def _file(tmp_path: Path, rel: str) -> object:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return discover_one(path, tmp_path)


def test_period_mismatch_names_both_values(tmp_path: Path) -> None:
    parsed = ParsedFile("SDL_2024-03.xlsx", "xlsx", agency_code="SDL", period="2024-02")
    checks.check_identity(parsed, _file(tmp_path, "2024-03/SDL_2024-03.xlsx"), {"SDL": 1})
    mismatch = [p for p in parsed.problems if p.code == "period_mismatch"]
    assert mismatch and all(p.severity == "block" for p in mismatch)
    assert mismatch[0].value == "02/2024" and mismatch[0].expected == "03/2024"


def test_unknown_agency_blocks_and_near_miss_warns(tmp_path: Path) -> None:
    f = _file(tmp_path, "2024-03/x.xlsx")
    unknown = ParsedFile("x.xlsx", "xlsx", agency_code="XYZ", period="2024-03")
    checks.check_identity(unknown, f, {"UBND_HUE": 1})
    assert [p.code for p in unknown.problems] == ["unknown_agency"]
    near = ParsedFile("x.xlsx", "xlsx", agency_code="ubnd hue", period="2024-03")
    checks.check_identity(near, f, {"UBND_HUE": 1})
    assert near.agency_code == "UBND_HUE"
    assert [p.severity for p in near.problems] == ["warn"]


def test_csv_identity_comes_from_the_name(tmp_path: Path) -> None:
    parsed = ParsedFile("UBND_HUE_2024-05_giai_ngan.csv", "csv")
    checks.check_identity(parsed, _file(tmp_path, "2024-05/UBND_HUE_2024-05_giai_ngan.csv"),
                          {"UBND_HUE": 1})
    assert (parsed.agency_code, parsed.period, parsed.problems) == ("UBND_HUE", "2024-05", [])


def test_codes_fixed_or_blocked() -> None:
    sheet = ParsedSheet("tasks", "Nhiệm vụ", rows=[
        {"source_row": 5, "task_code": "nv-2.1-1"},
        {"source_row": 6, "task_code": "NV-7.7-07"},
    ])
    checks.check_codes(sheet, checks.CodeMatcher(CODES), "Mã nhiệm vụ")
    assert sheet.rows[0]["task_code"] == "NV-2.1-01"
    assert [(p.code, p.severity, p.row) for p in sheet.problems] == [
        ("task_code_near_miss", "warn", 5), ("unknown_task_code", "block", 6)]


def test_unit_mismatch_blocks_but_spelling_variants_pass() -> None:
    sheet = ParsedSheet("indicators", "Chỉ tiêu", rows=[
        {"source_row": 4, "indicator_code": "CT-07", "unit": "HA"},
        {"source_row": 5, "indicator_code": "CT-07", "unit": "tấn"},
    ])
    checks.check_units(sheet, {"CT-07": "ha"})
    assert [(p.code, p.row) for p in sheet.problems] == [("unit_mismatch", 5)]


def test_discover_skips_links_and_orders_by_arrival(tmp_path: Path) -> None:
    (tmp_path / "2024-01").mkdir()
    late, early = tmp_path / "2024-01" / "a.xlsx", tmp_path / "2024-01" / "b.xlsx"
    late.write_bytes(b"1")
    early.write_bytes(b"2")
    os.utime(late, (2_000_000_000, 2_000_000_000))
    os.utime(early, (1_000_000_000, 1_000_000_000))
    (tmp_path / "2024-01" / "link.xlsx").symlink_to("/etc/hostname")
    files = discover(tmp_path)
    assert [f.name for f in files] == ["b.xlsx", "a.xlsx"]
    assert files[0].received_at == datetime.fromtimestamp(1_000_000_000, tz=UTC)
    assert files[0].folder_period == "2024-01"


def test_archive_is_content_addressed_and_names_are_defused(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"bytes")
    sha = sha256_of(source)
    target = archive(source, sha, tmp_path / "archive")
    assert target == tmp_path / "archive" / sha[:2] / f"{sha}.xlsx"
    assert target.read_bytes() == b"bytes"
    assert safe_label("../../etc/passwd") == "passwd"
    assert "/" not in safe_label("a/../b'; drop table x;--.xlsx")


def test_sheet_and_file_name_naming_different_agencies_blocks(tmp_path: Path) -> None:
    agencies = {"STNMT": 1, "SNNPTNT": 1}
    copied = ParsedFile("SNNPTNT_2024-06.xlsx", "xlsx", agency_code="STNMT", period="2024-06")
    checks.check_identity(copied, _file(tmp_path, "2024-06/SNNPTNT_2024-06.xlsx"), agencies)
    assert [(p.code, p.value, p.expected) for p in copied.problems] == [
        ("agency_mismatch", "STNMT", "SNNPTNT")]
    free_name = ParsedFile("BaoCao_2024-06.xlsx", "xlsx", agency_code="STNMT", period="2024-06")
    checks.check_identity(free_name, _file(tmp_path, "2024-06/BaoCao_2024-06.xlsx"), agencies)
    assert free_name.problems == []


def test_dot_named_submissions_are_recorded_system_files_are_not(tmp_path: Path) -> None:
    for name in (".DS_Store", "..\\..\\x.xlsx", ".hidden.csv", "a.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    assert {f.name for f in discover(tmp_path)} == {".hidden.csv", "..\\..\\x.xlsx", "a.xlsx"}
