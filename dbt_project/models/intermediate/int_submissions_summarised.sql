-- One row per plan × agency × period × template for which anything was sent:
-- how many attempts, versions, rejections and duplicates, when the first
-- attempt, the first accepted version and the last attempt arrived, the latest
-- attempt and its status, the latest accepted version (the one the marts use)
-- and the failed checks of both. fct_submission judges compliance from it.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

submissions as (

    select * from {{ ref('int_submissions_versioned') }}
    where {{ in_slices() }}

),

validation_results as (

    select * from {{ ref('stg_audit__validation_results') }}

),

received_summary as (

    select
        plan_code,
        agency_code,
        period,
        template,
        min(month_key) as month_key,
        count(*) filter (where not is_duplicate) as attempt_count,
        count(*) filter (where is_ever_accepted) as version_count,
        count(*) filter (where is_rejected) as rejected_count,
        count(*) filter (where is_duplicate) as duplicate_count,
        min(received_at) filter (where not is_duplicate) as first_received_at,
        min(received_at) filter (where is_ever_accepted) as first_accepted_at,
        max(received_at) filter (where not is_duplicate) as last_received_at

    from submissions
    group by plan_code, agency_code, period, template

),

latest_attempt as (

    select distinct on (plan_code, agency_code, period, template)
        plan_code,
        agency_code,
        period,
        template,
        submission_id as latest_attempt_submission_id,
        submission_status as latest_status

    from submissions
    where not is_duplicate
    order by plan_code asc, agency_code asc, period asc, template asc, received_at desc, submission_id desc

),

latest_accepted as (

    select
        plan_code,
        agency_code,
        period,
        template,
        submission_id,
        version,
        submission_status as accepted_status,
        row_count

    from submissions
    where is_latest_accepted

),

failed_checks as (

    select
        submission_id,
        count(*) filter (where severity = 'block') as failed_block_check_count,
        count(*) filter (where severity = 'warn') as failed_warn_check_count

    from validation_results
    where
        not is_success
        and submission_id in (select submissions.submission_id from submissions)
    group by submission_id

),

final as (

    select
        received_summary.plan_code,
        received_summary.agency_code,
        received_summary.period,
        received_summary.month_key,
        received_summary.template,
        received_summary.attempt_count,
        received_summary.version_count,
        received_summary.rejected_count,
        received_summary.duplicate_count,
        received_summary.first_received_at,
        received_summary.first_accepted_at,
        received_summary.last_received_at,
        latest_attempt.latest_attempt_submission_id,
        latest_attempt.latest_status,
        latest_accepted.submission_id,
        latest_accepted.version,
        latest_accepted.accepted_status,
        latest_accepted.row_count,
        coalesce(accepted_checks.failed_warn_check_count, 0) as failed_warn_check_count,
        coalesce(latest_attempt_checks.failed_block_check_count, 0) as latest_attempt_failed_block_check_count

    from received_summary
    left join latest_attempt
        on received_summary.plan_code = latest_attempt.plan_code
        and received_summary.agency_code = latest_attempt.agency_code
        and received_summary.period = latest_attempt.period
        and received_summary.template = latest_attempt.template
    left join latest_accepted
        on received_summary.plan_code = latest_accepted.plan_code
        and received_summary.agency_code = latest_accepted.agency_code
        and received_summary.period = latest_accepted.period
        and received_summary.template = latest_accepted.template
    left join failed_checks as accepted_checks
        on latest_accepted.submission_id = accepted_checks.submission_id
    left join failed_checks as latest_attempt_checks
        on latest_attempt.latest_attempt_submission_id = latest_attempt_checks.submission_id

)

select * from final
