-- One row per plan × indicator (chỉ tiêu) with the target of the plan's year,
-- plus the unknown member (indicator_key -1).

with

indicators as (

    select * from {{ ref('stg_plan__indicators') }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

catalog_indicators as (

    select
        {{ surrogate_key(['indicators.plan_code', 'indicators.indicator_code']) }} as indicator_key,
        coalesce(plans.plan_key, -1) as plan_key,
        indicators.plan_code,
        indicators.indicator_code,
        indicators.indicator_name_vi,
        indicators.unit,
        indicators.target_low,
        indicators.target_high,
        indicators.target_tolerance,
        indicators.direction,
        indicators.target_text,
        indicators.plan_section,
        coalesce(agencies.agency_key, -1) as lead_agency_key,
        indicators.lead_agency_code

    from indicators
    left join plans
        on indicators.plan_code = plans.plan_code
    left join agencies
        on indicators.plan_code = agencies.plan_code
        and indicators.lead_agency_code = agencies.agency_code

),

final as (

    select {{ dimension_columns() }}
    from catalog_indicators

    union all

    {{ unknown_member() }}

)

select * from final
