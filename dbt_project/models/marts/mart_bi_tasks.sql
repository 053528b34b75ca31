-- One row per plan × task × month reported (fct_task_progress), shaped for
-- the "Nhiệm vụ" dashboard: the task's words and plan section, its status in
-- Vietnamese, the status the month before (the task's previous report in its
-- plan) and whether it changed, with the issuer, year, month and agency the
-- dashboards filter on. is_latest_report marks each task's latest month
-- reported; a new month moves it, so the model is a view over the facts.

{{ config(materialized='view') }}

with

progress as (

    select * from {{ ref('fct_task_progress') }}

),

tasks as (

    select * from {{ ref('dim_task') }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

months as (

    select * from {{ ref('dim_month') }}

),

statuses as (

    select * from {{ ref('vocab_task_statuses') }}

),

with_previous as (

    select
        *,
        lag(task_status) over task_months as previous_task_status,
        lag(period) over task_months as previous_period,
        month_key = max(month_key) over (partition by plan_code, task_code) as is_latest_report

    from progress
    window task_months as (partition by plan_code, task_code order by month_key)

),

final as (

    select
        with_previous.task_progress_key,
        with_previous.plan_key,
        with_previous.task_key,
        with_previous.month_key,
        with_previous.plan_code,
        plans.issuer_code,
        plans.issuer_name_vi,
        plans.plan_year,
        with_previous.period,
        months.month_label_vi,
        months.month_number,
        with_previous.task_code,
        tasks.deadline_text,
        with_previous.reporting_agency_code as agency_code,
        with_previous.task_status,
        with_previous.percent_complete,
        with_previous.is_completed,
        with_previous.is_delayed,
        with_previous.is_completed_late,
        with_previous.has_issues,
        with_previous.issues_text,
        with_previous.previous_period,
        with_previous.previous_task_status,
        previous_statuses.label_vi as previous_task_status_label_vi,
        with_previous.is_latest_report,
        1 as task_count,
        coalesce(tasks.task_description_vi, with_previous.task_code) as task_description_vi,
        coalesce(tasks.plan_section, 'Không rõ') as plan_section,
        coalesce(tasks.is_key_task, false) as is_key_task,
        coalesce(
            agencies.agency_short_name_vi, with_previous.reporting_agency_code
        ) as agency_short_name_vi,
        coalesce(statuses.label_vi, with_previous.status_text) as task_status_label_vi,
        coalesce(
            with_previous.previous_task_status is distinct from with_previous.task_status
            and with_previous.previous_period is not null,
            false
        ) as has_status_changed

    from with_previous
    inner join plans on with_previous.plan_key = plans.plan_key
    inner join months on with_previous.month_key = months.month_key
    left join tasks on with_previous.task_key = tasks.task_key
    left join agencies on with_previous.reporting_agency_key = agencies.agency_key
    left join statuses on with_previous.task_status = statuses.task_status
    left join statuses as previous_statuses
        on with_previous.previous_task_status = previous_statuses.task_status

)

select * from final
