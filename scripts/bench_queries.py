"""The benchmark's analyst queries (``measure_queries``, on the largest warehouse of
``bench_scale`` once its marts are built).

The five questions of ``analyst_questions.py``, each answered on the marts and from
``raw.*``, ``audit.*`` and ``catalog.*`` only; the two answers asserted equal (sorted
rows, numbers to 6 decimals), so that speed cannot come from answering another
question. Each query then runs ``repeats`` times. Printed: each question's p95 on the
marts (goal < 1 s) and its speed-up over the same answer from raw (goal ≥ 20×), and
the worst of the five.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from decimal import Decimal, localcontext
from typing import Any

import psycopg
from analyst_questions import QUESTIONS  # scripts/analyst_questions.py

from planwatch.config import load_settings

P95_GOAL_S = 1.0
SPEEDUP_GOAL = 20.0


def _comparable(value: Any) -> Any:
    """A value as compared: numbers rounded to 6 decimals (whole ones as int)."""
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        with localcontext() as context:
            context.prec = 60
            rounded = Decimal(value).quantize(Decimal("1e-6"))
        return int(rounded) if rounded == rounded.to_integral_value() else rounded
    return value


def _assert_same(name: str, marts: list[tuple[Any, ...]], raw: list[tuple[Any, ...]]) -> None:
    """The two answers hold the same rows (as multisets of rounded values)."""
    left, right = (Counter(tuple(_comparable(v) for v in row) for row in rows)
                   for rows in (marts, raw))
    if left != right:
        raise AssertionError(f"{name}: marts and raw differ ({len(marts)} vs {len(raw)} rows); "
                             f"only on the marts: {list(left - right)[:3]}; "
                             f"only from raw: {list(right - left)[:3]}")


def _p95s(conn: psycopg.Connection, queries: tuple[str, ...], params: dict[str, Any],
          repeats: int) -> list[float]:
    """Nearest-rank 95th percentile of ``repeats`` runs of each query (rows fetched), the
    queries taking turns so that a busy moment of the machine falls on both."""
    seconds: list[list[float]] = [[] for _ in queries]
    for _ in range(repeats):
        for sql, times in zip(queries, seconds, strict=True):
            started = time.perf_counter()
            conn.execute(sql, params).fetchall()
            times.append(time.perf_counter() - started)
    return [sorted(times)[max(0, math.ceil(0.95 * repeats) - 1)] for times in seconds]


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def measure_queries(url: str, repeats: int = 20) -> list[str]:
    settings = load_settings()
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        month_key = conn.execute("select max(month_key) from marts.fct_indicator_value"
                                 ).fetchone()[0]
        assert month_key is not None, "no indicator figures in the marts: build them first"
        params = {"deadline_day": settings.deadline_day, "grace_days": settings.grace_days,
                  "timezone": settings.timezone, "month_key": month_key,
                  "period": f"{month_key // 100}-{month_key % 100:02d}"}
        lines, totals = [], []
        for template, marts_sql, raw_sql in QUESTIONS:
            name = template.format(**params)
            # each answer reads only its own side
            assert not re.search(r"\b(marts|intermediate|staging)\.", raw_sql), name
            assert not re.search(r"\b(raw|audit|catalog|intermediate|staging)\.", marts_sql), name
            marts_rows = conn.execute(marts_sql, params).fetchall()
            raw_rows = conn.execute(raw_sql, params).fetchall()
            _assert_same(name, marts_rows, raw_rows)
            on_marts, from_raw = _p95s(conn, (marts_sql, raw_sql), params, repeats)
            speedup = from_raw / on_marts
            totals.append((on_marts, from_raw))
            print(f"{name}: {len(marts_rows)} rows, equal from raw; p95 on marts {on_marts:.3f} s, "
                  f"from raw/audit {from_raw:.3f} s ({repeats} runs each)", flush=True)
            lines.append(f"{name} on the marts: p95 {on_marts:.3f} s (goal < {P95_GOAL_S:g} s: "
                         f"{_met(on_marts < P95_GOAL_S)}); from raw/audit {from_raw:.3f} s: "
                         f"{speedup:.1f}x (goal >= {SPEEDUP_GOAL:g}x: "
                         f"{_met(speedup >= SPEEDUP_GOAL)})")
    worst = max(m for m, _ in totals)
    least = min(r / m for m, r in totals)
    overall = sum(r for _, r in totals) / sum(m for m, _ in totals)
    lines.append(f"five analyst queries on the marts: slowest p95 {worst:.3f} s (goal < "
                 f"{P95_GOAL_S:g} s: {_met(worst < P95_GOAL_S)}); smallest speed-up over raw/audit "
                 f"{least:.1f}x, all five together {overall:.1f}x (goal >= {SPEEDUP_GOAL:g}x "
                 f"each: {_met(least >= SPEEDUP_GOAL)})")
    return lines
