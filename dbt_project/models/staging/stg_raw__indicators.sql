-- One row per indicator row read from a `Chỉ tiêu` sheet, as loaded.

with

source as (

    select * from {{ source('raw', 'indicators') }}

),

renamed as (

    select
        submission_id,
        source_row,
        row_label,
        {{ clean_code('indicator_code') }} as indicator_code,
        name_vi as reported_name_vi,
        unit as reported_unit,
        annual_target_text as reported_target_text,
        annual_target_low as reported_target_low,
        annual_target_high as reported_target_high,
        month_value,
        ytd_value,
        same_period_last_year as same_period_last_year_value,
        full_year_estimate,
        data_status,
        source_text,
        note,
        extra as extra_columns

    from source

)

select * from renamed
