-- One row per plan × district (huyện, thị xã, thành phố) of the plan catalog.

with

source as (

    select * from {{ source('catalog', 'plan_districts') }}

),

renamed as (

    select
        {{ clean_code('plan_code') }} as plan_code,
        {{ clean_code('district_code') }} as district_code,
        name_vi as district_name_vi,
        kind as district_kind,
        {{ clean_code('agency_code') }} as agency_code,
        section as plan_section

    from source

)

select * from renamed
