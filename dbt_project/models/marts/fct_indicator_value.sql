-- One row per plan × indicator × month of the plan's year in which it was
-- reported (latest accepted version), judged against the plan's target in
-- int_indicator_values_judged (direction, tolerance, unit check:
-- macros/attainment.sql). When several agencies report one indicator in a
-- month, the lead agency's report wins, else the most recently received
-- (macros/lead_agency_report_first.sql).
--
-- Beside the latest figures, the same grain as known at the deadline
-- (macros/known_at_deadline.sql): <measure>_at_deadline for the figures
-- macros/compared_measures.sql compares, the deadline version's submission and
-- row, and is_restated when a later version changed them. The deadline is
-- dim_month.on_time_before_at, the instant fct_submission judges timeliness by.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

judged_values as (

    select * from {{ ref('int_indicator_values_judged') }}
    where {{ in_slices() }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

deadline_versions as (

    select * from {{ ref('int_indicator_reports_versioned') }}
    where
        is_deadline_version
        and {{ in_slices() }}

),

months as (

    select * from {{ ref('dim_month') }}

),

in_plan_year as (

    select
        judged_values.*,
        plans.plan_key,
        indicators.indicator_key,
        agencies.agency_key as reporting_agency_key

    from judged_values
    inner join plans
        on judged_values.plan_code = plans.plan_code
        and judged_values.month_key / 100 = plans.plan_year
    left join indicators
        on judged_values.plan_code = indicators.plan_code
        and judged_values.indicator_code = indicators.indicator_code
    left join agencies
        on judged_values.plan_code = agencies.plan_code
        and judged_values.agency_code = agencies.agency_code

),

picked as (

    {{ lead_agency_report_first('in_plan_year', ['plan_code', 'indicator_code', 'month_key']) }}

),

deadline_figures as (

    {{ known_at_deadline('deadline_versions', ['plan_code', 'indicator_code', 'month_key'], 'indicators') }}

),

compared as (

    -- The latest report beside the one known at the deadline, and the deadline.
    select
        picked.*,
        deadline_figures.deadline_submission_id,
        deadline_figures.deadline_source_row,
        deadline_figures.deadline_received_at,
        {{ measure_columns('indicators', 'deadline_figures', '_at_deadline') }},
        months.on_time_before_at

    from picked
    left join deadline_figures
        on picked.plan_code = deadline_figures.plan_code
        and picked.indicator_code = deadline_figures.indicator_code
        and picked.month_key = deadline_figures.month_key
    left join months
        on picked.month_key = months.month_key

),

final as (

    select
        {{ surrogate_key(['plan_code', 'indicator_code', 'month_key']) }} as indicator_value_key,
        plan_key,
        coalesce(indicator_key, -1) as indicator_key,
        month_key,
        coalesce(reporting_agency_key, -1) as reporting_agency_key,
        plan_code,
        indicator_code,
        period,
        agency_code as reporting_agency_code,
        month_value,
        ytd_value,
        same_period_last_year_value,
        full_year_estimate,
        data_status,
        catalog_unit,
        reported_unit,
        has_unit_mismatch,
        target_low,
        target_high,
        target_tolerance,
        direction,
        reported_target_text,
        has_target,
        attainment_ratio,
        is_attained,
        is_projected_attained,
        source_text,
        note,
        coalesce(is_reported_by_lead_agency, false) as is_reported_by_lead_agency,
        reporting_agency_count,
        submission_id,
        source_row,
        received_at,
        -- As known at the deadline (macros/known_at_deadline.sql), beside the latest.
        {{ measure_columns('indicators', none, '_at_deadline') }},
        deadline_submission_id,
        deadline_source_row,
        deadline_received_at,
        deadline_submission_id is not null as is_known_at_deadline,
        coalesce(received_at >= on_time_before_at, false) as is_reported_after_deadline,
        deadline_submission_id is not null and {{ measures_differ_from_deadline('indicators') }} as is_restated

    from compared

)

select * from final
