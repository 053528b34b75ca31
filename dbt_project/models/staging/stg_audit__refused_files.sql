-- One row per file refused before it was read: above the size limit, never
-- opened, hashed or copied (audit.refused_files).

with

source as (

    select * from {{ source('audit', 'refused_files') }}

),

renamed as (

    select
        refusal_id,
        inbox_path,
        file_name,
        file_size,
        {{ clean_code('agency_code') }} as agency_code,
        period,
        cast(replace(period, '-', '') as integer) as month_key,
        received_at,
        file_modified_at,
        reasons,
        receipt_path,
        refused_at

    from source

)

select * from renamed
