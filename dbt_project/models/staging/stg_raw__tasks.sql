-- One row per task row read from a `Nhiệm vụ` sheet, as loaded.

with

source as (

    select * from {{ source('raw', 'tasks') }}

),

renamed as (

    select
        submission_id,
        source_row,
        row_label,
        {{ clean_code('task_code') }} as task_code,
        description_vi as reported_description_vi,
        status as task_status,
        status_text,
        percent_complete,
        completed_date,
        result_text,
        issues_text,
        proposals_text,
        extra as extra_columns

    from source

)

select * from renamed
