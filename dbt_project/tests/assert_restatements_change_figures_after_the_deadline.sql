-- Every row of mart_restatements is a change made after the deadline: the new
-- version was received at or after the deadline plus grace days (or while the
-- month was closed), comes after the old one, and the value differs.

select
    restatement_key,
    plan_code,
    agency_code,
    period,
    item_code,
    measure,
    old_submission_id,
    new_submission_id,
    old_version,
    new_version,
    old_value_text,
    new_value_text,
    new_received_at,
    on_time_before_at,
    is_restatement

from {{ ref('mart_restatements') }}
where
    not (new_received_at >= on_time_before_at or is_restatement)
    or old_submission_id = new_submission_id
    or new_version <= old_version
    or new_received_at < old_received_at
    or old_value_text is not distinct from new_value_text
