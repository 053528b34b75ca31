-- One row per plan × month of the plan's year, from its first to its latest
-- month with any disbursement report: the plan-level capital plan, disbursed
-- amounts and rate (year-to-date disbursed / annual plan, as in fct_disbursement).
-- Year-to-date figures are cumulative, so a project × capital source line that
-- did not report in a month counts with its latest earlier report in the same
-- plan (carried forward; carried_forward_line_count), from its first report on.
-- month_disbursed_vnd only sums lines reported that month.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

disbursements as (

    select * from {{ ref('fct_disbursement') }}
    where {{ in_slice_plans() }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

months as (

    select * from {{ ref('dim_month') }}
    where month_key <> -1

),

projects as (

    select * from {{ ref('dim_project') }}

),

reported_months as (

    select
        plan_code,
        max(month_key) as last_month_key

    from disbursements
    group by plan_code

),

report_lines as (

    select distinct
        plan_code,
        project_code,
        capital_source

    from disbursements

),

month_lines as (

    -- Each plan's project × capital source lines, for each month of the plan's
    -- year up to the latest month anybody reported in that plan.
    select
        plans.plan_key,
        plans.plan_code,
        months.month_key,
        months.period,
        months.month_label_vi,
        report_lines.project_code,
        report_lines.capital_source

    from report_lines
    inner join plans
        on report_lines.plan_code = plans.plan_code
    inner join reported_months
        on report_lines.plan_code = reported_months.plan_code
    inner join months
        on plans.plan_year = months.year
        and reported_months.last_month_key >= months.month_key

),

reports_so_far as (

    -- Each line's reports up to the month, the latest first: a line is
    -- counted from its first report on.
    select
        month_lines.plan_key,
        month_lines.plan_code,
        month_lines.month_key,
        month_lines.period,
        month_lines.month_label_vi,
        disbursements.month_key as reported_month_key,
        disbursements.project_key,
        disbursements.annual_plan_vnd,
        disbursements.carried_over_plan_vnd,
        disbursements.total_plan_vnd,
        disbursements.month_disbursed_vnd,
        disbursements.ytd_disbursed_vnd,
        row_number() over (
            partition by
                month_lines.plan_code, month_lines.project_code, month_lines.capital_source, month_lines.month_key
            order by disbursements.month_key desc
        ) as report_rank

    from month_lines
    inner join disbursements
        on month_lines.plan_code = disbursements.plan_code
        and month_lines.project_code = disbursements.project_code
        and month_lines.capital_source = disbursements.capital_source
        and month_lines.month_key >= disbursements.month_key

),

carried as (

    -- The latest report of each line as of each month.
    select
        reports_so_far.plan_key,
        reports_so_far.plan_code,
        reports_so_far.month_key,
        reports_so_far.period,
        reports_so_far.month_label_vi,
        reports_so_far.project_key,
        reports_so_far.annual_plan_vnd,
        reports_so_far.carried_over_plan_vnd,
        reports_so_far.total_plan_vnd,
        reports_so_far.ytd_disbursed_vnd,
        case
            when reports_so_far.reported_month_key = reports_so_far.month_key
                then reports_so_far.month_disbursed_vnd
        end as month_disbursed_vnd,
        reports_so_far.reported_month_key < reports_so_far.month_key as is_carried_forward,
        coalesce(projects.is_key_project, false) as is_key_project

    from reports_so_far
    left join projects
        on reports_so_far.project_key = projects.project_key
    where reports_so_far.report_rank = 1

),

aggregated as (

    -- Sums of bigint are numeric in PostgreSQL; money stays bigint exact VND.
    select
        plan_key,
        plan_code,
        month_key,
        period,
        month_label_vi,
        cast(coalesce(sum(annual_plan_vnd), 0) as bigint) as annual_plan_vnd,
        cast(coalesce(sum(carried_over_plan_vnd), 0) as bigint) as carried_over_plan_vnd,
        cast(coalesce(sum(total_plan_vnd), 0) as bigint) as total_plan_vnd,
        cast(coalesce(sum(month_disbursed_vnd), 0) as bigint) as month_disbursed_vnd,
        cast(coalesce(sum(ytd_disbursed_vnd), 0) as bigint) as ytd_disbursed_vnd,
        cast(coalesce(sum(annual_plan_vnd) filter (where is_key_project), 0) as bigint)
            as key_project_annual_plan_vnd,
        cast(coalesce(sum(ytd_disbursed_vnd) filter (where is_key_project), 0) as bigint)
            as key_project_ytd_disbursed_vnd,
        count(*) as line_count,
        count(*) filter (where is_carried_forward) as carried_forward_line_count,
        count(distinct project_key) filter (where project_key <> -1) as project_count

    from carried
    group by plan_key, plan_code, month_key, period, month_label_vi

),

final as (

    select
        {{ surrogate_key(['plan_code', 'month_key']) }} as disbursement_progress_key,
        plan_key,
        plan_code,
        month_key,
        period,
        month_label_vi,
        project_count,
        line_count,
        carried_forward_line_count,
        annual_plan_vnd,
        carried_over_plan_vnd,
        total_plan_vnd,
        month_disbursed_vnd,
        ytd_disbursed_vnd,
        {{ safe_ratio('ytd_disbursed_vnd', 'annual_plan_vnd', 6) }} as disbursement_rate,
        key_project_annual_plan_vnd,
        key_project_ytd_disbursed_vnd,
        {{ safe_ratio('key_project_ytd_disbursed_vnd', 'key_project_annual_plan_vnd', 6) }}
            as key_project_disbursement_rate

    from aggregated
    where {{ in_slices() }}

)

select * from final
