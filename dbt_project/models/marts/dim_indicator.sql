-- One row per indicator (chỉ tiêu) of the plan with its 2024 target, plus the
-- unknown member (indicator_key -1).

with

indicators as (

    select * from {{ ref('stg_plan__indicators') }}

),

agencies as (

    select * from {{ ref('stg_plan__agencies') }}

),

catalog_indicators as (

    select
        {{ surrogate_key(['indicators.indicator_code']) }} as indicator_key,
        indicators.indicator_code,
        indicators.indicator_name_vi,
        indicators.unit,
        indicators.target_low,
        indicators.target_high,
        indicators.direction,
        indicators.target_text,
        indicators.plan_section,
        case
            when agencies.agency_code is null then cast(-1 as bigint)
            else {{ surrogate_key(['agencies.agency_code']) }}
        end as lead_agency_key,
        indicators.lead_agency_code

    from indicators
    left join agencies
        on indicators.lead_agency_code = agencies.agency_code

),

unknown_member as (

    select
        cast(-1 as bigint) as indicator_key,
        'UNKNOWN' as indicator_code,
        'Không xác định' as indicator_name_vi,
        cast(null as text) as unit,
        cast(null as numeric) as target_low,
        cast(null as numeric) as target_high,
        cast(null as text) as direction,
        cast(null as text) as target_text,
        cast(null as text) as plan_section,
        cast(-1 as bigint) as lead_agency_key,
        'UNKNOWN' as lead_agency_code

),

final as (

    select * from catalog_indicators
    union all
    select * from unknown_member

)

select * from final
