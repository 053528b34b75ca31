"""Read the plan catalogs from their CSV files (the project's ``catalog/``, or
``PLANWATCH_CATALOG_DIR``).

The files are the single source of truth for the plans a warehouse follows and,
in each plan, who leads which task, indicator and project. Everything reads them
through this module: ``planwatch init`` loads what it reads into the warehouse's
``catalog`` tables (``warehouse.catalog_tables``), which dbt reads as sources,
and the parts of planwatch that run without a database (templates, demo data,
checks) use the same objects.

``plans.csv`` has one row per plan; every row of every other seed names its
plan (``plan_code``), and codes are unique within a plan. Only the standard
library is used. Values are trimmed and NFC-normalised; empty cells become
``None``; numbers become ``decimal.Decimal``; booleans ``bool``. Extra columns
are ignored; missing required columns, duplicate codes, rows of an unknown plan
and references to unknown agencies raise :class:`CatalogError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from planwatch.catalog.model import (
    AGENCY_ROLES,
    DIRECTIONS,
    FUNDINGS,
    ISSUER_KINDS,
    Agency,
    Catalog,
    CatalogError,
    Catalogs,
    District,
    Indicator,
    Plan,
    Project,
    Task,
)

SEED_FILES: dict[str, str] = {
    "plans": "plans.csv",
    "agencies": "plan_agencies.csv",
    "tasks": "plan_tasks.csv",
    "indicators": "plan_indicators.csv",
    "projects": "plan_projects.csv",
    "districts": "plan_districts.csv",
}

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "plans": ("plan_code", "issuer_code", "issuer_name_vi", "issuer_kind", "year",
              "decision_number", "decision_date", "title_vi", "monitoring_agency_code"),
    "agencies": ("plan_code", "agency_code", "name_vi", "short_name_vi", "kind", "role",
                 "section", "district_code", "contact_name", "contact_email", "contact_phone"),
    "tasks": ("plan_code", "task_code", "lead_agency_code", "section", "description_vi",
              "deadline_text", "is_key_task"),
    "indicators": ("plan_code", "indicator_code", "name_vi", "unit", "target_low",
                   "target_high", "target_tolerance", "direction", "lead_agency_code",
                   "section", "target_text"),
    "projects": ("plan_code", "project_code", "name_vi", "lead_agency_code", "is_key_project",
                 "funding", "section", "district_code"),
    "districts": ("plan_code", "district_code", "name_vi", "kind", "agency_code", "section"),
}

_TRUE = {"true", "t", "1", "yes", "y", "x", "có", "co"}
_FALSE = {"false", "f", "0", "no", "n", "không", "khong", ""}


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value).replace("\u00a0", " ").strip()
    return text or None


class _Row:
    """One seed row with its place, for readable errors."""

    def __init__(self, kind: str, line: int, values: dict[str, str | None]) -> None:
        self.where = f"{SEED_FILES[kind]} line {line}"
        self.values = values

    def get(self, column: str) -> str | None:
        return self.values.get(column)

    def required(self, column: str) -> str:
        value = self.values.get(column)
        if not value:
            raise CatalogError(f"{self.where}: {column} is empty")
        return value

    def code(self, column: str) -> str:
        code = self.required(column)
        if not code.isascii() or code != code.upper() or " " in code:
            raise CatalogError(f"{self.where}: {column} {code!r} is not an upper-case ASCII code")
        return code

    def optional_code(self, column: str) -> str | None:
        return self.code(column) if self.values.get(column) else None

    def boolean(self, column: str) -> bool:
        text = (self.values.get(column) or "").lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CatalogError(f"{self.where}: {column} is not a boolean: {text!r}")

    def decimal(self, column: str) -> Decimal | None:
        text = self.values.get(column)
        if text is None:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CatalogError(f"{self.where}: {column} is not a number: {text!r}") from None
        if not number.is_finite():
            raise CatalogError(f"{self.where}: {column} is not a finite number: {text!r}")
        return number

    def date(self, column: str) -> dt.date | None:
        text = self.values.get(column)
        try:
            return dt.date.fromisoformat(text) if text else None
        except ValueError:
            raise CatalogError(f"{self.where}: {column} is not a date (YYYY-MM-DD): "
                               f"{text!r}") from None

    def one_of(self, column: str, allowed: tuple[str, ...]) -> str:
        value = self.required(column)
        if value not in allowed:
            raise CatalogError(f"{self.where}: {column} {value!r} not one of {', '.join(allowed)}")
        return value


def _read_rows(path: Path, kind: str) -> list[_Row]:
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
                if any(cleaned.values()):  # blank lines are skipped
                    rows.append(_Row(kind, reader.line_num, cleaned))
            return rows
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path.name}: not UTF-8 ({exc})") from None


def _plan(r: _Row) -> Plan:
    year = r.required("year")
    if not (year.isdigit() and len(year) == 4):
        raise CatalogError(f"{r.where}: year {year!r} is not a year")
    return Plan(
        plan_code=r.code("plan_code"), issuer_code=r.code("issuer_code"),
        issuer_name_vi=r.required("issuer_name_vi"),
        issuer_kind=r.one_of("issuer_kind", ISSUER_KINDS), year=int(year),
        decision_number=r.get("decision_number"), decision_date=r.date("decision_date"),
        title_vi=r.required("title_vi"), monitoring_agency_code=r.code("monitoring_agency_code"),
        basis_vi=r.get("basis_vi"), source_document=r.get("source_document"),
    )


def _agency(r: _Row) -> Agency:
    return Agency(
        agency_code=r.code("agency_code"), name_vi=r.required("name_vi"),
        short_name_vi=r.get("short_name_vi"), kind=r.get("kind"),
        role=r.one_of("role", AGENCY_ROLES), section=r.get("section"),
        district_code=r.optional_code("district_code"), contact_name=r.get("contact_name"),
        contact_email=r.get("contact_email"), contact_phone=r.get("contact_phone"),
    )


def _task(r: _Row) -> Task:
    return Task(
        task_code=r.code("task_code"), lead_agency_code=r.code("lead_agency_code"),
        section=r.get("section"), description_vi=r.required("description_vi"),
        deadline_text=r.get("deadline_text"), is_key_task=r.boolean("is_key_task"),
    )


def _indicator(r: _Row) -> Indicator:
    tolerance = r.decimal("target_tolerance")
    if tolerance is not None and not 0 <= tolerance < 1:
        raise CatalogError(f"{r.where}: target_tolerance {tolerance} is not a fraction in [0, 1)")
    return Indicator(
        indicator_code=r.code("indicator_code"), name_vi=r.required("name_vi"),
        unit=r.required("unit"), target_low=r.decimal("target_low"),
        target_high=r.decimal("target_high"), target_tolerance=tolerance,
        direction=r.one_of("direction", DIRECTIONS),
        lead_agency_code=r.code("lead_agency_code"), section=r.get("section"),
        target_text=r.get("target_text"),
        accumulates_given=r.boolean("accumulates") if r.get("accumulates") else None,
    )


def _project(r: _Row) -> Project:
    return Project(
        project_code=r.code("project_code"), name_vi=r.required("name_vi"),
        lead_agency_code=r.code("lead_agency_code"), is_key_project=r.boolean("is_key_project"),
        funding=r.one_of("funding", FUNDINGS), section=r.get("section"),
        district_code=r.optional_code("district_code"),
    )


def _district(r: _Row) -> District:
    return District(
        district_code=r.code("district_code"), name_vi=r.required("name_vi"),
        kind=r.get("kind"), agency_code=r.optional_code("agency_code"), section=r.get("section"),
    )


_BUILDERS: dict[str, Callable[[_Row], Any]] = {
    "agencies": _agency, "tasks": _task, "indicators": _indicator, "projects": _project,
    "districts": _district,
}


def load_catalogs(seeds_dir: Path, *, strict: bool = True) -> Catalogs:
    """Every plan of ``seeds_dir`` (``plans.csv`` and ``plan_*.csv``).

    ``plan_districts.csv`` is optional. With ``strict`` (the default) a lead
    agency or district that is not in its plan's catalog is an error.
    """
    seeds_dir = Path(seeds_dir)
    for kind, name in SEED_FILES.items():
        if kind != "districts" and not (seeds_dir / name).is_file():
            raise CatalogError(f"seed file not found: {seeds_dir / name}")
    plans = [_plan(r) for r in _read_rows(seeds_dir / SEED_FILES["plans"], "plans")]
    _unique("plan_code", (p.plan_code for p in plans))
    items: dict[str, dict[str, list[Any]]] = {p.plan_code: {k: [] for k in _BUILDERS}
                                              for p in plans}
    for kind, build in _BUILDERS.items():
        path = seeds_dir / SEED_FILES[kind]
        if not path.is_file():
            continue
        for row in _read_rows(path, kind):
            plan_code = row.code("plan_code")
            if plan_code not in items:
                raise CatalogError(f"{row.where}: plan_code {plan_code!r} is not in plans.csv")
            items[plan_code][kind].append(build(row))
    catalogs = [Catalog(plan=p, **{k: tuple(v) for k, v in items[p.plan_code].items()})
                for p in plans]
    for catalog in catalogs:
        catalog.check(strict=strict)
    return Catalogs(tuple(catalogs))


def load_catalog(seeds_dir: Path, plan_code: str | None = None, *,
                 strict: bool = True) -> Catalog:
    """One plan's catalog: ``plan_code``'s, or the only plan of ``seeds_dir``."""
    return load_catalogs(seeds_dir, strict=strict).get(plan_code)


def _unique(name: str, codes: Iterable[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise CatalogError(f"duplicate {name} {code!r}")
        seen.add(code)


# What ``write_catalogs`` writes: each file's columns, the required ones and the
# optional ones the objects keep (``accumulates`` only where a plan gives it).
FILE_COLUMNS: dict[str, tuple[str, ...]] = {
    **REQUIRED_COLUMNS,
    "plans": ("plan_code", "issuer_code", "issuer_name_vi", "issuer_kind", "year",
              "decision_number", "decision_date", "title_vi", "basis_vi",
              "monitoring_agency_code", "source_document")}
assert set(REQUIRED_COLUMNS["plans"]) <= set(FILE_COLUMNS["plans"])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_catalogs(catalogs: Iterable[Catalog], folder: Path) -> list[Path]:
    """The catalogs as the files ``load_catalogs`` reads (``plans.csv``,
    ``plan_*.csv``) in ``folder``; returns the files written."""
    catalogs = list(catalogs)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, name in SEED_FILES.items():
        columns = list(FILE_COLUMNS[kind])
        given = kind == "indicators" and any(
            i.accumulates_given is not None for c in catalogs for i in c.indicators)
        if given:
            columns.append("accumulates")
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh, lineterminator="\n")
            out.writerow(columns)
            for catalog in catalogs:
                items = (catalog.plan,) if kind == "plans" else getattr(catalog, kind)
                for item in items:
                    out.writerow([_cell(catalog.plan_code if c == "plan_code" else
                                        item.accumulates_given if c == "accumulates" else
                                        getattr(item, c)) for c in columns])
        written.append(path)
    return written
