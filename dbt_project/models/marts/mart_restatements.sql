-- One row per figure that changed after its month's deadline: a change
-- (int_report_values_changed: a version's value of a compared measure that
-- differs from the version before it) made by a version received at or after
-- the deadline plus grace days (int_submissions_versioned.on_time_before_at,
-- the instant fct_submission judges timeliness by) or while the month was
-- closed (a restatement). Per plan × agency × period × template × item (task,
-- indicator, or project × capital source) × measure × version. Corrections
-- received before the deadline are not listed: the deadline view has them.
-- The old value is the previous version's; the value known at the deadline is
-- beside it (the same when the previous version is the deadline version).

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

changes as (

    select * from {{ ref('int_report_values_changed') }}
    where {{ in_slices() }}

),

versions as (

    select * from {{ ref('int_submissions_versioned') }}
    where {{ in_slices() }}

),

report_values as (

    select * from {{ ref('int_report_values_unpivoted') }}
    where {{ in_slices() }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

tasks as (

    select * from {{ ref('dim_task') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

projects as (

    select * from {{ ref('dim_project') }}

),

after_deadline as (

    select
        changes.*,
        new_versions.agency_code,
        new_versions.period,
        new_versions.on_time_before_at,
        new_versions.is_restatement,
        new_versions.is_latest_accepted as is_latest,
        new_versions.deadline_submission_id,
        new_versions.version as new_version,
        new_versions.file_name as new_file_name,
        new_versions.file_sha256 as new_file_sha256,
        new_versions.received_at as new_received_at,
        old_versions.version as old_version,
        old_versions.file_name as old_file_name,
        old_versions.file_sha256 as old_file_sha256,
        old_versions.received_at as old_received_at,
        deadline_values.value_text as deadline_value_text,
        deadline_values.value_number as deadline_value

    from changes
    inner join versions as new_versions
        on changes.new_submission_id = new_versions.submission_id
    inner join versions as old_versions
        on changes.old_submission_id = old_versions.submission_id
    left join report_values as deadline_values
        on new_versions.deadline_submission_id = deadline_values.submission_id
        and changes.item_code = deadline_values.item_code
        and coalesce(changes.capital_source, '') = coalesce(deadline_values.capital_source, '')
        and changes.measure = deadline_values.measure
    where not new_versions.is_received_on_time
        or new_versions.is_restatement

),

final as (

    select
        {{ surrogate_key([
            'after_deadline.new_submission_id', 'after_deadline.item_code',
            'after_deadline.capital_source', 'after_deadline.measure'
        ]) }} as restatement_key,
        plans.plan_key,
        coalesce(agencies.agency_key, -1) as agency_key,
        after_deadline.month_key,
        coalesce(tasks.task_key, -1) as task_key,
        coalesce(indicators.indicator_key, -1) as indicator_key,
        coalesce(projects.project_key, -1) as project_key,
        after_deadline.plan_code,
        after_deadline.agency_code,
        after_deadline.period,
        after_deadline.template,
        after_deadline.item_code,
        after_deadline.capital_source,
        after_deadline.measure,
        after_deadline.old_value_text,
        after_deadline.new_value_text,
        after_deadline.old_value,
        after_deadline.new_value,
        after_deadline.new_value - after_deadline.old_value as change_value,
        after_deadline.deadline_value_text,
        after_deadline.deadline_value,
        after_deadline.deadline_submission_id is not null as is_known_at_deadline,
        coalesce(after_deadline.old_submission_id = after_deadline.deadline_submission_id, false)
            as is_change_of_deadline_figure,
        after_deadline.on_time_before_at,
        after_deadline.is_restatement,
        after_deadline.is_latest,
        after_deadline.old_submission_id,
        after_deadline.old_version,
        after_deadline.old_file_name,
        after_deadline.old_file_sha256,
        after_deadline.old_received_at,
        after_deadline.old_source_row,
        after_deadline.new_submission_id,
        after_deadline.new_version,
        after_deadline.new_file_name,
        after_deadline.new_file_sha256,
        after_deadline.new_received_at,
        after_deadline.new_source_row,
        after_deadline.deadline_submission_id

    from after_deadline
    inner join plans
        on after_deadline.plan_code = plans.plan_code
        and after_deadline.month_key / 100 = plans.plan_year
    left join agencies
        on after_deadline.plan_code = agencies.plan_code
        and after_deadline.agency_code = agencies.agency_code
    left join tasks
        on after_deadline.template = 'tasks'
        and after_deadline.plan_code = tasks.plan_code
        and after_deadline.item_code = tasks.task_code
    left join indicators
        on after_deadline.template = 'indicators'
        and after_deadline.plan_code = indicators.plan_code
        and after_deadline.item_code = indicators.indicator_code
    left join projects
        on after_deadline.template = 'disbursement'
        and after_deadline.plan_code = projects.plan_code
        and after_deadline.item_code = projects.project_code

)

select * from final
