-- One row per plan × indicator (chỉ tiêu) of the plan catalog, with its target.

with

source as (

    select * from {{ source('catalog', 'plan_indicators') }}

),

renamed as (

    select
        {{ clean_code('plan_code') }} as plan_code,
        {{ clean_code('indicator_code') }} as indicator_code,
        name_vi as indicator_name_vi,
        unit,
        target_low,
        target_high,
        target_tolerance,
        direction,
        {{ clean_code('lead_agency_code') }} as lead_agency_code,
        section as plan_section,
        target_text

    from source

)

select * from renamed
