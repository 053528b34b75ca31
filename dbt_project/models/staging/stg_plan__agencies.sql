-- One row per plan × agency of the plan catalog, with its role in the plan and
-- its focal point for the monthly report.

with

source as (

    select * from {{ source('catalog', 'plan_agencies') }}

),

renamed as (

    select
        {{ clean_code('plan_code') }} as plan_code,
        {{ clean_code('agency_code') }} as agency_code,
        name_vi as agency_name_vi,
        coalesce(short_name_vi, name_vi) as agency_short_name_vi,
        kind as agency_kind,
        role as agency_role,
        section as plan_section,
        {{ clean_code('district_code') }} as district_code,
        contact_name,
        contact_email,
        contact_phone

    from source

)

select * from renamed
