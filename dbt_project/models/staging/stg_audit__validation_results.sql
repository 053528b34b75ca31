-- One row per check run on a submission, passed or failed.

with

source as (

    select * from {{ source('audit', 'validation_results') }}

),

renamed as (

    select
        submission_id,
        suite_name,
        expectation,
        column_name,
        severity,
        success as is_success,
        unexpected_count,
        details,
        validated_at

    from source

)

select * from renamed
