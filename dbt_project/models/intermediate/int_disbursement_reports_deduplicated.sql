-- One row per plan × agency × period × project_code × capital_source: the rows of the
-- latest accepted `disbursement` submission of each plan, agency and period.
-- A project is reported on one line per capital source (NSTW, NSĐP, ODA, ...),
-- so the "code" that must not repeat is project_code + capital_source; when it
-- does repeat in one submission, the highest source_row wins.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

latest_rows as (

    {{ latest_accepted_rows('stg_raw__disbursements', 'disbursement', ['project_code', 'capital_source']) }}

),

final as (

    select
        plan_code,
        agency_code,
        period,
        month_key,
        project_code,
        capital_source,
        capital_source_code,
        submission_id,
        source_row,
        received_at,
        row_label,
        reported_name_vi,
        investor,
        annual_plan_vnd,
        carried_over_plan_vnd,
        month_disbursed_vnd,
        ytd_disbursed_vnd,
        reported_rate,
        issues_text

    from latest_rows

)

select * from final
