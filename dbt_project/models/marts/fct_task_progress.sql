-- One row per plan × task × month of the plan's year in which the task was
-- reported (latest accepted version).
--
-- A task is normally reported only by its lead agency. If other agencies also
-- report it in the same month, the lead agency's report is kept, else the most
-- recently received one (macros/lead_agency_report_first.sql);
-- reporting_agency_count says how many reported it. Months outside the year of
-- the submission's plan are not in the marts (they stay in audit/raw).
--
-- Beside the latest figures, the same grain as known at the deadline
-- (macros/known_at_deadline.sql): <measure>_at_deadline for the figures
-- macros/compared_measures.sql compares, the deadline version's submission and
-- row, and is_restated when a later version changed them. The deadline is
-- dim_month.on_time_before_at, the instant fct_submission judges timeliness by.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

task_reports as (

    select * from {{ ref('int_task_reports_deduplicated') }}
    where {{ in_slices() }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

tasks as (

    select * from {{ ref('dim_task') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

deadline_versions as (

    select * from {{ ref('int_task_reports_versioned') }}
    where
        is_deadline_version
        and {{ in_slices() }}

),

months as (

    select * from {{ ref('dim_month') }}

),

in_plan_year as (

    select
        task_reports.*,
        plans.plan_key,
        tasks.task_key,
        agencies.agency_key as reporting_agency_key,
        task_reports.agency_code = tasks.lead_agency_code as is_reported_by_lead_agency

    from task_reports
    inner join plans
        on task_reports.plan_code = plans.plan_code
        and task_reports.month_key / 100 = plans.plan_year
    left join tasks
        on task_reports.plan_code = tasks.plan_code
        and task_reports.task_code = tasks.task_code
    left join agencies
        on task_reports.plan_code = agencies.plan_code
        and task_reports.agency_code = agencies.agency_code

),

picked as (

    {{ lead_agency_report_first('in_plan_year', ['plan_code', 'task_code', 'month_key']) }}

),

deadline_figures as (

    {{ known_at_deadline('deadline_versions', ['plan_code', 'task_code', 'month_key'], 'tasks') }}

),

compared as (

    -- The latest report beside the one known at the deadline, and the deadline.
    select
        picked.*,
        deadline_figures.deadline_submission_id,
        deadline_figures.deadline_source_row,
        deadline_figures.deadline_received_at,
        {{ measure_columns('tasks', 'deadline_figures', '_at_deadline') }},
        months.on_time_before_at

    from picked
    left join deadline_figures
        on picked.plan_code = deadline_figures.plan_code
        and picked.task_code = deadline_figures.task_code
        and picked.month_key = deadline_figures.month_key
    left join months
        on picked.month_key = months.month_key

),

final as (

    select
        {{ surrogate_key(['plan_code', 'task_code', 'month_key']) }} as task_progress_key,
        plan_key,
        coalesce(task_key, -1) as task_key,
        month_key,
        coalesce(reporting_agency_key, -1) as reporting_agency_key,
        plan_code,
        task_code,
        period,
        agency_code as reporting_agency_code,
        task_status,
        status_text,
        percent_complete,
        completed_date,
        task_status in ('completed', 'completed_late') as is_completed,
        task_status = 'completed_late' as is_completed_late,
        -- Behind schedule and not finished ("Đang thực hiện, chậm tiến độ").
        task_status = 'delayed' as is_delayed,
        coalesce(trim(issues_text), '') <> '' as has_issues,
        result_text,
        issues_text,
        proposals_text,
        coalesce(is_reported_by_lead_agency, false) as is_reported_by_lead_agency,
        reporting_agency_count,
        -- Traceability: the submission (file) and the row it came from.
        submission_id,
        source_row,
        received_at,
        -- As known at the deadline (macros/known_at_deadline.sql), beside the latest.
        {{ measure_columns('tasks', none, '_at_deadline') }},
        deadline_submission_id,
        deadline_source_row,
        deadline_received_at,
        deadline_submission_id is not null as is_known_at_deadline,
        coalesce(received_at >= on_time_before_at, false) as is_reported_after_deadline,
        deadline_submission_id is not null and {{ measures_differ_from_deadline('tasks') }} as is_restated

    from compared

)

select * from final
