-- One row per agency of the plan catalog.

with

source as (

    select * from {{ ref('plan_agencies') }}

),

renamed as (

    select
        {{ clean_code('agency_code') }} as agency_code,
        name_vi as agency_name_vi,
        coalesce(short_name_vi, name_vi) as agency_short_name_vi,
        kind as agency_kind,
        section as plan_section,
        {{ clean_code('district_code') }} as district_code

    from source

)

select * from renamed
