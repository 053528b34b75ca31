-- One row per plan × project, plus the unknown member (project_key -1).
-- Public-investment projects (funding public) report disbursement; private
-- investors' projects are followed but owe no disbursement sheet.

with

projects as (

    select * from {{ ref('stg_plan__projects') }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

districts as (

    select * from {{ ref('stg_plan__districts') }}

),

catalog_projects as (

    select
        {{ surrogate_key(['projects.plan_code', 'projects.project_code']) }} as project_key,
        coalesce(plans.plan_key, -1) as plan_key,
        projects.plan_code,
        projects.project_code,
        projects.project_name_vi,
        projects.funding,
        projects.is_public_investment,
        projects.is_key_project,
        projects.plan_section,
        projects.district_code,
        districts.district_name_vi,
        coalesce(agencies.agency_key, -1) as lead_agency_key,
        projects.lead_agency_code

    from projects
    left join plans
        on projects.plan_code = plans.plan_code
    left join agencies
        on projects.plan_code = agencies.plan_code
        and projects.lead_agency_code = agencies.agency_code
    left join districts
        on projects.plan_code = districts.plan_code
        and projects.district_code = districts.district_code

),

final as (

    select {{ dimension_columns() }}
    from catalog_projects

    union all

    {{ unknown_member({'district_code': 'null', 'district_name_vi': 'null'}) }}

)

select * from final
