-- One row per task × month of the plan year in which the task was reported.
--
-- A task is normally reported only by its lead agency. If other agencies also
-- report it in the same month, the lead agency's report is kept, else the most
-- recently received one; reporting_agency_count says how many reported it.
-- Months outside the plan year are not in the marts (they stay in audit/raw).

with

task_reports as (

    select * from {{ ref('int_task_reports_deduplicated') }}

),

months as (

    select * from {{ ref('dim_month') }}

),

tasks as (

    select * from {{ ref('dim_task') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

in_plan_year as (

    select
        task_reports.*,
        tasks.task_key,
        agencies.agency_key as reporting_agency_key,
        task_reports.agency_code = tasks.lead_agency_code as is_reported_by_lead_agency

    from task_reports
    inner join months
        on task_reports.month_key = months.month_key
    left join tasks
        on task_reports.task_code = tasks.task_code
    left join agencies
        on task_reports.agency_code = agencies.agency_code

),

ranked as (

    select
        *,
        row_number() over (
            partition by task_code, month_key
            order by
                coalesce(is_reported_by_lead_agency, false) desc,
                received_at desc,
                submission_id desc
        ) as report_rank,
        count(*) over (partition by task_code, month_key) as reporting_agency_count

    from in_plan_year

),

final as (

    select
        {{ surrogate_key(['task_code', 'month_key']) }} as task_progress_key,
        coalesce(task_key, -1) as task_key,
        month_key,
        coalesce(reporting_agency_key, -1) as reporting_agency_key,
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
        received_at

    from ranked
    where report_rank = 1

)

select * from final
