-- One row per plan × project of the plan catalog; only public-investment
-- projects (funding public) report disbursement.

with

source as (

    select * from {{ source('catalog', 'plan_projects') }}

),

renamed as (

    select
        {{ clean_code('plan_code') }} as plan_code,
        {{ clean_code('project_code') }} as project_code,
        name_vi as project_name_vi,
        {{ clean_code('lead_agency_code') }} as lead_agency_code,
        coalesce(is_key_project, false) as is_key_project,
        funding,
        funding = 'public' as is_public_investment,
        section as plan_section,
        {{ clean_code('district_code') }} as district_code

    from source

)

select * from renamed
