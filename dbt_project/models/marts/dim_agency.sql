-- One row per agency of the plan, plus the unknown member (agency_key -1) that
-- facts point to when a submission names an agency not in the catalog.

with

agencies as (

    select * from {{ ref('stg_plan__agencies') }}

),

districts as (

    select * from {{ ref('stg_plan__districts') }}

),

tasks as (

    select * from {{ ref('stg_plan__tasks') }}

),

indicators as (

    select * from {{ ref('stg_plan__indicators') }}

),

projects as (

    select * from {{ ref('stg_plan__projects') }}

),

led_tasks as (

    select lead_agency_code as agency_code, count(*) as led_task_count
    from tasks
    group by lead_agency_code

),

led_indicators as (

    select lead_agency_code as agency_code, count(*) as led_indicator_count
    from indicators
    group by lead_agency_code

),

led_projects as (

    select lead_agency_code as agency_code, count(*) as led_project_count
    from projects
    group by lead_agency_code

),

catalog_agencies as (

    select
        {{ surrogate_key(['agencies.agency_code']) }} as agency_key,
        agencies.agency_code,
        agencies.agency_name_vi,
        agencies.agency_short_name_vi,
        agencies.agency_kind,
        agencies.plan_section,
        agencies.district_code,
        districts.district_name_vi,
        coalesce(led_tasks.led_task_count, 0) as led_task_count,
        coalesce(led_indicators.led_indicator_count, 0) as led_indicator_count,
        coalesce(led_projects.led_project_count, 0) as led_project_count

    from agencies
    left join districts
        on agencies.district_code = districts.district_code
    left join led_tasks
        on agencies.agency_code = led_tasks.agency_code
    left join led_indicators
        on agencies.agency_code = led_indicators.agency_code
    left join led_projects
        on agencies.agency_code = led_projects.agency_code

),

unknown_member as (

    select
        cast(-1 as bigint) as agency_key,
        'UNKNOWN' as agency_code,
        'Không xác định' as agency_name_vi,
        'Không xác định' as agency_short_name_vi,
        cast(null as text) as agency_kind,
        cast(null as text) as plan_section,
        cast(null as text) as district_code,
        cast(null as text) as district_name_vi,
        cast(0 as bigint) as led_task_count,
        cast(0 as bigint) as led_indicator_count,
        cast(0 as bigint) as led_project_count

),

final as (

    select * from catalog_agencies
    union all
    select * from unknown_member

)

select * from final
