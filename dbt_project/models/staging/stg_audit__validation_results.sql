-- One row per check run on a submission, passed or failed. The rule's code
-- (vocab_rules) and the number of rows checked are read from details.

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
        cast(details ->> 'element_count' as integer) as checked_row_count,
        details,
        validated_at,
        details ->> 'code' as rule_code

    from source

)

select * from renamed
