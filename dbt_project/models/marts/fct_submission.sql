-- One row per plan × agency × month × template that the agency owes
-- (int_submissions_expected), with what was received for it
-- (int_submissions_summarised), for the months of the plan's year up to the
-- plan's reporting horizon: the latest month for which any agency's submission
-- to that plan passed validation. A month inside the horizon in which an agency
-- sent nothing still has its rows (missing); months after the horizon have none
-- yet, so a plan with nothing accepted has no rows and a replay of past months
-- does not count the rest of the year as missing. Each plan has its own horizon.
--
-- The status of each row is int_submissions_classified's (the rule, and "now",
-- are written there).

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

classified as (

    select * from {{ ref('int_submissions_classified') }}
    where {{ in_slices() }}

),

received as (

    select * from {{ ref('int_submissions_summarised') }}
    where {{ in_slices() }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

reporting_horizon as (

    select
        plan_code,
        max(month_key) as last_month_key

    from received
    where version_count > 0
    group by plan_code

),

within_horizon as (

    select classified.*

    from classified
    inner join reporting_horizon
        on classified.plan_code = reporting_horizon.plan_code
        and classified.month_key <= reporting_horizon.last_month_key

),

final as (

    select
        {{ surrogate_key([
            'classified.plan_code', 'classified.agency_code', 'classified.month_key', 'classified.template'
        ]) }} as submission_key,
        coalesce(plans.plan_key, -1) as plan_key,
        coalesce(agencies.agency_key, -1) as agency_key,
        classified.month_key,
        classified.plan_code,
        classified.agency_code,
        classified.period,
        classified.template,
        classified.led_item_count,
        classified.compliance_status,
        classified.is_received,
        classified.compliance_status = 'on_time' as is_on_time,
        classified.compliance_status = 'late' as is_late,
        classified.compliance_status = 'missing' as is_missing,
        classified.compliance_status = 'rejected' as is_rejected,
        classified.is_due,
        classified.is_assessed,
        -- Agency-facing time: deadline and arrival shown as instants (timestamptz).
        classified.deadline_at,
        classified.on_time_before_at,
        classified.first_received_at,
        classified.first_accepted_at,
        classified.last_received_at,
        -- Days late, counting the day the deadline falls on as day 1: with the
        -- default deadline (00:00 on the 20th), arriving on the 20th is 1 day
        -- late, on the 22nd 3 days.
        case
            when classified.compliance_status = 'late'
                then 1 + cast(floor(classified.seconds_after_deadline / 86400) as integer)
        end as days_late,
        coalesce(classified.attempt_count, 0) as attempt_count,
        coalesce(classified.version_count, 0) as version_count,
        coalesce(classified.rejected_count, 0) as rejected_count,
        coalesce(classified.duplicate_count, 0) as duplicate_count,
        classified.latest_status,
        classified.latest_attempt_submission_id,
        -- The accepted version the marts use (null when none).
        classified.submission_id,
        classified.version,
        classified.accepted_status,
        classified.row_count,
        coalesce(classified.failed_warn_check_count, 0) as failed_warn_check_count,
        coalesce(classified.latest_attempt_failed_block_check_count, 0) as latest_attempt_failed_block_check_count,
        classified.status_as_of_at

    from within_horizon as classified
    left join plans
        on classified.plan_code = plans.plan_code
    left join agencies
        on classified.plan_code = agencies.plan_code
        and classified.agency_code = agencies.agency_code

)

select * from final
