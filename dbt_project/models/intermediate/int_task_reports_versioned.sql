-- One row per plan × agency × period × task_code × version that passed
-- validation (accepted, accepted with warnings or superseded since): the
-- compared figures of each version (macros/compared_measures.sql), for the
-- facts' "known at the deadline" view and mart_restatements. A code repeated
-- within a submission keeps its last row, as in the latest version.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

version_rows as (

    {{ version_rows('stg_raw__tasks', 'tasks', ['task_code'], 'is_ever_accepted') }}

),

tasks as (

    select * from {{ ref('stg_plan__tasks') }}

),

final as (

    select
        version_rows.plan_code,
        version_rows.agency_code,
        version_rows.period,
        version_rows.month_key,
        version_rows.task_code,
        version_rows.submission_id,
        version_rows.source_row,
        version_rows.received_at,
        version_rows.version,
        version_rows.accepted_sequence,
        version_rows.is_latest_accepted,
        version_rows.is_deadline_version,
        version_rows.is_restatement,
        version_rows.agency_code = tasks.lead_agency_code as is_reported_by_lead_agency,
        {{ measure_columns('tasks', 'version_rows') }}

    from version_rows
    left join tasks
        on version_rows.plan_code = tasks.plan_code
        and version_rows.task_code = tasks.task_code

)

select * from final
