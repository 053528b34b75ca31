-- One row per plan × project × capital source × month reported
-- (fct_disbursement), shaped for the "Giải ngân vốn đầu tư công" dashboard:
-- project and capital source names, the reporting agency, the issuer, year and
-- month the dashboards filter on, and money in billions of VND (tỷ đồng) for
-- charts beside the exact VND. is_latest_report marks each line's latest month
-- reported in its plan (where it stands now); a new month moves it, so the
-- model is a view over the facts (no build cost; a new month moves the mark).

{{ config(materialized='view') }}

with

lines as (

    select * from {{ ref('fct_disbursement') }}

),

projects as (

    select * from {{ ref('dim_project') }}

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

sources as (

    select * from {{ ref('vocab_capital_sources') }}

),

final as (

    select
        lines.disbursement_key,
        lines.plan_key,
        lines.project_key,
        lines.month_key,
        lines.plan_code,
        plans.issuer_code,
        plans.issuer_name_vi,
        plans.plan_year,
        lines.period,
        months.month_label_vi,
        months.month_number,
        lines.project_code,
        lines.capital_source,
        lines.reporting_agency_code as agency_code,
        lines.annual_plan_vnd,
        lines.ytd_disbursed_vnd,
        lines.month_disbursed_vnd,
        lines.disbursement_rate,
        coalesce(projects.project_name_vi, lines.project_code) as project_name_vi,
        coalesce(projects.is_key_project, false) as is_key_project,
        coalesce(sources.name_vi, lines.capital_source) as capital_source_name_vi,
        coalesce(
            agencies.agency_short_name_vi, lines.reporting_agency_code
        ) as agency_short_name_vi,
        round(lines.annual_plan_vnd / 1e9, 3) as annual_plan_billion_vnd,
        round(lines.ytd_disbursed_vnd / 1e9, 3) as ytd_disbursed_billion_vnd,
        round(lines.month_disbursed_vnd / 1e9, 3) as month_disbursed_billion_vnd,
        lines.month_key = max(lines.month_key) over (
            partition by lines.plan_code, lines.project_code, lines.capital_source
        ) as is_latest_report

    from lines
    inner join plans on lines.plan_key = plans.plan_key
    inner join months on lines.month_key = months.month_key
    left join projects on lines.project_key = projects.project_key
    left join agencies on lines.reporting_agency_key = agencies.agency_key
    left join sources on lines.capital_source_code = sources.capital_source_code

)

select * from final
