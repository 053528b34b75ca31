-- One row per month of the plan year, from the first to the latest month with
-- any disbursement report: province-level plan, disbursed amounts and rate.
-- The rate is year-to-date disbursed / annual capital plan, as in fct_disbursement.
--
-- Year-to-date figures are cumulative, so a project × capital source that did
-- not report in a month counts with its latest earlier report (carried forward)
-- rather than dropping out of the total; carried_forward_line_count says how
-- many lines were carried. month_disbursed_vnd only sums lines reported that month.

with

disbursements as (

    select * from {{ ref('fct_disbursement') }}

),

months as (

    select * from {{ ref('dim_month') }}
    where month_key <> -1

),

projects as (

    select * from {{ ref('dim_project') }}

),

reported_months as (

    select max(month_key) as last_month_key
    from disbursements

),

report_lines as (

    select distinct project_code, capital_source
    from disbursements

),

month_lines as (

    -- Each project × capital source, for each month from its first report to the
    -- latest month anybody reported.
    select
        months.month_key,
        report_lines.project_code,
        report_lines.capital_source
    from months
    cross join report_lines
    cross join reported_months
    where months.month_key <= reported_months.last_month_key

),

carried as (

    select
        month_lines.month_key,
        latest.project_key,
        latest.annual_plan_vnd,
        latest.carried_over_plan_vnd,
        latest.total_plan_vnd,
        latest.ytd_disbursed_vnd,
        case when latest.month_key = month_lines.month_key then latest.month_disbursed_vnd end
            as month_disbursed_vnd,
        latest.month_key < month_lines.month_key as is_carried_forward

    from month_lines
    inner join lateral (
        select *
        from disbursements
        where disbursements.project_code = month_lines.project_code
            and disbursements.capital_source = month_lines.capital_source
            and disbursements.month_key <= month_lines.month_key
        order by disbursements.month_key desc
        limit 1
    ) as latest on true

),

with_projects as (

    select
        carried.*,
        coalesce(projects.is_key_project, false) as is_key_project

    from carried
    left join projects
        on carried.project_key = projects.project_key

),

aggregated as (

    -- Sums of bigint are numeric in PostgreSQL; money stays bigint exact VND.
    select
        month_key,
        count(*) as line_count,
        count(*) filter (where is_carried_forward) as carried_forward_line_count,
        count(distinct project_key) filter (where project_key <> -1) as project_count,
        cast(coalesce(sum(annual_plan_vnd), 0) as bigint) as annual_plan_vnd,
        cast(coalesce(sum(carried_over_plan_vnd), 0) as bigint) as carried_over_plan_vnd,
        cast(coalesce(sum(total_plan_vnd), 0) as bigint) as total_plan_vnd,
        cast(coalesce(sum(month_disbursed_vnd), 0) as bigint) as month_disbursed_vnd,
        cast(coalesce(sum(ytd_disbursed_vnd), 0) as bigint) as ytd_disbursed_vnd,
        cast(coalesce(sum(annual_plan_vnd) filter (where is_key_project), 0) as bigint)
            as key_project_annual_plan_vnd,
        cast(coalesce(sum(ytd_disbursed_vnd) filter (where is_key_project), 0) as bigint)
            as key_project_ytd_disbursed_vnd

    from with_projects
    group by month_key

),

final as (

    select
        months.month_key,
        months.period,
        months.month_label_vi,
        aggregated.project_count,
        aggregated.line_count,
        aggregated.carried_forward_line_count,
        aggregated.annual_plan_vnd,
        aggregated.carried_over_plan_vnd,
        aggregated.total_plan_vnd,
        aggregated.month_disbursed_vnd,
        aggregated.ytd_disbursed_vnd,
        round(cast(aggregated.ytd_disbursed_vnd as numeric) / nullif(aggregated.annual_plan_vnd, 0), 6)
            as disbursement_rate,
        aggregated.key_project_annual_plan_vnd,
        aggregated.key_project_ytd_disbursed_vnd,
        round(
            cast(aggregated.key_project_ytd_disbursed_vnd as numeric)
            / nullif(aggregated.key_project_annual_plan_vnd, 0),
            6
        ) as key_project_disbursement_rate

    from aggregated
    inner join months
        on aggregated.month_key = months.month_key

)

select * from final
