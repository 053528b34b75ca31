-- One row per action plan the warehouse follows (catalog.plans): its issuer, year
-- and issuing decision. The plan year's months are its reporting periods.

with

source as (

    select * from {{ source('catalog', 'plans') }}

),

renamed as (

    select
        {{ clean_code('plan_code') }} as plan_code,
        {{ clean_code('issuer_code') }} as issuer_code,
        issuer_name_vi,
        issuer_kind,
        year as plan_year,
        decision_number,
        decision_date,
        title_vi as plan_title_vi,
        basis_vi,
        {{ clean_code('monitoring_agency_code') }} as monitoring_agency_code,
        source_document

    from source

)

select * from renamed
