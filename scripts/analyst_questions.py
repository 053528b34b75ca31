"""Five questions a BI analyst asks of a national warehouse, each written twice: on the
marts (dimensions joined), and from ``raw.*``, ``audit.*`` and ``catalog.*`` only,
reproducing the mart's rule (latest accepted version, versions by arrival, deadline plus
grace, reporting horizon, lead agency first, restatements). The two answers are asserted
equal (sorted rows, numbers to 6 decimals), so that speed cannot come from answering
another question; "now" is the latest successful build's as-of (``audit.mart_builds``),
the deadline day, grace and time zone the settings'. ``bench_queries.py`` times them.
"""

from __future__ import annotations

ACCEPTED = "('accepted', 'accepted_with_warnings')"
EVER_ACCEPTED = "('accepted', 'accepted_with_warnings', 'superseded')"


def _code(expression: str) -> str:
    """A code as the catalog writes it (the dbt macro clean_code)."""
    return f"nullif(upper(trim({expression})), '')"


def _normalised(expression: str) -> str:
    """Text compared regardless of case and spacing (the dbt macro normalise_text)."""
    upper = "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
    return (f"nullif(btrim(regexp_replace(lower(translate({expression}, '{upper}', "
            f"'{upper.lower()}')), '\\s+', ' ', 'g')), '')")


def _latest(template: str, where: str = "") -> str:
    """The latest accepted version of each plan × agency × period of a template."""
    return f"""select distinct on (plan_code, agency_code, period) * from versions
    where is_accepted and template = '{template}' {where}
    order by plan_code, agency_code, period, version desc nulls last, received_at desc,
        submission_id desc"""


def _judged(value: str) -> tuple[str, str]:
    """(attainment ratio, attained) of ``value`` against ci's target widened by its
    tolerance (the dbt macros attainment_ratio and is_attained)."""
    low, high = ("(ci.target_low * (1 - coalesce(ci.target_tolerance, 0)))",
                 "(ci.target_high * (1 + coalesce(ci.target_tolerance, 0)))")
    ratio = f"""trunc(case when {value} is null then null
        when ci.direction = 'higher_is_better' then {value} / nullif(coalesce({low}, {high}), 0)
        when ci.direction = 'lower_is_better' then coalesce({high}, {low}) / nullif({value}, 0)
        when ci.direction = 'within_range' then case
            when {value} < {low} then {value} / nullif({low}, 0)
            when {value} > {high} then {high} / nullif({value}, 0)
            when coalesce(ci.target_low, ci.target_high) is not null then 1 end end, 4)"""
    attained = f"""case when {value} is null then null
        when ci.direction = 'higher_is_better' then {value} >= coalesce({low}, {high})
        when ci.direction = 'lower_is_better' then {value} <= coalesce({high}, {low})
        when ci.direction = 'within_range' and coalesce(ci.target_low, ci.target_high) is not null
            then (ci.target_low is null or {value} >= {low})
            and (ci.target_high is null or {value} <= {high}) end"""
    return ratio, attained


# What the raw queries share: the months of every plan's year with their deadline plus
# grace (int_months_spined), the plans, and every submission placed in a plan, agency,
# period and template (int_submissions_versioned's rows).
RAW_BASE = f"""
months as (
    select y.year * 100 + m as month_key, to_char(make_date(y.year, m, 1), 'YYYY-MM') as period,
        (make_date(y.year, m, 1) + (cast(%(deadline_day)s as integer) - 1))::timestamp
            at time zone cast(%(timezone)s as text)
            + make_interval(days => cast(%(grace_days)s as integer)) as on_time_before_at
    from (select distinct year from catalog.plans) as y cross join generate_series(1, 12) as m
),
plans as (select {_code('plan_code')} as plan_code, {_code('issuer_code')} as issuer_code,
                 year as plan_year from catalog.plans),
submissions as (
    select submission_id, {_code('plan_code')} as plan_code,
        {_code('agency_code')} as agency_code, period,
        cast(replace(period, '-', '') as integer) as month_key, template, received_at, version,
        is_restatement, reasons, file_name, status in {ACCEPTED} as is_accepted,
        status in {EVER_ACCEPTED} as is_ever_accepted, status = 'rejected' as is_rejected,
        status = 'duplicate' as is_duplicate
    from audit.submissions
),
versions as (
    select s.*, months.on_time_before_at,
        coalesce(s.received_at < months.on_time_before_at, false) as is_received_on_time
    from submissions as s left join months on s.month_key = months.month_key
    where s.plan_code is not null and s.agency_code is not null and s.period is not null
        and s.template is not null
)"""


def _by_status(status: str, assessed: str) -> str:
    """Owed rows, those of each compliance outcome, those assessed, and the on-time rate."""
    counts = ", ".join(f"count(*) filter (where {status} = '{outcome}') as {outcome}"
                       for outcome in ("on_time", "late", "missing", "rejected", "not_yet_due"))
    return (f"count(*) as owed, {counts}, count(*) filter (where {assessed}) as assessed, "
            f"round(1.0 * count(*) filter (where {status} = 'on_time') "
            f"/ nullif(count(*) filter (where {assessed}), 0), 4) as on_time_rate")


COMPLIANCE_MARTS = f"""
select p.issuer_code, p.plan_year, a.agency_code, a.agency_short_name_vi, s.period,
    {_by_status('s.compliance_status', 's.is_assessed')}
from marts.fct_submission as s
join marts.dim_agency as a on a.agency_key = s.agency_key
join marts.dim_plan as p on p.plan_key = s.plan_key
group by p.issuer_code, p.plan_year, a.agency_code, a.agency_short_name_vi, s.period
"""

COMPLIANCE_RAW = f"""
with {RAW_BASE},
owed as (
    select a.plan_code, plans.issuer_code, plans.plan_year, a.agency_code,
        a.agency_short_name_vi, led.template
    from (select {_code('plan_code')} as plan_code, {_code('agency_code')} as agency_code,
              coalesce(short_name_vi, name_vi) as agency_short_name_vi, role
          from catalog.plan_agencies) as a
    join plans on plans.plan_code = a.plan_code
    join (select {_code('plan_code')} as plan_code, {_code('lead_agency_code')} as agency_code,
              'tasks' as template from catalog.plan_tasks
          union select {_code('plan_code')}, {_code('lead_agency_code')}, 'indicators'
          from catalog.plan_indicators
          union select {_code('plan_code')}, {_code('lead_agency_code')}, 'disbursement'
          from catalog.plan_projects where funding = 'public') as led
        on led.plan_code = a.plan_code and led.agency_code = a.agency_code
    where a.role = 'lead'
),
received as (
    select plan_code, agency_code, period, template, min(month_key) as month_key,
        count(*) filter (where is_ever_accepted) as version_count,
        count(*) filter (where is_rejected) as rejected_count,
        min(received_at) filter (where is_ever_accepted) as first_accepted_at,
        bool_or(is_accepted) as is_received
    from versions group by plan_code, agency_code, period, template
),
horizon as (
    select plan_code, max(month_key) as last_month_key
    from received where version_count > 0 group by plan_code
),
as_of as (select as_of from audit.mart_builds where succeeded order by build_id desc limit 1),
classified as (
    select owed.*, months.period,
        case
            when r.is_received and r.first_accepted_at < months.on_time_before_at then 'on_time'
            when r.is_received then 'late'
            when coalesce(r.rejected_count, 0) > 0 then 'rejected'
            when (select as_of from as_of) >= months.on_time_before_at then 'missing'
            else 'not_yet_due'
        end as status,
        (select as_of from as_of) >= months.on_time_before_at
            or coalesce(r.is_received, false) as is_assessed
    from owed
    join months on months.month_key / 100 = owed.plan_year
    join horizon on horizon.plan_code = owed.plan_code
        and months.month_key <= horizon.last_month_key
    left join received as r on r.plan_code = owed.plan_code and r.agency_code = owed.agency_code
        and r.period = months.period and r.template = owed.template
)
select issuer_code, plan_year, agency_code, agency_short_name_vi, period,
    {_by_status('status', 'is_assessed')}
from classified
group by issuer_code, plan_year, agency_code, agency_short_name_vi, period
"""

ATTAINMENT_MARTS = """
select p.issuer_code, i.plan_code, i.indicator_code, i.target_low, i.target_high,
    i.target_tolerance, i.direction, f.reporting_agency_code, f.ytd_value, f.full_year_estimate,
    f.has_unit_mismatch, f.attainment_ratio, f.is_attained, f.is_projected_attained
from marts.dim_indicator as i
join marts.dim_plan as p on p.plan_key = i.plan_key
left join marts.fct_indicator_value as f
    on f.indicator_key = i.indicator_key and f.month_key = %(month_key)s
where i.indicator_key <> -1 and p.plan_year = %(month_key)s / 100
"""

_RATIO, _ATTAINED = _judged("picked.ytd_value")
_PROJECTED = _judged("picked.full_year_estimate")[1]
ATTAINMENT_RAW = f"""
with {RAW_BASE},
latest as ({_latest('indicators', 'and period = %(period)s')}),
reported as (
    select distinct on (r.submission_id, {_code('r.indicator_code')})
        latest.plan_code, latest.agency_code, latest.received_at, r.submission_id,
        {_code('r.indicator_code')} as indicator_code, r.unit, r.ytd_value, r.full_year_estimate
    from raw.indicators as r join latest on latest.submission_id = r.submission_id
    order by r.submission_id, {_code('r.indicator_code')}, r.source_row desc
),
ci as (
    select {_code('plan_code')} as plan_code, {_code('indicator_code')} as indicator_code, unit,
        target_low, target_high, target_tolerance, direction,
        {_code('lead_agency_code')} as lead_agency_code
    from catalog.plan_indicators
),
picked as (
    select distinct on (reported.plan_code, reported.indicator_code) reported.*
    from reported
    left join ci
        on ci.plan_code = reported.plan_code and ci.indicator_code = reported.indicator_code
    order by reported.plan_code, reported.indicator_code,
        coalesce(reported.agency_code = ci.lead_agency_code, false) desc,
        reported.received_at desc, reported.submission_id desc
),
judged as (
    select ci.*, picked.agency_code, picked.ytd_value, picked.full_year_estimate,
        case when picked.submission_id is not null then coalesce(
            {_normalised('picked.unit')} <> {_normalised('ci.unit')}, false) end as mismatch,
        {_RATIO} as ratio, {_ATTAINED} as attained, {_PROJECTED} as projected
    from ci
    left join picked
        on picked.plan_code = ci.plan_code and picked.indicator_code = ci.indicator_code
)
select plans.issuer_code, j.plan_code, j.indicator_code, j.target_low, j.target_high,
    j.target_tolerance, j.direction, j.agency_code, j.ytd_value, j.full_year_estimate,
    j.mismatch, case when not j.mismatch then j.ratio end,
    case when not j.mismatch then j.attained end, case when not j.mismatch then j.projected end
from judged as j join plans on plans.plan_code = j.plan_code
where plans.plan_year = %(month_key)s / 100
"""

DISBURSEMENT_MARTS = """
with latest as (
    select plan_key, max(month_key) as month_key from marts.fct_disbursement group by plan_key
)
select p.issuer_code, p.plan_year, d.period, d.reporting_agency_code, a.agency_short_name_vi,
    d.capital_source_code, count(*) as line_count, sum(d.annual_plan_vnd) as annual_plan_vnd,
    sum(d.month_disbursed_vnd) as month_disbursed_vnd,
    sum(d.ytd_disbursed_vnd) as ytd_disbursed_vnd,
    round(1.0 * sum(d.ytd_disbursed_vnd) / nullif(sum(d.annual_plan_vnd), 0), 6) as rate
from marts.fct_disbursement as d
join latest on latest.plan_key = d.plan_key and latest.month_key = d.month_key
join marts.dim_plan as p on p.plan_key = d.plan_key
join marts.dim_agency as a on a.agency_key = d.reporting_agency_key
group by p.issuer_code, p.plan_year, d.period, d.reporting_agency_code, a.agency_short_name_vi,
    d.capital_source_code
"""

_LINE = f"{_code('r.project_code')}, trim(r.capital_source)"
DISBURSEMENT_RAW = f"""
with {RAW_BASE},
latest as ({_latest('disbursement')}),
reported as (
    select distinct on (r.submission_id, {_LINE}) latest.plan_code, latest.agency_code,
        latest.period, latest.month_key, latest.received_at, latest.submission_id,
        {_code('r.project_code')} as project_code, trim(r.capital_source) as capital_source,
        {_code('r.capital_source_code')} as capital_source_code, r.annual_plan_vnd,
        r.month_disbursed_vnd, r.ytd_disbursed_vnd
    from raw.disbursement as r join latest on latest.submission_id = r.submission_id
    order by r.submission_id, {_LINE}, r.source_row desc
),
picked as (
    select distinct on (reported.plan_code, reported.project_code, reported.capital_source,
                        reported.month_key)
        reported.*, plans.issuer_code, plans.plan_year
    from reported
    join plans
        on plans.plan_code = reported.plan_code and reported.month_key / 100 = plans.plan_year
    left join (select {_code('plan_code')} as plan_code, {_code('project_code')} as project_code,
                   {_code('lead_agency_code')} as lead_agency_code
               from catalog.plan_projects) as projects
        on projects.plan_code = reported.plan_code and projects.project_code = reported.project_code
    order by reported.plan_code, reported.project_code, reported.capital_source, reported.month_key,
        coalesce(reported.agency_code = projects.lead_agency_code, false) desc,
        reported.received_at desc, reported.submission_id desc
),
at_latest as (select *, max(month_key) over (partition by plan_code) as last_month from picked)
select d.issuer_code, d.plan_year, d.period, d.agency_code,
    coalesce(a.short_name_vi, a.name_vi, 'Không xác định') as agency_name, d.capital_source_code,
    count(*), sum(d.annual_plan_vnd), sum(d.month_disbursed_vnd), sum(d.ytd_disbursed_vnd),
    round(1.0 * sum(d.ytd_disbursed_vnd) / nullif(sum(d.annual_plan_vnd), 0), 6)
from at_latest as d
left join catalog.plan_agencies as a
    on {_code('a.plan_code')} = d.plan_code and {_code('a.agency_code')} = d.agency_code
where d.month_key = d.last_month
group by d.issuer_code, d.plan_year, d.period, d.agency_code, agency_name, d.capital_source_code
"""

SCORECARD_COUNTS = ("submission_count", "duplicate_count", "rejected_count", "resubmission_count",
                    "restatement_count", "check_count", "failed_check_count",
                    "blocking_failure_count", "warning_count", "problem_count",
                    "resolved_rejection_count", "unresolved_rejection_count")
SCORECARD_MARTS = f"""
select p.issuer_code, p.plan_year, s.agency_code,
    {', '.join(f'sum(s.{c}) as {c}' for c in SCORECARD_COUNTS)},
    max(s.max_hours_to_accepted_resubmission) as slowest_fix_hours
from marts.mart_data_quality_scorecard as s
join marts.dim_plan as p on p.plan_key = s.plan_key
group by p.issuer_code, p.plan_year, s.agency_code
"""

SCORECARD_RAW = f"""
with {RAW_BASE},
placed as (
    select * from submissions
    where plan_code is not null and agency_code is not null and period is not null
),
received as (
    select plan_code, agency_code, month_key,
        count(*) filter (where not is_duplicate) as submission_count,
        count(*) filter (where is_duplicate) as duplicate_count,
        count(*) filter (where is_rejected) as rejected_count,
        count(*) filter (where not is_duplicate and version > 1) as resubmission_count,
        count(*) filter (where is_restatement) as restatement_count
    from placed group by plan_code, agency_code, month_key
),
checks as (
    select c.submission_id, c.details ->> 'code' as rule_code, c.severity, c.success
    from audit.validation_results as c
    join submissions as s on s.submission_id = c.submission_id and not s.is_duplicate
),
problems as (
    select s.submission_id, problem.details
    from submissions as s cross join lateral jsonb_array_elements(s.reasons) as problem (details)
    where not s.is_duplicate
),
entries as (
    select submission_id, details ->> 'code' as rule_code, details ->> 'severity' as severity,
        true as is_failed
    from problems
    union all
    select submission_id, rule_code, severity, not success from checks
    where not exists (select from problems where problems.submission_id = checks.submission_id
                      and problems.details ->> 'code' = checks.rule_code)
),
checks_run as (
    -- fct_data_quality's rows (each entry beside the checks of its code), per rule × submission
    select s.plan_code, s.agency_code, s.month_key, e.submission_id, e.rule_code, e.severity,
        bool_or(e.is_failed) as is_failed, count(*) filter (where e.is_failed) as problem_count
    from entries as e
    join submissions as s on s.submission_id = e.submission_id
    left join checks as c on c.submission_id = e.submission_id and c.rule_code = e.rule_code
    where s.plan_code is not null
    group by s.plan_code, s.agency_code, s.month_key, e.submission_id, e.rule_code, e.severity
),
checked as (
    select plan_code, agency_code, month_key, count(*) as check_count,
        count(*) filter (where is_failed) as failed_check_count,
        count(*) filter (where is_failed and severity = 'block') as blocking_failure_count,
        count(*) filter (where is_failed and severity = 'warn') as warning_count,
        sum(problem_count) as problem_count
    from checks_run group by plan_code, agency_code, month_key
),
recoveries as (
    select f.plan_code, f.agency_code, f.month_key,
        extract(epoch from min(a.received_at) - f.received_at) / 3600 as hours
    from placed as f
    left join versions as a
        on a.plan_code = f.plan_code and a.agency_code = f.agency_code and a.period = f.period
        and (f.template is null or f.template = a.template) and a.is_ever_accepted
        and f.received_at < a.received_at
    where f.is_rejected
    group by f.plan_code, f.agency_code, f.month_key, f.submission_id, f.received_at
),
recovered as (
    select plan_code, agency_code, month_key, count(hours) as resolved_rejection_count,
        count(*) - count(hours) as unresolved_rejection_count, max(hours) as max_hours
    from recoveries group by plan_code, agency_code, month_key
)
select plans.issuer_code, plans.plan_year, r.agency_code,
    {', '.join(f'sum(coalesce({c}, 0))' for c in SCORECARD_COUNTS)},
    round(cast(max(v.max_hours) as numeric), 2)
from received as r
join plans on plans.plan_code = r.plan_code
join months on months.month_key = r.month_key and months.month_key / 100 = plans.plan_year
left join checked as k
    on k.plan_code = r.plan_code and k.agency_code = r.agency_code and k.month_key = r.month_key
left join recovered as v
    on v.plan_code = r.plan_code and v.agency_code = r.agency_code and v.month_key = r.month_key
group by plans.issuer_code, plans.plan_year, r.agency_code
"""

RESTATEMENTS_MARTS = """
select p.issuer_code, p.plan_year, a.agency_code, r.period, r.template, r.item_code,
    r.capital_source, r.measure, r.old_value_text, r.new_value_text, r.old_value, r.new_value,
    r.deadline_value_text, r.is_known_at_deadline, r.is_change_of_deadline_figure,
    r.is_restatement, r.is_latest, r.old_version, r.new_version, r.new_file_name,
    r.new_received_at
from marts.mart_restatements as r
join marts.dim_plan as p on p.plan_key = r.plan_key
join marts.dim_agency as a on a.agency_key = r.agency_key
"""


def _unpivoted(table: str, key: str, measures: dict[str, str]) -> str:
    """A template's figures per version × item × measure (int_report_values_unpivoted;
    a code repeated in a submission keeps its last row)."""
    line = "trim(r.capital_source)" if table == "disbursement" else "cast(null as text)"
    values = ", ".join(
        f"('{m}', cast(trim_scale(cast(t.{m} as numeric)) as text), cast(t.{m} as numeric))"
        if kind == "number" else f"('{m}', cast(t.{m} as text), cast(null as numeric))"
        for m, kind in measures.items())
    columns = ", ".join("r.status as task_status" if m == "task_status" else f"r.{m}"
                        for m in measures)
    item = _code(f"r.{key}")
    return f"""
    select t.submission_id, '{table}' as template, t.item_code, t.capital_source, m.*
    from (select distinct on (r.submission_id, {item}, {line}) r.submission_id,
              {item} as item_code, {line} as capital_source, {columns}
          from raw.{table} as r
          join accepted_versions as v on v.submission_id = r.submission_id
              and v.template = '{table}'
          order by r.submission_id, {item}, {line}, r.source_row desc) as t
    cross join lateral (values {values}) as m (measure, value_text, value_number)"""


_ORDER = "order by version desc nulls last, received_at desc, submission_id desc"
_GROUP = "partition by plan_code, agency_code, period, template"
_DEADLINE = "is_ever_accepted and is_received_on_time and not is_restatement"
RESTATEMENTS_RAW = f"""
with {RAW_BASE},
ranked as (
    select versions.*, {_DEADLINE} as is_deadline_candidate,
        row_number() over ({_GROUP}, is_accepted {_ORDER}) as version_rank,
        row_number() over ({_GROUP}, {_DEADLINE} {_ORDER}) as deadline_rank,
        lag(submission_id) over ({_GROUP}, is_ever_accepted
            order by version asc nulls last, received_at asc, submission_id asc) as previous_id
    from versions
),
accepted_versions as (
    select ranked.*, coalesce(ranked.is_accepted and ranked.version_rank = 1, false) as is_latest,
        deadline.submission_id as deadline_submission_id
    from ranked
    left join ranked as deadline
        on deadline.plan_code = ranked.plan_code and deadline.agency_code = ranked.agency_code
        and deadline.period = ranked.period and deadline.template = ranked.template
        and deadline.is_deadline_candidate and deadline.deadline_rank = 1
    where ranked.is_ever_accepted
),
report_values as ({_unpivoted('tasks', 'task_code', {
    'task_status': 'text', 'percent_complete': 'number', 'completed_date': 'date'})}
    union all{_unpivoted('indicators', 'indicator_code', {
    'month_value': 'number', 'ytd_value': 'number', 'full_year_estimate': 'number'})}
    union all{_unpivoted('disbursement', 'project_code', {
    'annual_plan_vnd': 'number', 'carried_over_plan_vnd': 'number',
    'month_disbursed_vnd': 'number', 'ytd_disbursed_vnd': 'number'})}
),
later as (select * from accepted_versions where previous_id is not null),
changed as (
    -- each later version's values beside the version's before it, an item × measure
    -- present in either
    select o.value_text as old_value_text, n.value_text as new_value_text,
        o.value_number as old_value, n.value_number as new_value,
        coalesce(n.later_id, o.later_id) as new_submission_id,
        coalesce(n.template, o.template) as template,
        coalesce(n.item_code, o.item_code) as item_code,
        coalesce(n.capital_source, o.capital_source) as capital_source,
        coalesce(n.measure, o.measure) as measure
    from (select v.*, later.submission_id as later_id from report_values as v
          join later on v.submission_id = later.submission_id) as n
    full outer join (select v.*, later.submission_id as later_id from report_values as v
                     join later on v.submission_id = later.previous_id) as o
        on n.later_id = o.later_id and n.item_code = o.item_code and n.measure = o.measure
        and coalesce(n.capital_source, '') = coalesce(o.capital_source, '')
    where n.value_text is distinct from o.value_text
)
select plans.issuer_code, plans.plan_year, new.agency_code, new.period, c.template, c.item_code,
    c.capital_source, c.measure, c.old_value_text, c.new_value_text, c.old_value, c.new_value,
    d.value_text, new.deadline_submission_id is not null,
    coalesce(new.previous_id = new.deadline_submission_id, false), new.is_restatement,
    new.is_latest, old.version, new.version, new.file_name, new.received_at
from changed as c
join later as new on new.submission_id = c.new_submission_id
join accepted_versions as old on old.submission_id = new.previous_id
join plans on plans.plan_code = new.plan_code and new.month_key / 100 = plans.plan_year
left join report_values as d
    on d.submission_id = new.deadline_submission_id and d.item_code = c.item_code
    and coalesce(d.capital_source, '') = coalesce(c.capital_source, '') and d.measure = c.measure
where not new.is_received_on_time or new.is_restatement
"""

QUESTIONS = (
    ("compliance by agency x month", COMPLIANCE_MARTS, COMPLIANCE_RAW),
    ("every target's attainment at {period}", ATTAINMENT_MARTS, ATTAINMENT_RAW),
    ("disbursement by agency x capital source (each plan's latest month)",
     DISBURSEMENT_MARTS, DISBURSEMENT_RAW),
    ("data-quality scorecard by agency", SCORECARD_MARTS, SCORECARD_RAW),
    ("restatements (every figure changed after its deadline)",
     RESTATEMENTS_MARTS, RESTATEMENTS_RAW),
)
