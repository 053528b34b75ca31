-- One row per plan × agency × month of fct_submission: the agency's record
-- from the start of the plan's year up to and including that month, all
-- templates together. on_time_rate = on time / assessed (is_assessed: the
-- outcome is known). The auditor's report shows it beside each month's row.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

submissions as (

    select * from {{ ref('fct_submission') }}
    where {{ in_slice_plans() }}

),

per_month as (

    select
        plan_key,
        agency_key,
        plan_code,
        agency_code,
        month_key,
        period,
        count(*) filter (where is_assessed) as assessed_count,
        count(*) filter (where is_on_time) as on_time_count

    from submissions
    group by plan_key, agency_key, plan_code, agency_code, month_key, period

),

to_date as (

    select
        *,
        sum(assessed_count) over agency_year as assessed_to_date_count,
        sum(on_time_count) over agency_year as on_time_to_date_count

    from per_month
    window agency_year as (
        partition by plan_code, agency_code order by month_key
        rows between unbounded preceding and current row
    )

),

final as (

    select
        {{ surrogate_key(['plan_code', 'agency_code', 'month_key']) }} as compliance_to_date_key,
        plan_key,
        agency_key,
        month_key,
        plan_code,
        agency_code,
        period,
        cast(assessed_to_date_count as bigint) as assessed_to_date_count,
        cast(on_time_to_date_count as bigint) as on_time_to_date_count,
        {{ safe_ratio('on_time_to_date_count', 'assessed_to_date_count', 4) }} as on_time_rate_to_date

    from to_date
    where {{ in_slices() }}

)

select * from final
