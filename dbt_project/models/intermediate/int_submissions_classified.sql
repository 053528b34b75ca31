-- One row per plan × agency × month × template that the agency owes
-- (int_submissions_expected), every month of the plan's year, with what was
-- received for it (int_submissions_summarised) and its compliance status: the
-- one place the rule is written. fct_submission keeps the months up to each
-- plan's reporting horizon; mart_submission_owed keeps them all, for the
-- deadline's notices (a month in which nothing was accepted yet).
--
-- Outcome (compliance_status), exactly one per row:
--   on_time      an accepted version exists and the first accepted version was
--                received before the deadline (+ grace days);
--   late         an accepted version exists, first accepted after the deadline;
--   rejected     something was sent but every version was rejected;
--   missing      nothing was sent and the deadline (+ grace) has passed;
--   not_yet_due  nothing was sent and the deadline has not passed yet.
-- "Now" is the build's as-of (macro status_as_of: the var as_of, else the
-- time the dbt run started), recorded as status_as_of_at.
-- A correction sent after the deadline does not make an on-time month late:
-- timeliness is judged on the first accepted version.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

expected as (

    select * from {{ ref('int_submissions_expected') }}
    where {{ in_slices() }}

),

received as (

    select * from {{ ref('int_submissions_summarised') }}
    where {{ in_slices() }}

),

joined as (

    select
        expected.plan_code,
        expected.agency_code,
        expected.month_key,
        expected.period,
        expected.template,
        expected.led_item_count,
        expected.deadline_at,
        expected.on_time_before_at,
        received.attempt_count,
        received.version_count,
        received.rejected_count,
        received.duplicate_count,
        received.first_received_at,
        received.first_accepted_at,
        received.last_received_at,
        received.latest_attempt_submission_id,
        received.latest_status,
        received.submission_id,
        received.version,
        received.accepted_status,
        received.row_count,
        received.failed_warn_check_count,
        received.latest_attempt_failed_block_check_count,
        received.submission_id is not null as is_received,
        {{ status_as_of() }} >= expected.on_time_before_at as is_due,
        {{ status_as_of() }} as status_as_of_at

    from expected
    left join received
        on expected.plan_code = received.plan_code
        and expected.agency_code = received.agency_code
        and expected.period = received.period
        and expected.template = received.template

),

classified as (

    select
        *,
        case
            when is_received and first_accepted_at < on_time_before_at then 'on_time'
            when is_received then 'late'
            when coalesce(rejected_count, 0) > 0 then 'rejected'
            when is_due then 'missing'
            else 'not_yet_due'
        end as compliance_status,
        -- Assessed: the outcome is known (the deadline + grace passed, or an
        -- accepted version arrived); an owed month not yet due and not yet sent
        -- does not count for or against the agency.
        is_due or is_received as is_assessed,
        extract(epoch from first_accepted_at - on_time_before_at) as seconds_after_deadline

    from joined

)

select * from classified
