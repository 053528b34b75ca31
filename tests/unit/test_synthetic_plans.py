"""The national demo's synthetic plans: labelled, varied, deterministic (no files)."""

from __future__ import annotations

from pathlib import Path

from fixtures.corpus import CATALOG

from planwatch.catalog.seeds import load_catalogs, write_catalogs
from planwatch.demo.national import plan_seed, synthetic_catalogs
from planwatch.text import number_vi


def test_each_province_year_is_a_plan_of_its_own_that_says_it_is_synthetic() -> None:
    plans = synthetic_catalogs(CATALOG, plans=2, years=2)
    year = CATALOG.plan.year
    assert [(c.plan_code, c.plan.issuer_code, c.plan.year) for c in plans] == [
        (f"SYN01-{year}", "SYN01", year), (f"SYN01-{year + 1}", "SYN01", year + 1),
        (f"SYN02-{year}", "SYN02", year), (f"SYN02-{year + 1}", "SYN02", year + 1)]
    place = CATALOG.plan.issuer_name_vi.split()[-1]  # the base province's name
    for plan in plans:
        assert "giả lập" in plan.plan.issuer_name_vi
        assert plan.plan.title_vi.startswith("[DỮ LIỆU GIẢ LẬP]")
        # every province has its SKHDT: the codes are the base's, the names its own
        assert [a.agency_code for a in plan.agencies] == [
            a.agency_code for a in CATALOG.agencies]
        texts = [plan.plan.title_vi, *(a.name_vi for a in plan.agencies),
                 *(t.description_vi for t in plan.tasks), *(d.name_vi for d in plan.districts),
                 *(p.name_vi for p in plan.projects)]
        assert not [t for t in texts if place in t]
        plan.check(strict=True)
    assert synthetic_catalogs(CATALOG, plans=2, years=2) == plans  # deterministic


def test_count_targets_vary_by_province_and_their_words_follow() -> None:
    one, two = synthetic_catalogs(CATALOG, plans=2, years=1)
    varied = kept = 0
    for base, a, b in zip(CATALOG.indicators, one.indicators, two.indicators, strict=True):
        if base.accumulates and "%" not in base.unit and base.target_low:
            varied += a.target_low != b.target_low
            assert number_vi(a.target_low, None) in (a.target_text or number_vi(
                a.target_low, None))
        else:
            kept += a.target_low == base.target_low == b.target_low
    assert varied >= 3 and kept >= 3


def test_the_catalog_files_read_back_as_written(tmp_path: Path) -> None:
    plans = [CATALOG, *synthetic_catalogs(CATALOG, plans=3, years=2)]
    write_catalogs(plans, tmp_path)
    assert list(load_catalogs(tmp_path)) == plans
    assert len({plan_seed(c.plan_code) for c in plans}) == len(plans)
