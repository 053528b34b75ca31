-- One row per plan × agency (codes are unique only within a plan: the same
-- code in two plans is two agencies), plus the unknown member (agency_key -1)
-- that facts point to when a submission names an agency not in its plan.

with

agencies as (

    select * from {{ ref('stg_plan__agencies') }}

),

districts as (

    select * from {{ ref('stg_plan__districts') }}

),

plans as (

    select * from {{ ref('stg_plan__plans') }}

),

agency_items as (

    select * from {{ ref('int_agency_items_counted') }}

),

catalog_agencies as (

    select
        {{ surrogate_key(['agencies.plan_code', 'agencies.agency_code']) }} as agency_key,
        {{ surrogate_key(['agencies.plan_code']) }} as plan_key,
        agencies.plan_code,
        plans.issuer_code,
        agencies.agency_code,
        agencies.agency_name_vi,
        agencies.agency_short_name_vi,
        agencies.agency_kind,
        agencies.agency_role,
        agencies.plan_section,
        agencies.district_code,
        districts.district_name_vi,
        agencies.contact_name,
        agencies.contact_email,
        agencies.contact_phone,
        agency_items.led_task_count,
        agency_items.led_indicator_count,
        agency_items.led_project_count,
        agency_items.led_public_project_count,
        agency_items.is_reporting_agency

    from agencies
    inner join plans
        on agencies.plan_code = plans.plan_code
    inner join agency_items
        on agencies.plan_code = agency_items.plan_code
        and agencies.agency_code = agency_items.agency_code
    left join districts
        on agencies.plan_code = districts.plan_code
        and agencies.district_code = districts.district_code

),

final as (

    select {{ dimension_columns() }}
    from catalog_agencies

    union all

    {{ unknown_member({'district_code': 'null', 'district_name_vi': 'null'}) }}

)

select * from final
