-- One row per plan × agency × period × indicator_code: the indicator rows of the latest
-- accepted `indicators` submission of each plan, agency and period. When a code
-- appears twice in that submission, the highest source_row wins.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

latest_rows as (

    {{ latest_accepted_rows('stg_raw__indicators', 'indicators', ['indicator_code']) }}

),

final as (

    select
        plan_code,
        agency_code,
        period,
        month_key,
        indicator_code,
        submission_id,
        source_row,
        received_at,
        row_label,
        reported_name_vi,
        reported_unit,
        reported_target_text,
        reported_target_low,
        reported_target_high,
        month_value,
        ytd_value,
        same_period_last_year_value,
        full_year_estimate,
        data_status,
        source_text,
        note

    from latest_rows

)

select * from final
