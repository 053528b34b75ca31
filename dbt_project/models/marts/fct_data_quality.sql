-- One row per rule × submission, and per problem where the rule found some
-- (int_check_outcomes_unioned): every GX expectation run, passed or failed,
-- and every problem the parser, the catalog checks and the expectations
-- recorded (audit.submissions.reasons), for every submission but duplicates.
-- Joined to the plan, agency and month (-1 when the file could not be placed)
-- and to the row's item in the template's dimension (dim_task, dim_indicator
-- or dim_project; -1 when the problem is not about a catalog item), with the
-- file it came from. A cross-month rule carries the earlier report it was
-- compared with (earlier_value, earlier_period, earlier_submission_id).

{{ config(
    materialized='incremental',
    indexes=slice_indexes(),
    slice_month="cast(replace(period, '-', '') as integer)"
) }}

with

outcomes as (

    select * from {{ ref('int_check_outcomes_unioned') }}
    where {{ in_slices() }}

),

submissions as (

    select * from {{ ref('stg_audit__submissions') }}
    where {{ in_slices() }}

),

rules as (

    select * from {{ ref('vocab_rules') }}

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

tasks as (

    select * from {{ ref('dim_task') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

projects as (

    select * from {{ ref('dim_project') }}

),

final as (

    select
        {{ surrogate_key(['outcomes.submission_id', 'outcomes.rule_code', 'outcomes.problem_ordinal']) }}
            as data_quality_key,
        coalesce(plans.plan_key, -1) as plan_key,
        coalesce(agencies.agency_key, -1) as agency_key,
        coalesce(months.month_key, -1) as month_key,
        coalesce(tasks.task_key, -1) as task_key,
        coalesce(indicators.indicator_key, -1) as indicator_key,
        coalesce(projects.project_key, -1) as project_key,
        submissions.plan_code,
        submissions.agency_code,
        submissions.period,
        submissions.template,
        outcomes.rule_code,
        outcomes.rule_source,
        outcomes.severity,
        case when outcomes.is_failed then 'failed' else 'passed' end as outcome,
        outcomes.is_failed,
        outcomes.is_failed and outcomes.severity = 'block' as is_blocking,
        outcomes.problem_ordinal,
        coalesce(outcomes.sheet_name, submissions.sheet_name) as sheet_name,
        submissions.sheet_name as submission_sheet_name,
        outcomes.source_row,
        outcomes.column_name,
        outcomes.item_code,
        outcomes.observed_value,
        outcomes.expected_value,
        outcomes.earlier_value,
        outcomes.earlier_period,
        outcomes.earlier_submission_id,
        outcomes.earlier_file_name,
        outcomes.message_vi,
        outcomes.fix_vi,
        rules.message_vi as rule_message_vi,
        outcomes.suite_name,
        outcomes.expectation,
        outcomes.unexpected_count,
        outcomes.checked_row_count,
        outcomes.submission_id,
        submissions.file_name,
        submissions.file_sha256,
        submissions.received_at,
        submissions.submission_status,
        submissions.version,
        submissions.is_restatement

    from outcomes
    inner join submissions
        on outcomes.submission_id = submissions.submission_id
    left join rules
        on outcomes.rule_code = rules.rule_code
    left join plans
        on submissions.plan_code = plans.plan_code
    left join agencies
        on submissions.plan_code = agencies.plan_code
        and submissions.agency_code = agencies.agency_code
    left join months
        on submissions.month_key = months.month_key
    left join tasks
        on submissions.template = 'tasks'
        and submissions.plan_code = tasks.plan_code
        and outcomes.item_code = tasks.task_code
    left join indicators
        on submissions.template = 'indicators'
        and submissions.plan_code = indicators.plan_code
        and outcomes.item_code = indicators.indicator_code
    left join projects
        on submissions.template = 'disbursement'
        and submissions.plan_code = projects.plan_code
        and outcomes.item_code = projects.project_code

)

select * from final
