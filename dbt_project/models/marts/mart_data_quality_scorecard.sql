-- One row per plan × agency × month of the plan's year for which the agency
-- sent anything: how its submissions fared. Submissions are counted per file ×
-- template, as audit.submissions holds them; checks per rule × submission in
-- fct_data_quality (every expectation run, and each parser or catalog rule
-- that found a problem); problems per row of fct_data_quality that failed.
-- Resubmissions are versions after the first (version > 1). The time from a
-- rejection to the accepted resubmission that followed it is measured per
-- rejected submission, to the first submission of the same plan × agency ×
-- period (× template, when the rejected one names its template) that passed
-- validation and was received after it; a rejection not followed by one yet
-- is unresolved.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

submissions as (

    select * from {{ ref('stg_audit__submissions') }}
    where
        plan_code is not null
        and agency_code is not null
        and period is not null
        and {{ in_slices() }}

),

versions as (

    select * from {{ ref('int_submissions_versioned') }}
    where {{ in_slices() }}

),

quality as (

    select * from {{ ref('fct_data_quality') }}
    where {{ in_slices() }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

months as (

    select * from {{ ref('dim_month') }}

),

received as (

    select
        plan_code,
        agency_code,
        month_key,
        count(*) filter (where not is_duplicate) as submission_count,
        count(*) filter (where is_duplicate) as duplicate_count,
        count(*) filter (where is_rejected) as rejected_count,
        count(*) filter (where not is_duplicate and version > 1) as resubmission_count,
        count(*) filter (where is_restatement) as restatement_count

    from submissions
    group by plan_code, agency_code, month_key

),

checks_run as (

    -- One row per rule × submission: a check, failed when any of its rows failed.
    select
        plan_code,
        agency_code,
        month_key,
        submission_id,
        rule_code,
        severity,
        bool_or(is_failed) as is_failed,
        count(*) filter (where is_failed) as problem_count

    from quality
    where plan_code is not null
    group by plan_code, agency_code, month_key, submission_id, rule_code, severity

),

checked as (

    select
        plan_code,
        agency_code,
        month_key,
        count(*) as check_count,
        count(*) filter (where is_failed) as failed_check_count,
        count(*) filter (where is_failed and severity = 'block') as blocking_failure_count,
        count(*) filter (where is_failed and severity = 'warn') as warning_count,
        sum(problem_count) as problem_count

    from checks_run
    group by plan_code, agency_code, month_key

),

recoveries as (

    -- Each rejected submission and the first version received after it that
    -- passed validation.
    select
        rejected.plan_code,
        rejected.agency_code,
        rejected.month_key,
        rejected.submission_id,
        extract(epoch from min(accepted.received_at) - rejected.received_at) / 3600 as hours_to_accepted

    from submissions as rejected
    left join versions as accepted
        on rejected.plan_code = accepted.plan_code
        and rejected.agency_code = accepted.agency_code
        and rejected.period = accepted.period
        and (rejected.template is null or rejected.template = accepted.template)
        and accepted.is_ever_accepted
        and rejected.received_at < accepted.received_at
    where rejected.is_rejected
    group by rejected.plan_code, rejected.agency_code, rejected.month_key, rejected.submission_id, rejected.received_at

),

recovered as (

    select
        plan_code,
        agency_code,
        month_key,
        count(hours_to_accepted) as resolved_rejection_count,
        count(*) - count(hours_to_accepted) as unresolved_rejection_count,
        round(cast(avg(hours_to_accepted) as numeric), 2) as mean_hours_to_accepted_resubmission,
        round(cast(max(hours_to_accepted) as numeric), 2) as max_hours_to_accepted_resubmission

    from recoveries
    group by plan_code, agency_code, month_key

),

final as (

    select
        {{ surrogate_key(['received.plan_code', 'received.agency_code', 'received.month_key']) }}
            as data_quality_scorecard_key,
        plans.plan_key,
        coalesce(agencies.agency_key, -1) as agency_key,
        months.month_key,
        received.plan_code,
        received.agency_code,
        months.period,
        received.submission_count,
        received.duplicate_count,
        received.rejected_count,
        received.resubmission_count,
        received.restatement_count,
        coalesce(checked.check_count, 0) as check_count,
        coalesce(checked.failed_check_count, 0) as failed_check_count,
        coalesce(checked.blocking_failure_count, 0) as blocking_failure_count,
        coalesce(checked.warning_count, 0) as warning_count,
        cast(coalesce(checked.problem_count, 0) as bigint) as problem_count,
        coalesce(recovered.resolved_rejection_count, 0) as resolved_rejection_count,
        coalesce(recovered.unresolved_rejection_count, 0) as unresolved_rejection_count,
        recovered.mean_hours_to_accepted_resubmission,
        recovered.max_hours_to_accepted_resubmission

    from received
    inner join plans
        on received.plan_code = plans.plan_code
    inner join months
        on received.month_key = months.month_key
        and plans.plan_year = months.year
    left join agencies
        on received.plan_code = agencies.plan_code
        and received.agency_code = agencies.agency_code
    left join checked
        on received.plan_code = checked.plan_code
        and received.agency_code = checked.agency_code
        and received.month_key = checked.month_key
    left join recovered
        on received.plan_code = recovered.plan_code
        and received.agency_code = recovered.agency_code
        and received.month_key = recovered.month_key

)

select * from final
