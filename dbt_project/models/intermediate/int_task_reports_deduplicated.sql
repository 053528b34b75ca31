-- One row per plan × agency × period × task_code: the task rows of the latest accepted
-- `tasks` submission of each plan, agency and period. When a code appears twice in
-- that submission, the row further down the sheet (highest source_row) wins,
-- as a clerk's later line is taken to correct an earlier one.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

latest_rows as (

    {{ latest_accepted_rows('stg_raw__tasks', 'tasks', ['task_code']) }}

),

final as (

    select
        plan_code,
        agency_code,
        period,
        month_key,
        task_code,
        submission_id,
        source_row,
        received_at,
        row_label,
        reported_description_vi,
        task_status,
        status_text,
        percent_complete,
        completed_date,
        result_text,
        issues_text,
        proposals_text

    from latest_rows

)

select * from final
