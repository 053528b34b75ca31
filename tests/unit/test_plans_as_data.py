"""A plan is rows in the catalog: several plans load side by side, and the commands
take their plan from the catalog (no year or plan written in the code)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from fixtures.plans import FIXTURE_PLAN, project_with_fixture_plan

from planwatch.catalog import CatalogError, load_catalogs
from planwatch.cli import main
from planwatch.demo.manifest import manifest_path
from planwatch.demo.year import write_demo_year

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_with_fixture_plan(tmp_path_factory.mktemp("two_plans"))


def test_two_plans_load_side_by_side_with_codes_unique_within_each(two_plans: Path) -> None:
    catalogs = load_catalogs(two_plans / "catalog")
    assert [c.plan_code for c in catalogs] == ["TTH-2024", FIXTURE_PLAN]
    fixture = catalogs.get(FIXTURE_PLAN)
    assert fixture.plan.year == 2031 and fixture.plan.monitoring_agency_code == "SKHDT"
    # the same agency code in both plans, two different agencies
    assert catalogs.get("TTH-2024").agency("SKHDT").name_vi != fixture.agency("SKHDT").name_vi
    assert catalogs.plans_for("SKHDT", "2031-05") == (fixture,)
    # a private investor's project owes no disbursement sheet; a receiver owes nothing
    assert [p.project_code for p in fixture.projects_of("CUCA")] == ["DA-02"]
    assert fixture.templates_of("TKB") == ()
    with pytest.raises(CatalogError, match="several plans"):
        catalogs.get()


def test_a_row_of_an_unknown_plan_is_refused(tmp_path: Path, two_plans: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in (two_plans / "catalog").glob("*.csv"):
        (seeds / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    tasks = seeds / "plan_tasks.csv"
    tasks.write_text(tasks.read_text(encoding="utf-8")
                     + "KHONG-CO,NV-1-01,SKHDT,I,x,,false\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="KHONG-CO"):
        load_catalogs(seeds)


def test_the_commands_take_the_plan_from_the_catalog(
        two_plans: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PLANWATCH_PROJECT_DIR", str(two_plans))
    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path))
    assert main(["demo-data", "--out", str(tmp_path / "inbox")]) == 2  # which plan?
    assert "several plans" in capsys.readouterr().err
    assert main(["templates", "--period", "2031-02", "--out", str(tmp_path / "t")]) == 0
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "CUCA_2031-02.xlsx", "SKHDT_2031-02.xlsx", "VIENB_2031-02.xlsx"]
    assert main(["templates", "--period", "2030-02", "--out", str(tmp_path / "u")]) == 2


def test_the_demo_year_is_the_plans_and_its_manifest_stays_out_of_the_inbox(
        two_plans: Path, tmp_path: Path) -> None:
    fixture = load_catalogs(two_plans / "catalog").get(FIXTURE_PLAN)
    manifest = write_demo_year(fixture, tmp_path / "inbox", months=[1, 2], progress=False)
    assert {f.period for f in manifest.files} <= {"2031-01", "2031-02"}
    assert {f.agency_code for f in manifest.files} <= {"SKHDT", "CUCA", "VIENB"}
    assert manifest_path(tmp_path / "inbox").is_file()
    assert not list((tmp_path / "inbox").rglob("*.json"))


def _python_constants(path: Path) -> list[tuple[int, object]]:
    """Every constant in a module's code (docstrings, which show examples, aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and id(node) not in docstrings]


def test_no_year_or_plan_is_written_in_the_code() -> None:
    """The shipped plan's year, code and issuer appear in the catalog seeds, the plan
    text, the docs and the tests, not in the code, the DAGs or the dbt project."""
    shipped = load_catalogs(REPO / "catalog").get("TTH-2024").plan
    names = re.compile("|".join(re.escape(t) for t in (
        shipped.plan_code, shipped.issuer_name_vi, "Thừa Thiên Huế", "thuathienhue")), re.I)
    found = []
    for path in [*(REPO / "src" / "planwatch").rglob("*.py"), *(REPO / "dags").glob("*.py")]:
        for line, value in _python_constants(path):
            if value == shipped.year or (isinstance(value, str) and names.search(value)):
                found.append(f"{path.relative_to(REPO)}:{line}: {value!r}")
    dbt = REPO / "dbt_project"
    for path in [*(dbt / "models").rglob("*.*"), *(dbt / "macros").rglob("*.*"),
                 *(dbt / "tests").rglob("*.*"), dbt / "dbt_project.yml",
                 *(dbt / "seeds").rglob("*.yml")]:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".yml":  # the rows of dbt unit tests are made-up data
            data = yaml.safe_load(text) or {}
            data.pop("unit_tests", None)
            text = yaml.safe_dump(data, allow_unicode=True)
        for n, line in enumerate(text.splitlines(), 1):
            if names.search(line) or re.search(rf"\b{shipped.year}\b", line):
                found.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert found == []
