-- One row per distinct file received (by content) and where it is archived.

with

source as (

    select * from {{ source('audit', 'files') }}

),

renamed as (

    select
        file_sha256,
        file_name as first_file_name,
        file_size,
        archive_path,
        first_seen_at

    from source

)

select * from renamed
