"""The plan catalog as Python objects: plans, and in each plan its agencies,
tasks, indicators, projects and districts.

A plan is a row (``Plan``): an issuer's action plan for one year. Codes are
unique within a plan, so the same agency code (``SKHDT``) appears in every
plan of a province, and in every province's plans. A submission finds its plan
by its issuer, agency and period (``Catalogs.plans_for``): the plans of that
year that list the agency, of the issuer whose inbox folder the file is in
(``inbox/<issuer_code>/...``, ``Catalogs.issuer_of``) when it is in one. When
that still leaves two plans, the file must name its plan (``Mã kế hoạch`` in
the ``Thông tin`` sheet); see ``quality.catalog_rules``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar

from planwatch.errors import UserError
from planwatch.text import strip_diacritics
from planwatch.vocabulary.periods import split_period
from planwatch.vocabulary.statuses import INDICATOR_DIRECTION_CODES
from planwatch.vocabulary.templates import Template

DIRECTIONS = INDICATOR_DIRECTION_CODES
# lead: leads tasks, indicators or projects and reports on them monthly;
# coordinator: named by the plan to coordinate, leads nothing, owes no report;
# receiver: receives and compiles reports (the statistics office), owes none.
AGENCY_ROLES = ("lead", "coordinator", "receiver")
# public: public investment, disbursement reported monthly; private: an
# investor's project the plan follows, with no public capital to disburse.
FUNDINGS = ("public", "private")
# Who issues a plan: a province's people's committee or a ministry.
ISSUER_KINDS = ("province", "ministry")


class CatalogError(UserError, ValueError):
    """The seed files are missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Plan:
    plan_code: str
    # The issuer (a province or ministry) across its years: an agency is known
    # by its issuer and code (every province has its SKHDT), and the issuer's
    # inbox folder (``inbox/<issuer_code>/...``) says whose a file is.
    issuer_code: str
    issuer_name_vi: str
    issuer_kind: str
    year: int
    decision_number: str | None
    decision_date: dt.date | None
    title_vi: str
    monitoring_agency_code: str  # the department that follows the plan and receives reports
    basis_vi: str | None = None  # what the plan implements (the Government's resolution)
    source_document: str | None = None  # where the plan's text is kept

    def covers(self, period: str) -> bool:
        return split_period(period)[0] == self.year

    @property
    def periods(self) -> tuple[str, ...]:
        return tuple(f"{self.year:04d}-{m:02d}" for m in range(1, 13))


@dataclass(frozen=True)
class Agency:
    agency_code: str
    name_vi: str
    short_name_vi: str | None
    kind: str | None
    role: str
    section: str | None
    district_code: str | None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class Task:
    task_code: str
    lead_agency_code: str
    section: str | None
    description_vi: str
    deadline_text: str | None
    is_key_task: bool


_LEVEL_UNIT_SIGNS = ("%", "/", "‰")
_LEVEL_UNITS = {"nam", "tuoi", "diem", "hang", "bac", "lan", "usd/nguoi", "trieu dong/nguoi",
                "thu hang"}
_LEVEL_NAME_WORDS = ("ty le", "toc do", "chi so", "binh quan", "tuoi tho", "mat do", "ty trong",
                     "he so", "co cau", "xep hang", "thu nhap", "so giuong", "so bac si")


def looks_like_level(unit: str, name_vi: str) -> bool:
    """A rate or level (reported as its current value, not accumulated over months)."""
    folded_unit = strip_diacritics(unit.lower()).strip()
    folded_name = strip_diacritics(name_vi.lower())
    return (any(w in unit for w in _LEVEL_UNIT_SIGNS) or folded_unit in _LEVEL_UNITS
            or any(w in folded_name for w in _LEVEL_NAME_WORDS))


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
    target_tolerance: Decimal | None = None  # fraction of the target, for "khoảng" targets
    # Whether the year-to-date value adds the months up (a count, an area), as
    # the seed's optional ``accumulates`` column says; blank: told from the unit
    # and name (a rate, an index, a rank or an average is a level, not a sum).
    accumulates_given: bool | None = None

    @property
    def accumulates(self) -> bool:
        if self.accumulates_given is not None:
            return self.accumulates_given
        return not looks_like_level(self.unit, self.name_vi)


@dataclass(frozen=True)
class Project:
    project_code: str
    name_vi: str
    lead_agency_code: str
    is_key_project: bool
    section: str | None
    district_code: str | None
    funding: str = "public"

    @property
    def is_public_investment(self) -> bool:
        return self.funding == "public"


@dataclass(frozen=True)
class District:
    district_code: str
    name_vi: str
    kind: str | None
    agency_code: str | None
    section: str | None


T = TypeVar("T")


def _group(items: Iterable[T], key: Callable[[T], str]) -> dict[str, tuple[T, ...]]:
    out: dict[str, list[T]] = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class Catalog:
    """One plan's catalog, in seed-file order."""

    plan: Plan
    agencies: tuple[Agency, ...]
    tasks: tuple[Task, ...]
    indicators: tuple[Indicator, ...]
    projects: tuple[Project, ...]
    districts: tuple[District, ...] = ()

    @property
    def plan_code(self) -> str:
        return self.plan.plan_code

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

    def codes(self, template: Template) -> dict[str, Any]:
        """The catalog items a template's rows name, by code."""
        return {"tasks": self.task_by_code, "indicators": self.indicator_by_code,
                "disbursement": self.project_by_code}[template]

    @cached_property
    def _tasks_by_agency(self) -> dict[str, tuple[Task, ...]]:
        return _group(self.tasks, lambda t: t.lead_agency_code)

    @cached_property
    def _indicators_by_agency(self) -> dict[str, tuple[Indicator, ...]]:
        return _group(self.indicators, lambda i: i.lead_agency_code)

    @cached_property
    def _projects_by_agency(self) -> dict[str, tuple[Project, ...]]:
        return _group((p for p in self.projects if p.is_public_investment),
                      lambda p: p.lead_agency_code)

    def agency(self, agency_code: str) -> Agency:
        try:
            return self.agency_by_code[agency_code]
        except KeyError:
            raise KeyError(f"unknown agency code {agency_code!r} in plan "
                           f"{self.plan_code}") from None

    def tasks_of(self, agency_code: str) -> tuple[Task, ...]:
        """Tasks the agency leads (and reports on), in seed order."""
        return self._tasks_by_agency.get(agency_code, ())

    def indicators_of(self, agency_code: str) -> tuple[Indicator, ...]:
        return self._indicators_by_agency.get(agency_code, ())

    def projects_of(self, agency_code: str) -> tuple[Project, ...]:
        """Public-investment projects the agency leads: those it reports
        disbursement for. Private investors' projects have no public capital."""
        return self._projects_by_agency.get(agency_code, ())

    def templates_of(self, agency_code: str) -> tuple[Template, ...]:
        """The data sheets the agency must send, in template order."""
        if self.agency_by_code.get(agency_code) is None or \
                self.agency_by_code[agency_code].role != "lead":
            return ()
        out: list[Template] = []
        if self.tasks_of(agency_code):
            out.append("tasks")
        if self.indicators_of(agency_code):
            out.append("indicators")
        if self.projects_of(agency_code):
            out.append("disbursement")
        return tuple(out)

    def reporting_agencies(self) -> tuple[Agency, ...]:
        """Agencies that owe monthly submissions: leads of at least one item."""
        return tuple(a for a in self.agencies if self.templates_of(a.agency_code))

    def check(self, *, strict: bool = True) -> None:
        """Codes unique; with ``strict``, every reference resolves in this plan."""
        problems: list[str] = []
        for name, codes in (
            ("agency_code", [a.agency_code for a in self.agencies]),
            ("task_code", [t.task_code for t in self.tasks]),
            ("indicator_code", [i.indicator_code for i in self.indicators]),
            ("project_code", [p.project_code for p in self.projects]),
            ("district_code", [d.district_code for d in self.districts]),
        ):
            seen: set[str] = set()
            for code in codes:
                if code in seen:
                    problems.append(f"duplicate {name} {code!r}")
                seen.add(code)
        if strict:
            agencies = set(self.agency_by_code)
            if self.plan.monitoring_agency_code not in agencies:
                problems.append(f"monitoring agency {self.plan.monitoring_agency_code!r} "
                                "is not one of the plan's agencies")
            for what, items, code_of in (
                ("task", self.tasks, lambda x: x.task_code),
                ("indicator", self.indicators, lambda x: x.indicator_code),
                ("project", self.projects, lambda x: x.project_code),
            ):
                for item in items:
                    if item.lead_agency_code not in agencies:
                        problems.append(f"{what} {code_of(item)} names unknown lead agency "
                                        f"{item.lead_agency_code!r}")
                    elif self.agency_by_code[item.lead_agency_code].role != "lead":
                        problems.append(f"{what} {code_of(item)} is led by "
                                        f"{item.lead_agency_code}, whose role is not 'lead'")
            if self.districts:
                districts = {d.district_code for d in self.districts}
                for a in self.agencies:
                    if a.district_code and a.district_code not in districts:
                        problems.append(f"agency {a.agency_code} names unknown district "
                                        f"{a.district_code!r}")
        if problems:
            shown = "; ".join(problems[:20])
            more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
            raise CatalogError(f"plan {self.plan_code}: catalog is inconsistent: {shown}{more}")


@dataclass(frozen=True)
class Catalogs:
    """Every plan a warehouse follows, in ``plans.csv`` order."""

    catalogs: tuple[Catalog, ...]

    @cached_property
    def by_plan(self) -> dict[str, Catalog]:
        return {c.plan_code: c for c in self.catalogs}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.catalogs)

    def __len__(self) -> int:
        return len(self.catalogs)

    def get(self, plan_code: str | None = None) -> Catalog:
        """A plan's catalog; without a code, the only plan (an error if several)."""
        if plan_code is None:
            if len(self.catalogs) != 1:
                raise CatalogError(
                    "several plans in the catalog; name one: "
                    + ", ".join(c.plan_code for c in self.catalogs))
            return self.catalogs[0]
        try:
            return self.by_plan[plan_code]
        except KeyError:
            raise CatalogError(f"unknown plan {plan_code!r}; plans: "
                               + ", ".join(self.by_plan)) from None

    def plans_for(self, agency_code: str, period: str,
                  issuer_code: str | None = None) -> tuple[Catalog, ...]:
        """The plans of the period's year that list the agency (of the issuer, if given)."""
        return tuple(c for c in self.catalogs
                     if c.plan.covers(period) and agency_code in c.agency_by_code
                     and issuer_code in (None, c.plan.issuer_code))

    @cached_property
    def issuer_codes(self) -> frozenset[str]:
        return frozenset(c.plan.issuer_code for c in self.catalogs)

    def issuer_of(self, inbox_path: str) -> str | None:
        """The issuer whose folder holds a file: the first folder of its inbox path
        when that names an issuer of the catalog (``TTH/2024-03/x.xlsx``: TTH), in
        any case; the folder, not the file, says whose it is."""
        first, sep, _ = inbox_path.partition("/")
        code = first.strip().upper()
        return code if sep and code in self.issuer_codes else None

    def knows_agency(self, agency_code: str) -> bool:
        return any(agency_code in c.agency_by_code for c in self.catalogs)

    @cached_property
    def agency_codes(self) -> frozenset[str]:
        return frozenset(a for c in self.catalogs for a in c.agency_by_code)
