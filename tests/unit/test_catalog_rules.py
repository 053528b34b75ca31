"""Catalog rules: codes, units, agency, period and plan of a file (pure, no database)."""

from __future__ import annotations

from pathlib import Path

from planwatch.catalog.model import Agency, Catalog, Catalogs, Plan
from planwatch.ingest.files import discover_one
from planwatch.quality import catalog_rules as checks
from planwatch.vocabulary.parsed import ParsedFile, ParsedSheet

CODES = ["NV-2.1-01", "NV-2.1-02", "CT-07", "DA-12"]


def _plan(code: str, year: int, *agencies: str) -> Catalog:
    plan = Plan(code, code.split("-")[0], "UBND tỉnh (kiểm thử)", "province", year, None,
                None, "Kế hoạch", agencies[0])
    return Catalog(plan, tuple(Agency(a, a, None, None, "lead", "I", None) for a in agencies),
                   (), (), ())


def plans(*agencies: str) -> Catalogs:
    """One plan of 2024 listing ``agencies``."""
    return Catalogs((_plan("P-2024", 2024, *agencies),))


def test_exact_code_is_not_a_near_miss() -> None:
    assert checks.CodeMatcher(CODES).match("NV-2.1-01") == ("NV-2.1-01", False)


def test_near_misses_are_matched() -> None:
    matcher = checks.CodeMatcher(CODES)
    expected = {"nv-2.1-01": "NV-2.1-01", " NV-2.1-01 ": "NV-2.1-01", "NV-2.1-1": "NV-2.1-01",
                "NV - 2.1 - 01": "NV-2.1-01", "ct-7": "CT-07", "DA_12": "DA-12"}
    for raw, code in expected.items():
        assert matcher.match(raw) == (code, True), raw


def test_unknown_code_is_not_matched() -> None:
    assert checks.CodeMatcher(CODES).match("NV-9.9-99") == (None, False)


def _file(tmp_path: Path, rel: str) -> object:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return discover_one(path, tmp_path)


def test_period_mismatch_names_both_values(tmp_path: Path) -> None:
    parsed = ParsedFile("SDL_2024-03.xlsx", "xlsx", agency_code="SDL", period="2024-02")
    checks.check_identity(parsed, _file(tmp_path, "2024-03/SDL_2024-03.xlsx"), plans("SDL"))
    mismatch = [p for p in parsed.problems if p.code == "period_mismatch"]
    assert mismatch and all(p.severity == "block" for p in mismatch)
    assert mismatch[0].value == "02/2024" and mismatch[0].expected == "03/2024"


def test_unknown_agency_blocks_and_near_miss_warns(tmp_path: Path) -> None:
    f = _file(tmp_path, "2024-03/x.xlsx")
    unknown = ParsedFile("x.xlsx", "xlsx", agency_code="XYZ", period="2024-03")
    checks.check_identity(unknown, f, plans("UBND_HUE"))
    assert [p.code for p in unknown.problems] == ["unknown_agency"]
    near = ParsedFile("x.xlsx", "xlsx", agency_code="ubnd hue", period="2024-03")
    checks.check_identity(near, f, plans("UBND_HUE"))
    assert near.agency_code == "UBND_HUE"
    assert [p.severity for p in near.problems] == ["warn"]


def test_csv_identity_comes_from_the_name(tmp_path: Path) -> None:
    parsed = ParsedFile("UBND_HUE_2024-05_giai_ngan.csv", "csv")
    checks.check_identity(parsed, _file(tmp_path, "2024-05/UBND_HUE_2024-05_giai_ngan.csv"),
                          plans("UBND_HUE"))
    assert (parsed.agency_code, parsed.period, parsed.problems) == ("UBND_HUE", "2024-05", [])


def test_codes_fixed_or_blocked() -> None:
    sheet = ParsedSheet("tasks", "Nhiệm vụ", rows=[
        {"source_row": 5, "task_code": "nv-2.1-1"},
        {"source_row": 6, "task_code": "NV-7.7-07"},
    ])
    checks.check_codes(sheet, checks.CodeMatcher(CODES))
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


def test_sheet_and_file_name_naming_different_agencies_blocks(tmp_path: Path) -> None:
    agencies = plans("STNMT", "SNNPTNT")
    copied = ParsedFile("SNNPTNT_2024-06.xlsx", "xlsx", agency_code="STNMT", period="2024-06")
    checks.check_identity(copied, _file(tmp_path, "2024-06/SNNPTNT_2024-06.xlsx"), agencies)
    assert [(p.code, p.value, p.expected) for p in copied.problems] == [
        ("agency_mismatch", "STNMT", "SNNPTNT")]
    free_name = ParsedFile("BaoCao_2024-06.xlsx", "xlsx", agency_code="STNMT", period="2024-06")
    checks.check_identity(free_name, _file(tmp_path, "2024-06/BaoCao_2024-06.xlsx"), agencies)
    assert free_name.problems == []


# -- which plan a file reports to -------------------------------------------------

TWO_PLANS_2024 = Catalogs((_plan("TINH-2024", 2024, "SKHDT", "SDL"),
                           _plan("BO-2024", 2024, "SKHDT", "VUA"),
                           _plan("TINH-2025", 2025, "SKHDT", "SDL")))


def _identity(tmp_path: Path, name: str, **parsed: object) -> tuple[ParsedFile, object]:
    file = ParsedFile(name, "csv" if name.endswith(".csv") else "xlsx", **parsed)  # type: ignore[arg-type]
    catalog = checks.check_identity(file, _file(tmp_path, f"2024-03/{name}"), TWO_PLANS_2024)
    return file, catalog


def test_the_plan_is_the_only_one_of_the_year_listing_the_agency(tmp_path: Path) -> None:
    parsed, catalog = _identity(tmp_path, "SDL_2024-03.xlsx", agency_code="SDL",
                                period="2024-03")
    assert (parsed.plan_code, parsed.problems) == ("TINH-2024", [])
    assert catalog is TWO_PLANS_2024.get("TINH-2024")


def test_an_agency_of_two_plans_that_year_must_name_its_plan(tmp_path: Path) -> None:
    csv, catalog = _identity(tmp_path, "SKHDT_2024-03_nhiem_vu.csv")
    assert catalog is None and csv.plan_code is None
    assert [(p.code, p.severity, p.value) for p in csv.problems] == [
        ("ambiguous_plan", "block", "SKHDT")]
    assert "TINH-2024, BO-2024" in csv.problems[0].message_vi
    named, catalog = _identity(tmp_path, "SKHDT_2024-03.xlsx", agency_code="SKHDT",
                               period="2024-03", plan_code="BO-2024")
    assert (named.plan_code, named.problems) == ("BO-2024", [])
    assert catalog is TWO_PLANS_2024.get("BO-2024")


def test_the_issuers_folder_says_whose_a_file_is(tmp_path: Path) -> None:
    """Every province has its SKHDT: in its issuer's folder a CSV finds its plan."""
    provinces = Catalogs((_plan("TINH-2024", 2024, "SKHDT", "SDL"),
                          _plan("KHAC-2024", 2024, "SKHDT", "SDL")))

    def identity(path: str, **parsed: object) -> ParsedFile:
        name = path.rsplit("/", 1)[-1]
        file = ParsedFile(name, "csv" if name.endswith(".csv") else "xlsx", **parsed)  # type: ignore[arg-type]
        checks.check_identity(file, _file(tmp_path, path), provinces)
        return file

    mine = identity("khac/2024-03/SKHDT_2024-03_nhiem_vu.csv")  # any case
    assert (mine.plan_code, mine.problems) == ("KHAC-2024", [])
    assert provinces.issuer_of("TINH/SKHDT_2024-03.xlsx") == "TINH"
    assert provinces.issuer_of("2024-03/SKHDT_2024-03.xlsx") is None
    assert provinces.issuer_of("TINH") is None  # a file named like an issuer, at the top
    shared = identity("2024-03/SKHDT_2024-03_nhiem_vu.csv")  # no issuer's folder
    assert [p.code for p in shared.problems] == ["ambiguous_plan"]
    crossed = identity("TINH/2024-03/SKHDT_2024-03.xlsx", agency_code="SKHDT",
                       period="2024-03", plan_code="KHAC-2024")
    assert [(p.code, p.value, p.expected) for p in crossed.problems] == [
        ("issuer_mismatch", "KHAC-2024", "TINH")]
    assert crossed.plan_code is None


def test_a_plan_named_wrongly_blocks(tmp_path: Path) -> None:
    unknown, _ = _identity(tmp_path, "SDL_2024-03.xlsx", agency_code="SDL", period="2024-03",
                           plan_code="KHONG-CO")
    assert [p.code for p in unknown.problems] == ["unknown_plan"] and unknown.plan_code is None
    other_year, _ = _identity(tmp_path, "SDL_2024-03.xlsx", agency_code="SDL",
                              period="2024-03", plan_code="TINH-2025")
    assert [p.code for p in other_year.problems] == ["plan_mismatch"]
    assert other_year.plan_code is None  # a plan that does not hold is not recorded
    not_listed, _ = _identity(tmp_path, "SDL_2024-03.xlsx", agency_code="SDL",
                              period="2024-03", plan_code="BO-2024")
    assert [p.code for p in not_listed.problems] == ["plan_mismatch"]


def test_an_agency_no_plan_of_the_year_lists_blocks(tmp_path: Path) -> None:
    parsed, catalog = _identity(tmp_path, "VUA_2024-03.xlsx", agency_code="VUA",
                                period="2024-03")
    assert catalog is TWO_PLANS_2024.get("BO-2024") and parsed.problems == []
    path = tmp_path / "2025-03" / "VUA_2025-03.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"x")
    later = ParsedFile("VUA_2025-03.xlsx", "xlsx", agency_code="VUA", period="2025-03")
    assert checks.check_identity(later, discover_one(path, tmp_path), TWO_PLANS_2024) is None
    assert [(p.code, p.value) for p in later.problems] == [("no_plan_for_period", "VUA")]


def test_codes_are_checked_against_the_files_plan_only(tmp_path: Path) -> None:
    tinh = _plan("TINH-2024", 2024, "SKHDT")
    bo = _plan("BO-2024", 2024, "SKHDT")
    from planwatch.catalog.model import Task
    tinh = Catalog(tinh.plan, tinh.agencies, (Task("NV-1-01", "SKHDT", "I", "x", None, False),),
                   (), ())
    bo = Catalog(bo.plan, bo.agencies, (Task("NV-9-09", "SKHDT", "I", "y", None, False),), (), ())
    sheet = ParsedSheet("tasks", "Nhiệm vụ", rows=[{"source_row": 5, "task_code": "NV-1-01"}])
    parsed = ParsedFile("SKHDT_2024-03.xlsx", "xlsx", agency_code="SKHDT", period="2024-03",
                        plan_code="BO-2024", sheets=[sheet])
    checks.check_against_catalog(parsed, _file(tmp_path, "2024-03/SKHDT_2024-03.xlsx"),
                                 Catalogs((tinh, bo)))
    assert [(p.code, p.row) for p in sheet.problems] == [("unknown_task_code", 5)]
