-- One row per plan × month of the plan's year: whether the Department has
-- closed (published) the month, by whom and when, how often it was reopened
-- and why last, and how many submissions arrived while it was closed
-- (restatements). A month's state is its latest event in audit.period_events
-- (the highest event_id, as warehouse.periods reads it); without events, open.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

plans as (

    select * from {{ ref('dim_plan') }}
    where plan_key <> -1

),

months as (

    select * from {{ ref('dim_month') }}
    where month_key <> -1

),

events as (

    select * from {{ ref('stg_audit__period_events') }}
    where {{ in_slices() }}

),

submissions as (

    select * from {{ ref('stg_audit__submissions') }}
    where {{ in_slices() }}

),

latest_events as (

    select distinct on (plan_code, month_key)
        plan_code,
        month_key,
        is_close as is_closed,
        occurred_at as last_event_at,
        actor as last_actor

    from events
    order by plan_code asc, month_key asc, event_id desc

),

event_counts as (

    select
        plan_code,
        month_key,
        count(*) filter (where is_close) as close_count,
        count(*) filter (where not is_close) as reopen_count,
        min(occurred_at) filter (where is_close) as first_closed_at,
        max(occurred_at) filter (where not is_close) as last_reopened_at

    from events
    group by plan_code, month_key

),

last_reopens as (

    select distinct on (plan_code, month_key)
        plan_code,
        month_key,
        reason as last_reopen_reason

    from events
    where not is_close
    order by plan_code asc, month_key asc, event_id desc

),

restatements as (

    select
        plan_code,
        month_key,
        count(*) as restatement_count

    from submissions
    where is_restatement
    group by plan_code, month_key

),

final as (

    select
        {{ surrogate_key(['plans.plan_code', 'months.month_key']) }} as period_status_key,
        plans.plan_key,
        months.month_key,
        plans.plan_code,
        months.period,
        coalesce(latest_events.is_closed, false) as is_closed,
        case when latest_events.is_closed then latest_events.last_event_at end as closed_at,
        case when latest_events.is_closed then latest_events.last_actor end as closed_by,
        event_counts.first_closed_at,
        coalesce(event_counts.close_count, 0) as close_count,
        coalesce(event_counts.reopen_count, 0) as reopen_count,
        event_counts.last_reopened_at,
        last_reopens.last_reopen_reason,
        coalesce(restatements.restatement_count, 0) as restatement_count

    from plans
    inner join months
        on plans.plan_year = months.year
    left join latest_events
        on plans.plan_code = latest_events.plan_code
        and months.month_key = latest_events.month_key
    left join event_counts
        on plans.plan_code = event_counts.plan_code
        and months.month_key = event_counts.month_key
    left join last_reopens
        on plans.plan_code = last_reopens.plan_code
        and months.month_key = last_reopens.month_key
    left join restatements
        on plans.plan_code = restatements.plan_code
        and months.month_key = restatements.month_key
    where {{ in_slices('plans.plan_code', 'months.month_key') }}

)

select * from final
