"""A national demo: many synthetic provinces' plans over many years.

``synthetic_catalogs(base, plans=N, years=Y)`` derives N provinces × Y years of
plans from a shipped plan: province ``i`` is issuer ``SYN<i>`` ("tỉnh Giả lập
<i>", dữ liệu giả lập), its plan of year ``y`` is ``SYN<i>-<y>``, titled
"[DỮ LIỆU GIẢ LẬP] ...": everything a person reads says it is synthetic. Agency,
task, indicator and project codes are the base plan's (every province has its
SKHDT: the issuer tells them apart), while the base province's name and year
in every text become the synthetic ones and each count target is the base's
times a factor drawn per province and indicator (0.6 to 1.6; rates, levels and
percentages keep the base's). Same arguments, same catalogs.

``write_national_demo`` writes the catalog files (the base catalog's plans
too, so the warehouse keeps following them) and every plan-year's submissions
in its agencies' inbox folders, ``<inbox>/<issuer>/<agency>/<YYYY-MM>/``, each with a
seed of its own (no two files of different plans have the same bytes), and a
manifest per plan-year in ``manifests/``. A plan-year whose manifest is there
is not written again, so a second run only adds what is new.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from planwatch.catalog.model import Catalog, Catalogs
from planwatch.catalog.seeds import write_catalogs
from planwatch.demo.cases import Calendar
from planwatch.demo.manifest import DemoManifest
from planwatch.demo.seeding import quantize, seeded
from planwatch.demo.year import write_demo_year
from planwatch.text import number_vi

SYNTHETIC_VI = "dữ liệu giả lập"
TITLE_MARK_VI = "[DỮ LIỆU GIẢ LẬP]"
_ISSUER_PREFIX = re.compile(r"^\s*(?:Ủy ban nhân dân|UBND)\s+(?:tỉnh|thành phố)\s+", re.I)
_DISTRICT_PREFIX = re.compile(r"^\s*(?:thành phố|thị xã|huyện|quận)\s+", re.I)
# A number as the plan writes it: 55.000 (thousands), 3,5 (decimals).
_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")


def issuer_code(index: int) -> str:
    return f"SYN{index:02d}"


def province_name(index: int) -> str:
    return f"Giả lập {index:02d}"


@dataclass(frozen=True)
class _Words:
    """The base plan's place names and year, and what they become."""

    base_place: str
    base_short: str
    base_year: int
    place: str
    year: int
    others: tuple[tuple[str, str], ...] = ()  # other place names (districts) -> new

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        for old, new in self.others:
            text = text.replace(old, new)
        text = text.replace(self.base_place, self.place)
        text = re.sub(rf"\b{re.escape(self.base_short)}\b", self.place, text)
        text = re.sub(rf"\b{self.base_year}\b", str(self.year), text)
        return re.sub(rf"\b{self.base_year - 1}\b", str(self.year - 1), text)


def _scaled(value: Decimal | None, factor: float) -> Decimal | None:
    if value is None:
        return None
    decimals = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    return quantize(float(value) * factor, decimals)


def _retarget(text: str | None, new: dict[Decimal | None, Decimal | None]) -> str | None:
    """The plan's words for a target, its numbers (written ``3,5``) the new ones."""
    if text is None:
        return None

    def swap(match: re.Match[str]) -> str:
        value = Decimal(match.group().replace(".", "").replace(",", "."))
        for old, changed in new.items():
            if old is not None and changed is not None and value == old:
                return number_vi(changed, None)
        return match.group()

    return _NUMBER.sub(swap, text)


def synthetic_catalog(base: Catalog, index: int, year: int) -> Catalog:
    """Province ``index``'s plan of ``year``, derived from ``base`` (module docstring)."""
    base_place = _ISSUER_PREFIX.sub("", base.plan.issuer_name_vi).strip()
    districts = tuple((name, f"{province_name(index)}-{n:02d}") for n, name in enumerate(
        sorted({_DISTRICT_PREFIX.sub("", d.name_vi).strip() for d in base.districts}
               - {base_place, base_place.split()[-1]}, key=lambda s: (-len(s), s)), 1))
    words = _Words(base_place, base_place.split()[-1], base.plan.year,
                   f"{province_name(index)} ({SYNTHETIC_VI})", year, districts)
    code = issuer_code(index)
    plan = replace(
        base.plan, plan_code=f"{code}-{year}", issuer_code=code, issuer_kind="province",
        issuer_name_vi=f"Ủy ban nhân dân tỉnh {province_name(index)} ({SYNTHETIC_VI})",
        year=year, decision_number=None, decision_date=None,
        title_vi=f"{TITLE_MARK_VI} {words(base.plan.title_vi)}",
        basis_vi=words(base.plan.basis_vi), source_document=None)
    indicators = []
    for indicator in base.indicators:
        factor = seeded("national", code, indicator.indicator_code).uniform(0.6, 1.6)
        scale = indicator.accumulates and "%" not in indicator.unit
        low, high = indicator.target_low, indicator.target_high
        new_low, new_high = (_scaled(low, factor), _scaled(high, factor)) if scale else (low, high)
        indicators.append(replace(
            indicator, name_vi=words(indicator.name_vi), target_low=new_low,
            target_high=new_high, target_text=_retarget(
                words(indicator.target_text), {low: new_low, high: new_high})))
    return Catalog(
        plan=plan,
        agencies=tuple(replace(a, name_vi=words(a.name_vi) or a.name_vi,
                               short_name_vi=words(a.short_name_vi), contact_name=None,
                               contact_email=None, contact_phone=None)
                       for a in base.agencies),
        tasks=tuple(replace(t, description_vi=words(t.description_vi) or t.description_vi,
                            deadline_text=words(t.deadline_text)) for t in base.tasks),
        indicators=tuple(indicators),
        projects=tuple(replace(p, name_vi=words(p.name_vi) or p.name_vi)
                       for p in base.projects),
        districts=tuple(replace(d, name_vi=words(d.name_vi) or d.name_vi)
                        for d in base.districts),
    )


def synthetic_catalogs(base: Catalog, *, plans: int, years: int) -> list[Catalog]:
    """``plans`` provinces × ``years`` years from the base plan's year on."""
    if plans < 1 or years < 1 or plans > 99:
        raise ValueError("plans must be 1..99 and years at least 1")
    return [synthetic_catalog(base, i, base.plan.year + k)
            for i in range(1, plans + 1) for k in range(years)]


def plan_seed(plan_code: str) -> int:
    """A plan's own demo seed (stable across runs and machines)."""
    return int.from_bytes(hashlib.sha256(plan_code.encode()).digest()[:4], "big")


@dataclass(frozen=True)
class NationalDemo:
    catalog_dir: Path
    inbox_dir: Path
    manifests: tuple[Path, ...]
    written: int  # plan-years written by this run (the others were there)


def _write_plan_year(catalog: Catalog, inbox: Path, manifest: Path, calendar: Calendar,
                     months: list[int] | None) -> Path:
    write_demo_year(catalog, inbox, calendar=calendar,
                    seed=plan_seed(catalog.plan_code), months=months, overwrite=True,
                    progress=False, manifest_to=manifest)
    return manifest


def write_national_demo(catalogs: Catalogs, out: Path, *, plans: int, years: int,
                        calendar: Calendar, base_plan: str | None = None,
                        inbox: Path | None = None, workers: int = 1,
                        months: Iterable[int] | None = None,
                        progress: Callable[[str], None] | None = None) -> NationalDemo:
    """The catalog files (``catalogs``' plans and the synthetic ones, derived from
    ``base_plan``, default the only one) in ``out/catalog/``, the files under
    ``inbox`` (default ``out/inbox``), a manifest per plan-year in ``out/manifests/``.
    ``months`` limits the months written (a test's small demo)."""
    out = Path(out)
    inbox = Path(inbox) if inbox else out / "inbox"
    synthetic = synthetic_catalogs(catalogs.get(base_plan), plans=plans, years=years)
    catalog_dir = out / "catalog"
    write_catalogs([*catalogs, *synthetic], catalog_dir)
    manifests = out / "manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    todo = [(c, manifests / f"{c.plan_code}.json") for c in synthetic]
    missing = [(c, m) for c, m in todo if not m.is_file()]
    done = 0
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_write_plan_year, c, inbox, m, calendar,
                               sorted(months) if months else None) for c, m in missing]
        for future in futures:
            path = future.result()
            done += 1
            if progress:
                progress(f"{done}/{len(missing)} plan-year(s) written ({path.stem})")
    return NationalDemo(catalog_dir, inbox, tuple(m for _, m in todo), len(missing))


def expected_counts(manifests: Iterable[Path]) -> dict[str, int]:
    """The demo's counts summed over plan-years (what an ingest must find)."""
    total: dict[str, int] = {}
    for path in manifests:
        for key, value in DemoManifest.read_json(path).counts().items():
            total[key] = total.get(key, 0) + value
    return total
