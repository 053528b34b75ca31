-- One row per figure a version changed: a version that passed validation,
-- after the first of its plan × agency × period × template, whose value of a
-- compared measure (macros/compared_measures.sql) for an item (task,
-- indicator, or project × capital source) differs from the version before it
-- (int_submissions_versioned.previous_accepted_submission_id). A line the
-- later version adds or leaves out is a change from or to null.
-- mart_restatements keeps the changes made after the deadline.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

versions as (

    select * from {{ ref('int_submissions_versioned') }}
    where {{ in_slices() }}

),

report_values as (

    select * from {{ ref('int_report_values_unpivoted') }}
    where {{ in_slices() }}

),

later_versions as (

    select
        plan_code,
        month_key,
        submission_id,
        previous_accepted_submission_id

    from versions
    where previous_accepted_submission_id is not null

),

new_values as (

    select
        report_values.*,
        later_versions.submission_id as later_submission_id

    from report_values
    inner join later_versions
        on report_values.submission_id = later_versions.submission_id

),

old_values as (

    select
        report_values.*,
        later_versions.submission_id as later_submission_id

    from report_values
    inner join later_versions
        on report_values.submission_id = later_versions.previous_accepted_submission_id

),

changed as (

    -- Full join: an item × measure present in either version (capital_source
    -- is null outside disbursement, so it is compared through coalesce).
    select
        old_values.value_text as old_value_text,
        new_values.value_text as new_value_text,
        old_values.value_number as old_value,
        new_values.value_number as new_value,
        old_values.source_row as old_source_row,
        new_values.source_row as new_source_row,
        coalesce(new_values.later_submission_id, old_values.later_submission_id) as new_submission_id,
        coalesce(new_values.template, old_values.template) as template,
        coalesce(new_values.item_code, old_values.item_code) as item_code,
        coalesce(new_values.capital_source, old_values.capital_source) as capital_source,
        coalesce(new_values.measure, old_values.measure) as measure

    from new_values
    full outer join old_values
        on new_values.later_submission_id = old_values.later_submission_id
        and new_values.item_code = old_values.item_code
        and coalesce(new_values.capital_source, '') = coalesce(old_values.capital_source, '')
        and new_values.measure = old_values.measure
    where new_values.value_text is distinct from old_values.value_text

),

final as (

    select
        later_versions.plan_code,
        later_versions.month_key,
        changed.new_submission_id,
        later_versions.previous_accepted_submission_id as old_submission_id,
        changed.template,
        changed.item_code,
        changed.capital_source,
        changed.measure,
        changed.old_value_text,
        changed.new_value_text,
        changed.old_value,
        changed.new_value,
        changed.old_source_row,
        changed.new_source_row

    from changed
    inner join later_versions
        on changed.new_submission_id = later_versions.submission_id

)

select * from final
