-- One row per submission that names its plan, agency, period and template, with
-- its place among the versions sent for that plan × agency × period × template.
--
-- The version that feeds the marts is the latest *accepted* one: status
-- accepted or accepted_with_warnings, highest version (then latest received).
-- The loader also marks older versions 'superseded', but the ranking here does
-- not depend on that marking being complete or in step.
--
-- The version known at the deadline is the newest version that passed
-- validation (accepted, accepted_with_warnings or superseded since) received
-- before the month's deadline plus grace days (int_months_spined, the instant
-- fct_submission judges timeliness by); a restatement (received while the
-- month was closed) never is. Every version that passed validation is
-- numbered in order (accepted_sequence) with the one before it, so that a
-- later version can be set beside the one it corrects.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

submissions as (

    select * from {{ ref('stg_audit__submissions') }}
    where {{ in_slices() }}

),

months as (

    select * from {{ ref('int_months_spined') }}

),

identified as (

    -- A file that could not be read at all may lack agency, period or template,
    -- and one whose plan could not be found lacks plan_code (it is always
    -- rejected); it stays in audit.submissions but cannot be placed in a month.
    select
        submissions.*,
        months.on_time_before_at,
        submissions.submission_status in ('accepted', 'accepted_with_warnings', 'superseded')
            as is_ever_accepted,
        coalesce(submissions.received_at < months.on_time_before_at, false) as is_received_on_time

    from submissions
    left join months
        on submissions.month_key = months.month_key
    where submissions.plan_code is not null
        and submissions.agency_code is not null
        and submissions.period is not null
        and submissions.template is not null

),

flagged as (

    select
        *,
        is_ever_accepted and is_received_on_time and not is_restatement as is_deadline_candidate

    from identified

),

ranked as (

    select
        *,
        row_number() over (
            partition by plan_code, agency_code, period, template, is_accepted
            order by version desc nulls last, received_at desc, submission_id desc
        ) as version_rank,
        row_number() over (
            partition by plan_code, agency_code, period, template, is_deadline_candidate
            order by version desc nulls last, received_at desc, submission_id desc
        ) as deadline_rank,
        row_number() over (
            partition by plan_code, agency_code, period, template, is_ever_accepted
            order by version asc nulls last, received_at asc, submission_id asc
        ) as ever_accepted_rank,
        lag(submission_id) over (
            partition by plan_code, agency_code, period, template, is_ever_accepted
            order by version asc nulls last, received_at asc, submission_id asc
        ) as previous_submission_id

    from flagged

),

deadline_versions as (

    select
        plan_code,
        agency_code,
        period,
        template,
        submission_id as deadline_submission_id

    from ranked
    where is_deadline_candidate
        and deadline_rank = 1

),

final as (

    select
        ranked.submission_id,
        ranked.plan_code,
        ranked.agency_code,
        ranked.period,
        ranked.month_key,
        ranked.template,
        ranked.received_at,
        ranked.processed_at,
        ranked.submission_status,
        ranked.version,
        ranked.row_count,
        ranked.file_name,
        ranked.file_sha256,
        ranked.sheet_name,
        ranked.reasons,
        ranked.is_accepted,
        ranked.is_rejected,
        ranked.is_duplicate,
        -- Accepted at some point: currently accepted or replaced by a newer version.
        ranked.is_ever_accepted,
        ranked.is_restatement,
        ranked.on_time_before_at,
        ranked.is_received_on_time,
        -- The same plan × agency × period × template's version known at the deadline.
        deadline_versions.deadline_submission_id,
        coalesce(ranked.is_accepted and ranked.version_rank = 1, false) as is_latest_accepted,
        case when ranked.is_accepted then ranked.version_rank end as accepted_version_rank,
        coalesce(ranked.is_deadline_candidate and ranked.deadline_rank = 1, false) as is_deadline_version,
        case when ranked.is_ever_accepted then ranked.ever_accepted_rank end as accepted_sequence,
        case when ranked.is_ever_accepted then ranked.previous_submission_id end as previous_accepted_submission_id

    from ranked
    left join deadline_versions
        on ranked.plan_code = deadline_versions.plan_code
        and ranked.agency_code = deadline_versions.agency_code
        and ranked.period = deadline_versions.period
        and ranked.template = deadline_versions.template

)

select * from final
