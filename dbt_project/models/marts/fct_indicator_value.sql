-- One row per plan × indicator × month of the plan's year in which it was
-- reported (latest accepted version), judged against the plan's target in
-- int_indicator_values_judged (direction, tolerance, unit check:
-- macros/attainment.sql). When several agencies report one indicator in a
-- month, the lead agency's report wins, else the most recently received
-- (macros/lead_agency_report_first.sql).

with

judged_values as (

    select * from {{ ref('int_indicator_values_judged') }}

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
        received_at

    from picked

)

select * from final
