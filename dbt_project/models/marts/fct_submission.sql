-- One row per agency × month × template that the agency owes
-- (int_submissions_expected), with what was received for it, for the months of
-- the plan year up to the reporting horizon: the latest month for which any
-- agency's submission passed validation. A month inside the horizon in which an
-- agency sent nothing still has its rows (missing); months after the horizon
-- have none yet, so an empty warehouse gives an empty fct_submission and a
-- replay of past months does not count the rest of the year as missing.
--
-- Outcome (compliance_status), exactly one per row:
--   on_time      an accepted version exists and the first accepted version was
--                received before the deadline (+ grace days);
--   late         an accepted version exists, first accepted after the deadline;
--   rejected     something was sent but every version was rejected;
--   missing      nothing was sent and the deadline (+ grace) has passed;
--   not_yet_due  nothing was sent and the deadline has not passed yet.
-- "Now" is the time of the dbt build (status_as_of_at).
-- A correction sent after the deadline does not make an on-time month late:
-- timeliness is judged on the first accepted version.

with

expected as (

    select * from {{ ref('int_submissions_expected') }}

),

submissions as (

    select * from {{ ref('int_submissions_versioned') }}

),

validation_results as (

    select * from {{ ref('stg_audit__validation_results') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

reporting_horizon as (

    select max(month_key) as last_month_key
    from submissions
    where is_ever_accepted

),

expected_so_far as (

    select expected.*
    from expected
    inner join reporting_horizon
        on expected.month_key <= reporting_horizon.last_month_key

),

received_summary as (

    select
        agency_code,
        period,
        template,
        count(*) filter (where not is_duplicate) as attempt_count,
        count(*) filter (where is_ever_accepted) as version_count,
        count(*) filter (where is_rejected) as rejected_count,
        count(*) filter (where is_duplicate) as duplicate_count,
        min(received_at) filter (where not is_duplicate) as first_received_at,
        min(received_at) filter (where is_ever_accepted) as first_accepted_at,
        max(received_at) filter (where not is_duplicate) as last_received_at

    from submissions
    group by agency_code, period, template

),

latest_attempt as (

    select distinct on (agency_code, period, template)
        agency_code,
        period,
        template,
        submission_id as latest_attempt_submission_id,
        submission_status as latest_status

    from submissions
    where not is_duplicate
    order by agency_code, period, template, received_at desc, submission_id desc

),

latest_accepted as (

    select
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
    where not is_success
    group by submission_id

),

joined as (

    select
        expected_so_far.agency_code,
        expected_so_far.month_key,
        expected_so_far.period,
        expected_so_far.template,
        expected_so_far.led_item_count,
        expected_so_far.deadline_at,
        expected_so_far.on_time_before_at,
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
        latest_accepted.submission_id is not null as is_received,
        now() >= expected_so_far.on_time_before_at as is_due

    from expected_so_far
    left join received_summary
        on expected_so_far.agency_code = received_summary.agency_code
        and expected_so_far.period = received_summary.period
        and expected_so_far.template = received_summary.template
    left join latest_attempt
        on expected_so_far.agency_code = latest_attempt.agency_code
        and expected_so_far.period = latest_attempt.period
        and expected_so_far.template = latest_attempt.template
    left join latest_accepted
        on expected_so_far.agency_code = latest_accepted.agency_code
        and expected_so_far.period = latest_accepted.period
        and expected_so_far.template = latest_accepted.template

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
        end as compliance_status

    from joined

),

final as (

    select
        {{ surrogate_key(['classified.agency_code', 'classified.month_key', 'classified.template']) }} as submission_key,
        coalesce(agencies.agency_key, -1) as agency_key,
        classified.month_key,
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
                then cast(floor(
                    extract(epoch from classified.first_accepted_at - classified.on_time_before_at) / 86400
                ) as integer) + 1
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
        coalesce(failed_checks.failed_warn_check_count, 0) as failed_warn_check_count,
        coalesce(latest_attempt_checks.failed_block_check_count, 0) as latest_attempt_failed_block_check_count,
        now() as status_as_of_at

    from classified
    left join agencies
        on classified.agency_code = agencies.agency_code
    left join failed_checks
        on classified.submission_id = failed_checks.submission_id
    left join failed_checks as latest_attempt_checks
        on classified.latest_attempt_submission_id = latest_attempt_checks.submission_id

)

select * from final
