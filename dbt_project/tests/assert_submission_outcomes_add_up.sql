-- Each owed agency × month × template has exactly one outcome, so per agency
-- the outcome counts add up to what was owed, and the on-time rate is a rate.

select
    plan_code,
    agency_code,
    expected_count,
    assessed_count,
    received_count,
    on_time_count,
    late_count,
    rejected_count,
    missing_count,
    not_yet_due_count,
    on_time_rate

from {{ ref('mart_submission_compliance') }}
where
    on_time_count + late_count + rejected_count + missing_count + not_yet_due_count <> expected_count
    or received_count <> on_time_count + late_count
    or on_time_rate < 0
    or on_time_rate > 1
