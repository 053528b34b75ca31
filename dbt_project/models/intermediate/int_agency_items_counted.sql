-- One row per plan × agency of the catalog: how many tasks, indicators and
-- projects (all, and public-investment ones) it leads in that plan, and which
-- monthly templates it therefore owes. Only an agency with role `lead` owes
-- anything: `tasks` if it leads a task, `indicators` if it leads an indicator,
-- `disbursement` if it leads a public-investment project (a private
-- investor's project has no public capital to report). dim_agency and
-- int_submissions_expected both read these counts.

with

agencies as (

    select * from {{ ref('stg_plan__agencies') }}

),

tasks as (

    select * from {{ ref('stg_plan__tasks') }}

),

indicators as (

    select * from {{ ref('stg_plan__indicators') }}

),

projects as (

    select * from {{ ref('stg_plan__projects') }}

),

led_tasks as (

    select
        plan_code,
        lead_agency_code as agency_code,
        count(*) as led_task_count

    from tasks
    group by plan_code, lead_agency_code

),

led_indicators as (

    select
        plan_code,
        lead_agency_code as agency_code,
        count(*) as led_indicator_count

    from indicators
    group by plan_code, lead_agency_code

),

led_projects as (

    select
        plan_code,
        lead_agency_code as agency_code,
        count(*) as led_project_count,
        count(*) filter (where is_public_investment) as led_public_project_count

    from projects
    group by plan_code, lead_agency_code

),

counted as (

    select
        agencies.plan_code,
        agencies.agency_code,
        agencies.agency_role,
        coalesce(led_tasks.led_task_count, 0) as led_task_count,
        coalesce(led_indicators.led_indicator_count, 0) as led_indicator_count,
        coalesce(led_projects.led_project_count, 0) as led_project_count,
        coalesce(led_projects.led_public_project_count, 0) as led_public_project_count

    from agencies
    left join led_tasks
        on agencies.plan_code = led_tasks.plan_code
        and agencies.agency_code = led_tasks.agency_code
    left join led_indicators
        on agencies.plan_code = led_indicators.plan_code
        and agencies.agency_code = led_indicators.agency_code
    left join led_projects
        on agencies.plan_code = led_projects.plan_code
        and agencies.agency_code = led_projects.agency_code

),

final as (

    select
        *,
        agency_role = 'lead' and led_task_count > 0 as is_tasks_owed,
        agency_role = 'lead' and led_indicator_count > 0 as is_indicators_owed,
        agency_role = 'lead' and led_public_project_count > 0 as is_disbursement_owed,
        agency_role = 'lead'
        and led_task_count + led_indicator_count + led_public_project_count > 0 as is_reporting_agency

    from counted

)

select * from final
