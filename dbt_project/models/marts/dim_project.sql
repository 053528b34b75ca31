-- One row per public-investment project of the plan, plus the unknown member
-- (project_key -1).

with

projects as (

    select * from {{ ref('stg_plan__projects') }}

),

agencies as (

    select * from {{ ref('stg_plan__agencies') }}

),

districts as (

    select * from {{ ref('stg_plan__districts') }}

),

catalog_projects as (

    select
        {{ surrogate_key(['projects.project_code']) }} as project_key,
        projects.project_code,
        projects.project_name_vi,
        projects.is_key_project,
        projects.plan_section,
        projects.district_code,
        districts.district_name_vi,
        case
            when agencies.agency_code is null then cast(-1 as bigint)
            else {{ surrogate_key(['agencies.agency_code']) }}
        end as lead_agency_key,
        projects.lead_agency_code

    from projects
    left join agencies
        on projects.lead_agency_code = agencies.agency_code
    left join districts
        on projects.district_code = districts.district_code

),

unknown_member as (

    select
        cast(-1 as bigint) as project_key,
        'UNKNOWN' as project_code,
        'Không xác định' as project_name_vi,
        false as is_key_project,
        cast(null as text) as plan_section,
        cast(null as text) as district_code,
        cast(null as text) as district_name_vi,
        cast(-1 as bigint) as lead_agency_key,
        'UNKNOWN' as lead_agency_code

),

final as (

    select * from catalog_projects
    union all
    select * from unknown_member

)

select * from final
