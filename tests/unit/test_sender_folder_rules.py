"""Who sent a file: each reporting unit's inbox folder (catalog.inbox_layout), the
rules that trust it over the file (quality.catalog_rules), the receipts written
back into it (reporting.receipts.write_back). No database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planwatch.catalog.inbox_layout import (
    RECEIPTS_FOLDER,
    SHARED_FOLDER,
    make_sender_folders,
    sender_folders,
    sender_of,
)
from planwatch.catalog.model import Agency, Catalog, Catalogs, Plan
from planwatch.ingest.files import discover, discover_one
from planwatch.quality import catalog_rules as checks
from planwatch.reporting.receipts import write_back
from planwatch.vocabulary.parsed import ParsedFile


def _plan(code: str, issuer: str, year: int, *agencies: str) -> Catalog:
    plan = Plan(code, issuer, f"UBND {issuer} (kiểm thử)", "province", year, None, None,
                "Kế hoạch", agencies[0])
    return Catalog(plan, tuple(Agency(a, a, None, None, "lead", "I", None) for a in agencies),
                   (), (), ())


# Two provinces, each with its SKHDT; TTH has a plan in each of two years, and a
# new agency (SDL) in the second.
CATALOGS = Catalogs((_plan("TTH-2024", "TTH", 2024, "SKHDT", "SCT"),
                     _plan("TTH-2025", "TTH", 2025, "SKHDT", "SCT", "SDL"),
                     _plan("DNG-2024", "DNG", 2024, "SKHDT", "SYT")))


def test_a_files_folder_names_its_sender() -> None:
    mine = sender_of("TTH/SKHDT/2024-03/bao_cao.xlsx", CATALOGS)
    assert (mine.issuer_code, mine.agency_code, mine.via) == ("TTH", "SKHDT", "agency_folder")
    assert mine.folder_of_receipts == f"TTH/SKHDT/{RECEIPTS_FOLDER}"
    deep = sender_of("DNG/SYT/nam 2024/thang 3/x.csv", CATALOGS)  # any depth below
    assert (deep.issuer_code, deep.agency_code) == ("DNG", "SYT")
    shared = sender_of(f"TTH/{SHARED_FOLDER}/x.xlsx", CATALOGS)
    assert (shared.issuer_code, shared.agency_code, shared.via) == ("TTH", None, "shared_folder")
    for outside in ("x.xlsx", "2024-03/SKHDT_2024-03.xlsx", "TTH/SKHDT_2024-03.xlsx",
                    "TTH/2024-03/SKHDT_2024-03.xlsx", "TTH/SYT/x.xlsx",  # DNG's agency only
                    "KHAC/SKHDT/x.xlsx", "TTH/skhdt/x.xlsx"):  # folders are exact codes
        sender = sender_of(outside, CATALOGS)
        assert (sender.via, sender.agency_code, sender.folder_of_receipts) == (
            "outside_folders", None, None), outside


def test_every_agency_of_every_plan_gets_one_folder_per_issuer(tmp_path: Path) -> None:
    assert sender_folders(CATALOGS) == [
        "DNG/SKHDT", "DNG/SYT", f"DNG/{SHARED_FOLDER}",
        "TTH/SCT", "TTH/SDL", "TTH/SKHDT", f"TTH/{SHARED_FOLDER}"]
    first = Catalogs(CATALOGS.catalogs[:1] + CATALOGS.catalogs[2:])  # before TTH-2025
    inbox = tmp_path / "inbox"
    made = make_sender_folders(inbox, first)
    assert "TTH/SKHDT" in made and "DNG/SKHDT" in made and "TTH/SDL" not in made
    assert (inbox / "TTH" / "SKHDT" / RECEIPTS_FOLDER).is_dir()
    assert (inbox / "DNG" / "SKHDT" / RECEIPTS_FOLDER).is_dir()
    (inbox / "TTH" / "SKHDT" / "x.xlsx").write_bytes(b"kept")
    assert make_sender_folders(inbox, CATALOGS) == ["TTH/SDL"]  # only the new agency's
    assert make_sender_folders(inbox, CATALOGS) == []
    assert (inbox / "TTH" / "SKHDT" / "x.xlsx").read_bytes() == b"kept"


def _file(inbox: Path, rel: str) -> object:
    path = inbox / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return discover_one(path, inbox)


def test_a_file_naming_another_agency_than_its_folder_is_rejected(tmp_path: Path) -> None:
    """TTH's SCT drops a workbook that says it is SKHDT's: the folder is trusted."""
    parsed = ParsedFile("bao_cao.xlsx", "xlsx", agency_code="SKHDT", period="2024-03")
    checks.check_against_catalog(parsed, _file(tmp_path, "TTH/SCT/bao_cao.xlsx"), CATALOGS)
    (problem,) = parsed.problems
    assert (problem.code, problem.severity, problem.value, problem.expected) == (
        "sender_mismatch", "block", "SKHDT", "SCT")
    assert "thư mục của đơn vị SCT" in problem.message_vi and "'SKHDT'" in problem.message_vi
    assert parsed.agency_code == "SCT" and parsed.plan_code == "TTH-2024"  # recorded as sent
    # A CSV whose name names another agency, likewise.
    csv = ParsedFile("SKHDT_2024-03_nhiem_vu.csv", "csv")
    checks.check_against_catalog(
        csv, _file(tmp_path, "TTH/SCT/2024-03/SKHDT_2024-03_nhiem_vu.csv"), CATALOGS)
    assert [(p.code, p.value, p.expected) for p in csv.problems] == [
        ("sender_mismatch", "SKHDT", "SCT")]
    # A near miss of its own code is its own; a file naming none is the folder's.
    near = ParsedFile("x.xlsx", "xlsx", agency_code="sct", period="2024-03")
    checks.check_against_catalog(near, _file(tmp_path, "TTH/SCT/x.xlsx"), CATALOGS)
    assert [p.code for p in near.problems] == ["agency_code_near_miss"]
    unnamed = ParsedFile("bao_cao_thang_3.csv", "csv", period="2024-03")
    checks.check_against_catalog(unnamed, _file(tmp_path, "TTH/SCT/bao_cao_thang_3.csv"),
                                 CATALOGS)
    assert (unnamed.agency_code, unnamed.plan_code, unnamed.problems) == ("SCT", "TTH-2024", [])


def test_the_issuers_folder_decides_the_plan_of_an_agency_code_every_province_has(
        tmp_path: Path) -> None:
    for issuer, plan in (("TTH", "TTH-2024"), ("DNG", "DNG-2024")):
        csv = ParsedFile("SKHDT_2024-03_nhiem_vu.csv", "csv")
        checks.check_against_catalog(
            csv, _file(tmp_path, f"{issuer}/SKHDT/SKHDT_2024-03_nhiem_vu.csv"), CATALOGS)
        assert (csv.plan_code, csv.problems) == (plan, [])
    next_year = ParsedFile("SKHDT_2025-01_nhiem_vu.csv", "csv")
    checks.check_against_catalog(
        next_year, _file(tmp_path, "TTH/SKHDT/SKHDT_2025-01_nhiem_vu.csv"), CATALOGS)
    assert (next_year.plan_code, next_year.problems) == ("TTH-2025", [])  # one folder, any year


def test_the_shared_folder_takes_the_agency_the_file_names(tmp_path: Path) -> None:
    parsed = ParsedFile("x.xlsx", "xlsx", agency_code="SCT", period="2024-03")
    checks.check_against_catalog(parsed, _file(tmp_path, f"TTH/{SHARED_FOLDER}/x.xlsx"),
                                 CATALOGS)
    assert (parsed.agency_code, parsed.plan_code, parsed.problems) == ("SCT", "TTH-2024", [])
    other = ParsedFile("y.xlsx", "xlsx", agency_code="SYT", period="2024-03")  # DNG's
    checks.check_against_catalog(other, _file(tmp_path, f"TTH/{SHARED_FOLDER}/y.xlsx"),
                                 CATALOGS)
    assert [p.code for p in other.problems] == ["no_plan_for_period"]


def test_a_file_outside_every_senders_folder_is_rejected_saying_where_to_send(
        tmp_path: Path) -> None:
    for rel in ("SCT_2024-03.xlsx", "2024-03/SCT_2024-03.xlsx", "TTH/SYT/SCT_2024-03.xlsx"):
        parsed = ParsedFile(rel.rsplit("/", 1)[-1], "xlsx", agency_code="SCT",
                            period="2024-03")
        checks.check_against_catalog(parsed, _file(tmp_path, rel), CATALOGS)
        codes = [(p.code, p.severity) for p in parsed.problems]
        assert ("outside_sender_folders", "block") in codes, rel
        problem = next(p for p in parsed.problems if p.code == "outside_sender_folders")
        assert "không phải thư mục của một đơn vị" in problem.message_vi
        assert SHARED_FOLDER in problem.fix_vi
        assert problem.value == (rel.rpartition("/")[0] or "thư mục gốc")


def test_the_poll_does_not_take_receipts_written_back(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for rel in ("TTH/SCT/x.xlsx", f"TTH/SCT/{RECEIPTS_FOLDER}/r.html",
                f"TTH/SCT/2024/{RECEIPTS_FOLDER}/r.json", f"{RECEIPTS_FOLDER}/y.xlsx",
                f"TTH/{RECEIPTS_FOLDER}/z.xlsx"):
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_bytes(b"x")
    # Receipts below a sender's folder are not listed; a bien_nhan elsewhere is a
    # file outside the senders' folders (rejected, so not lost).
    assert sorted(f.inbox_path for f in discover(inbox)) == [
        "TTH/SCT/x.xlsx", f"TTH/{RECEIPTS_FOLDER}/z.xlsx", f"{RECEIPTS_FOLDER}/y.xlsx"]


def _receipt(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "receipts" / "abc_TTH_SCT_x.xlsx.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(f"<p>{text}</p>", encoding="utf-8")
    page.with_suffix(".json").write_text(f'{{"t": "{text}"}}', encoding="utf-8")
    return page


def test_a_receipt_written_back_never_replaces_one_there(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    make_sender_folders(inbox, CATALOGS)
    folder = f"TTH/SCT/{RECEIPTS_FOLDER}"
    page = _receipt(tmp_path, "một")
    assert write_back(page, inbox, folder) == ["abc_TTH_SCT_x.xlsx.json",
                                               "abc_TTH_SCT_x.xlsx.html"]
    assert write_back(page, inbox, folder) == []  # the same receipt again: left as it is
    page = _receipt(tmp_path, "hai")  # another receipt under the same name
    assert write_back(page, inbox, folder) == ["abc_TTH_SCT_x.xlsx-2.json",
                                               "abc_TTH_SCT_x.xlsx-2.html"]
    there = inbox / folder
    assert (there / "abc_TTH_SCT_x.xlsx.html").read_text(encoding="utf-8") == "<p>một</p>"
    assert (there / "abc_TTH_SCT_x.xlsx-2.html").read_text(encoding="utf-8") == "<p>hai</p>"
    # A bien_nhan the clerk removed is made again.
    for p in there.iterdir():
        p.unlink()
    there.rmdir()
    assert len(write_back(page, inbox, folder)) == 2


def test_a_receipt_folder_swapped_for_a_link_gets_nothing(tmp_path: Path) -> None:
    """The agency owns its folder (an SFTP chroot): it may replace bien_nhan, or a
    receipt's name, with a link to the service's files. Nothing is written through it."""
    inbox, elsewhere = tmp_path / "inbox", tmp_path / "service_state"
    make_sender_folders(inbox, CATALOGS)
    elsewhere.mkdir()
    there = inbox / "TTH" / "SCT" / RECEIPTS_FOLDER
    there.rmdir()
    there.symlink_to(elsewhere)
    with pytest.raises(OSError):
        write_back(_receipt(tmp_path, "một"), inbox, f"TTH/SCT/{RECEIPTS_FOLDER}")
    assert list(elsewhere.iterdir()) == []
    # A receipt's own name as a link to a file elsewhere: not written through either.
    there.unlink()
    there.mkdir()
    secret = elsewhere / "secret.env"
    secret.write_text("PASSWORD=x", encoding="utf-8")
    os.symlink(secret, there / "abc_TTH_SCT_x.xlsx.html")
    written = write_back(_receipt(tmp_path, "một"), inbox, f"TTH/SCT/{RECEIPTS_FOLDER}")
    assert "abc_TTH_SCT_x.xlsx-2.html" in written
    assert secret.read_text(encoding="utf-8") == "PASSWORD=x"
    with pytest.raises(OSError):
        write_back(_receipt(tmp_path, "một"), inbox, "../outside")
