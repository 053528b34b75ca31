"""The accepted earlier reports a new submission is compared with.

For each plan × agency × period of a batch, the in-force (accepted) version of
the same template for each of the ``depth`` most recent earlier months of the
same plan, with its rows as loaded. Only what the warehouse has committed
counts, so a month is compared with what was accepted before it, whatever
process validates it.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql

from planwatch.vocabulary.history import EarlierReport
from planwatch.vocabulary.statuses import IN_FORCE_STATUSES
from planwatch.vocabulary.templates import RAW_COLUMNS

Key = tuple[str, str, str]  # plan_code, agency_code, period

_EARLIER = """
with wanted as (
    select distinct * from unnest(%(plans)s::text[], %(agencies)s::text[], %(periods)s::text[])
        as w(plan_code, agency_code, period)
),
earlier as (
    select w.plan_code, w.agency_code, w.period as for_period, s.period, s.submission_id,
           s.file_name,
           dense_rank() over (partition by w.plan_code, w.agency_code, w.period
                              order by s.period desc) as months_back
    from wanted w
    join audit.submissions s
      on s.plan_code = w.plan_code and s.agency_code = w.agency_code
     and s.template = %(template)s and s.period < w.period
     and s.status = any(%(in_force)s)
)
select e.plan_code, e.agency_code, e.for_period, e.period, e.submission_id, e.file_name,
       {columns}
from earlier e
join {table} r on r.submission_id = e.submission_id
where e.months_back <= %(depth)s
order by e.plan_code, e.agency_code, e.for_period, e.period desc, r.source_row
"""


def earlier_reports(conn: psycopg.Connection, template: str, keys: Iterable[Key],
                    depth: int) -> dict[Key, list[EarlierReport]]:
    """Per key, its earlier accepted reports, most recent month first."""
    wanted = sorted(set(keys))
    if not wanted or depth < 1:
        return {}
    columns = ["source_row", *RAW_COLUMNS[template]]
    query = sql.SQL(_EARLIER).format(
        columns=sql.SQL(", ").join(sql.SQL("r.{}").format(sql.Identifier(c)) for c in columns),
        table=sql.Identifier("raw", template))
    rows = conn.execute(query, {
        "plans": [k[0] for k in wanted], "agencies": [k[1] for k in wanted],
        "periods": [k[2] for k in wanted], "template": template,
        "in_force": list(IN_FORCE_STATUSES), "depth": depth}).fetchall()
    grouped: dict[Key, dict[int, tuple[str, str, list[dict]]]] = {}
    for plan, agency, for_period, period, submission_id, file_name, *values in rows:
        reports = grouped.setdefault((plan, agency, for_period), {})
        _, _, report_rows = reports.setdefault(submission_id, (period, file_name, []))
        report_rows.append(dict(zip(columns, values, strict=True)))
    return {key: [EarlierReport(period, sid, name, rows)
                  for sid, (period, name, rows) in reports.items()]
            for key, reports in grouped.items()}
