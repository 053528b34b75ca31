"""Read the plan catalog from the dbt seed CSVs (``dbt_project/seeds/``).

The seeds are the single source of truth for who leads which task, indicator
and project; dbt loads them into the warehouse, and this module reads the same
files for the parts of planwatch that run without a database (templates, demo
data, checks).

Only the standard library is used. Values are trimmed and NFC-normalised;
empty cells become ``None``; ``target_low``/``target_high`` become
``decimal.Decimal``; ``is_key_*`` become ``bool``. Extra columns are ignored,
missing required columns, duplicate codes and references to unknown agencies
raise :class:`CatalogError` (``strict=False`` keeps dangling references).
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path

from planwatch.ingest.model import Template

SEED_FILES: dict[str, str] = {
    "agencies": "plan_agencies.csv",
    "tasks": "plan_tasks.csv",
    "indicators": "plan_indicators.csv",
    "projects": "plan_projects.csv",
    "districts": "plan_districts.csv",  # optional
}

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "agencies": ("agency_code", "name_vi", "short_name_vi", "kind", "section", "district_code"),
    "tasks": (
        "task_code", "lead_agency_code", "section", "description_vi", "deadline_text",
        "is_key_task",
    ),
    "indicators": (
        "indicator_code", "name_vi", "unit", "target_low", "target_high", "direction",
        "lead_agency_code", "section", "target_text",
    ),
    "projects": (
        "project_code", "name_vi", "lead_agency_code", "is_key_project", "section",
        "district_code",
    ),
    "districts": ("district_code", "name_vi", "kind", "agency_code", "section"),
}

DIRECTIONS = ("higher_is_better", "lower_is_better", "within_range")

_TRUE = {"true", "t", "1", "yes", "y", "x", "có", "co"}
_FALSE = {"false", "f", "0", "no", "n", "không", "khong", ""}


class CatalogError(ValueError):
    """The seed files are missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Agency:
    agency_code: str
    name_vi: str
    short_name_vi: str | None
    kind: str | None
    section: str | None
    district_code: str | None


@dataclass(frozen=True)
class Task:
    task_code: str
    lead_agency_code: str
    section: str | None
    description_vi: str
    deadline_text: str | None
    is_key_task: bool


@dataclass(frozen=True)
class Indicator:
    indicator_code: str
    name_vi: str
    unit: str
    target_low: Decimal | None
    target_high: Decimal | None
    direction: str
    lead_agency_code: str
    section: str | None
    target_text: str | None


@dataclass(frozen=True)
class Project:
    project_code: str
    name_vi: str
    lead_agency_code: str
    is_key_project: bool
    section: str | None
    district_code: str | None


@dataclass(frozen=True)
class District:
    district_code: str
    name_vi: str
    kind: str | None
    agency_code: str | None
    section: str | None


@dataclass(frozen=True)
class Catalog:
    """The whole plan catalog, in seed-file order."""

    agencies: tuple[Agency, ...]
    tasks: tuple[Task, ...]
    indicators: tuple[Indicator, ...]
    projects: tuple[Project, ...]
    districts: tuple[District, ...] = ()

    # -- lookups (computed once; frozen dataclasses allow cached_property) --
    @cached_property
    def agency_by_code(self) -> dict[str, Agency]:
        return {a.agency_code: a for a in self.agencies}

    @cached_property
    def task_by_code(self) -> dict[str, Task]:
        return {t.task_code: t for t in self.tasks}

    @cached_property
    def indicator_by_code(self) -> dict[str, Indicator]:
        return {i.indicator_code: i for i in self.indicators}

    @cached_property
    def project_by_code(self) -> dict[str, Project]:
        return {p.project_code: p for p in self.projects}

    @cached_property
    def _tasks_by_agency(self) -> dict[str, tuple[Task, ...]]:
        return _group(self.tasks, lambda t: t.lead_agency_code)

    @cached_property
    def _indicators_by_agency(self) -> dict[str, tuple[Indicator, ...]]:
        return _group(self.indicators, lambda i: i.lead_agency_code)

    @cached_property
    def _projects_by_agency(self) -> dict[str, tuple[Project, ...]]:
        return _group(self.projects, lambda p: p.lead_agency_code)

    def agency(self, agency_code: str) -> Agency:
        try:
            return self.agency_by_code[agency_code]
        except KeyError:
            raise KeyError(f"unknown agency code {agency_code!r}") from None

    def tasks_of(self, agency_code: str) -> tuple[Task, ...]:
        """Tasks the agency leads (and reports on), in seed order."""
        return self._tasks_by_agency.get(agency_code, ())

    def indicators_of(self, agency_code: str) -> tuple[Indicator, ...]:
        return self._indicators_by_agency.get(agency_code, ())

    def projects_of(self, agency_code: str) -> tuple[Project, ...]:
        return self._projects_by_agency.get(agency_code, ())

    def templates_of(self, agency_code: str) -> tuple[Template, ...]:
        """The data sheets the agency must send, in template order."""
        out: list[Template] = []
        if self.tasks_of(agency_code):
            out.append("tasks")
        if self.indicators_of(agency_code):
            out.append("indicators")
        if self.projects_of(agency_code):
            out.append("disbursement")
        return tuple(out)

    def reporting_agencies(self) -> tuple[Agency, ...]:
        """Agencies that lead at least one task, indicator or project."""
        return tuple(a for a in self.agencies if self.templates_of(a.agency_code))


def _group(items: Iterable, key) -> dict:
    out: dict[str, list] = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return {k: tuple(v) for k, v in out.items()}


# ---------------------------------------------------------------- parsing ---


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value).replace("\u00a0", " ").strip()
    return text or None


def _parse_bool(value: str | None, where: str) -> bool:
    text = (_clean(value) or "").lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CatalogError(f"{where}: not a boolean: {value!r}")


def _parse_decimal(value: str | None, where: str) -> Decimal | None:
    text = _clean(value)
    if text is None:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CatalogError(f"{where}: not a number: {value!r}") from None
    if not number.is_finite():
        raise CatalogError(f"{where}: not a finite number: {value!r}")
    return number


def _read_rows(path: Path, kind: str) -> list[tuple[int, dict[str, str | None]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [(_clean(h) or "") for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED_COLUMNS[kind] if c not in header]
            if missing:
                raise CatalogError(f"{path.name}: missing column(s) {', '.join(missing)}")
            reader.fieldnames = header
            rows = []
            for row in reader:
                cleaned = {k: _clean(v) for k, v in row.items() if k}
                if not any(cleaned.values()):
                    continue  # blank line
                rows.append((reader.line_num, cleaned))
            return rows
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path.name}: not UTF-8 ({exc})") from None


def _required(row: dict[str, str | None], column: str, where: str) -> str:
    value = row.get(column)
    if not value:
        raise CatalogError(f"{where}: {column} is empty")
    return value


def _code(row: dict[str, str | None], column: str, where: str) -> str:
    code = _required(row, column, where)
    if not code.isascii() or code != code.upper() or " " in code:
        raise CatalogError(f"{where}: {column} {code!r} is not an upper-case ASCII code")
    return code


def load_catalog(seeds_dir: Path, *, strict: bool = True) -> Catalog:
    """Read ``plan_*.csv`` from ``seeds_dir`` into a :class:`Catalog`.

    ``plan_districts.csv`` is optional. With ``strict`` (the default) a lead
    agency or district that is not in the catalog is an error.
    """
    seeds_dir = Path(seeds_dir)
    for kind in ("agencies", "tasks", "indicators", "projects"):
        if not (seeds_dir / SEED_FILES[kind]).is_file():
            raise CatalogError(f"seed file not found: {seeds_dir / SEED_FILES[kind]}")

    def where(kind: str, line: int) -> str:
        return f"{SEED_FILES[kind]} line {line}"

    agencies = []
    for line, r in _read_rows(seeds_dir / SEED_FILES["agencies"], "agencies"):
        w = where("agencies", line)
        agencies.append(Agency(
            agency_code=_code(r, "agency_code", w),
            name_vi=_required(r, "name_vi", w),
            short_name_vi=r.get("short_name_vi"),
            kind=r.get("kind"),
            section=r.get("section"),
            district_code=r.get("district_code"),
        ))

    tasks = []
    for line, r in _read_rows(seeds_dir / SEED_FILES["tasks"], "tasks"):
        w = where("tasks", line)
        tasks.append(Task(
            task_code=_code(r, "task_code", w),
            lead_agency_code=_code(r, "lead_agency_code", w),
            section=r.get("section"),
            description_vi=_required(r, "description_vi", w),
            deadline_text=r.get("deadline_text"),
            is_key_task=_parse_bool(r.get("is_key_task"), w),
        ))

    indicators = []
    for line, r in _read_rows(seeds_dir / SEED_FILES["indicators"], "indicators"):
        w = where("indicators", line)
        direction = _required(r, "direction", w)
        if direction not in DIRECTIONS:
            raise CatalogError(f"{w}: direction {direction!r} not one of {', '.join(DIRECTIONS)}")
        indicators.append(Indicator(
            indicator_code=_code(r, "indicator_code", w),
            name_vi=_required(r, "name_vi", w),
            unit=_required(r, "unit", w),
            target_low=_parse_decimal(r.get("target_low"), w),
            target_high=_parse_decimal(r.get("target_high"), w),
            direction=direction,
            lead_agency_code=_code(r, "lead_agency_code", w),
            section=r.get("section"),
            target_text=r.get("target_text"),
        ))

    projects = []
    for line, r in _read_rows(seeds_dir / SEED_FILES["projects"], "projects"):
        w = where("projects", line)
        projects.append(Project(
            project_code=_code(r, "project_code", w),
            name_vi=_required(r, "name_vi", w),
            lead_agency_code=_code(r, "lead_agency_code", w),
            is_key_project=_parse_bool(r.get("is_key_project"), w),
            section=r.get("section"),
            district_code=r.get("district_code"),
        ))

    districts = []
    districts_path = seeds_dir / SEED_FILES["districts"]
    if districts_path.is_file():
        for line, r in _read_rows(districts_path, "districts"):
            w = where("districts", line)
            districts.append(District(
                district_code=_code(r, "district_code", w),
                name_vi=_required(r, "name_vi", w),
                kind=r.get("kind"),
                agency_code=r.get("agency_code"),
                section=r.get("section"),
            ))

    catalog = Catalog(
        agencies=tuple(agencies),
        tasks=tuple(tasks),
        indicators=tuple(indicators),
        projects=tuple(projects),
        districts=tuple(districts),
    )
    _check(catalog, strict=strict)
    return catalog


def _check(catalog: Catalog, *, strict: bool) -> None:
    problems: list[str] = []
    for name, items, attr in (
        ("agency_code", catalog.agencies, "agency_code"),
        ("task_code", catalog.tasks, "task_code"),
        ("indicator_code", catalog.indicators, "indicator_code"),
        ("project_code", catalog.projects, "project_code"),
        ("district_code", catalog.districts, "district_code"),
    ):
        seen: set[str] = set()
        for item in items:
            code = getattr(item, attr)
            if code in seen:
                problems.append(f"duplicate {name} {code!r}")
            seen.add(code)
    if strict:
        agency_codes = set(catalog.agency_by_code)
        for items, what, code_attr in (
            (catalog.tasks, "task", "task_code"),
            (catalog.indicators, "indicator", "indicator_code"),
            (catalog.projects, "project", "project_code"),
        ):
            for item in items:
                if item.lead_agency_code not in agency_codes:
                    problems.append(
                        f"{what} {getattr(item, code_attr)} names unknown lead agency "
                        f"{item.lead_agency_code!r}"
                    )
        if catalog.districts:
            district_codes = {d.district_code for d in catalog.districts}
            for a in catalog.agencies:
                if a.district_code and a.district_code not in district_codes:
                    problems.append(
                        f"agency {a.agency_code} names unknown district {a.district_code!r}"
                    )
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise CatalogError(f"plan catalog is inconsistent: {shown}{more}")
