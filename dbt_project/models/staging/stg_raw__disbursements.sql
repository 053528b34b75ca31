-- One row per project × capital source row read from a `Giải ngân` sheet.
-- Money is exact VND (the loader converts million/billion VND headers).

with

source as (

    select * from {{ source('raw', 'disbursement') }}

),

renamed as (

    select
        submission_id,
        source_row,
        row_label,
        {{ clean_code('project_code') }} as project_code,
        name_vi as reported_name_vi,
        investor,
        trim(capital_source) as capital_source,
        {{ clean_code('capital_source_code') }} as capital_source_code,
        annual_plan_vnd,
        carried_over_plan_vnd,
        month_disbursed_vnd,
        ytd_disbursed_vnd,
        reported_rate,
        issues_text,
        extra as extra_columns

    from source

)

select * from renamed
