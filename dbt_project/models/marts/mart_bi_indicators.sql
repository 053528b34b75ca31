-- One row per plan × indicator × month reported (fct_indicator_value), shaped
-- for the "Chỉ tiêu chủ yếu" dashboard: the plan's own words for the target,
-- its unit and direction in Vietnamese, the value to date and the attainment
-- fct_indicator_value judged, with the issuer, year, month and lead agency the
-- dashboards filter on. is_latest_report marks each indicator's latest month
-- reported in its plan (what "to date" shows); a new month moves it, so the
-- model is a view over the facts (no build cost; a new month moves the mark).

{{ config(materialized='view') }}

with

values_judged as (

    select * from {{ ref('fct_indicator_value') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

months as (

    select * from {{ ref('dim_month') }}

),

directions as (

    select * from {{ ref('vocab_indicator_directions') }}

),

final as (

    select
        values_judged.indicator_value_key,
        values_judged.plan_key,
        values_judged.indicator_key,
        values_judged.month_key,
        values_judged.plan_code,
        plans.issuer_code,
        plans.issuer_name_vi,
        plans.plan_year,
        values_judged.period,
        months.month_label_vi,
        months.month_number,
        values_judged.indicator_code,
        indicators.target_text,
        values_judged.catalog_unit as unit,
        values_judged.target_low,
        values_judged.target_high,
        values_judged.target_tolerance,
        values_judged.direction,
        values_judged.month_value,
        values_judged.ytd_value,
        values_judged.full_year_estimate,
        values_judged.attainment_ratio,
        values_judged.is_attained,
        values_judged.has_unit_mismatch,
        values_judged.reporting_agency_code as agency_code,
        directions.label_vi as direction_label_vi,
        coalesce(indicators.indicator_name_vi, values_judged.indicator_code) as indicator_name_vi,
        round(values_judged.attainment_ratio * 100, 1) as attainment_pct,
        case
            when values_judged.is_attained then 'Đạt'
            when not values_judged.is_attained then 'Chưa đạt'
            else 'Chưa so sánh được'
        end as attainment_label_vi,
        coalesce(
            agencies.agency_short_name_vi, values_judged.reporting_agency_code
        ) as agency_short_name_vi,
        values_judged.month_key = max(values_judged.month_key) over (
            partition by values_judged.plan_code, values_judged.indicator_code
        ) as is_latest_report

    from values_judged
    inner join plans on values_judged.plan_key = plans.plan_key
    inner join months on values_judged.month_key = months.month_key
    left join indicators on values_judged.indicator_key = indicators.indicator_key
    left join agencies on values_judged.reporting_agency_key = agencies.agency_key
    left join directions on values_judged.direction = directions.direction

)

select * from final
