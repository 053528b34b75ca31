-- One row per project × capital source × month of the plan year in which it was
-- reported. Money in exact VND.
--
-- disbursement_rate is recomputed as ytd disbursed / annual capital plan (kế
-- hoạch vốn năm), the rate the plan's target (CT-01, 100 % of the 2024 plan)
-- and the agencies' own "Tỷ lệ giải ngân" column are measured against. The
-- carried-over plan (vốn kéo dài) is kept beside it, and in total_plan_vnd.
-- The rate the agency wrote (reported_rate, in percent) is kept only to compare.
-- When several agencies report the same project and capital source in a month,
-- the project lead agency's report wins, else the most recently received.

with

disbursement_reports as (

    select * from {{ ref('int_disbursement_reports_deduplicated') }}

),

months as (

    select * from {{ ref('dim_month') }}

),

projects as (

    select * from {{ ref('dim_project') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

in_plan_year as (

    select
        disbursement_reports.*,
        projects.project_key,
        agencies.agency_key as reporting_agency_key,
        disbursement_reports.agency_code = projects.lead_agency_code as is_reported_by_lead_agency

    from disbursement_reports
    inner join months
        on disbursement_reports.month_key = months.month_key
    left join projects
        on disbursement_reports.project_code = projects.project_code
    left join agencies
        on disbursement_reports.agency_code = agencies.agency_code

),

ranked as (

    select
        *,
        row_number() over (
            partition by project_code, capital_source, month_key
            order by
                coalesce(is_reported_by_lead_agency, false) desc,
                received_at desc,
                submission_id desc
        ) as report_rank,
        count(*) over (partition by project_code, capital_source, month_key) as reporting_agency_count

    from in_plan_year

),

computed as (

    select
        *,
        coalesce(annual_plan_vnd, 0) + coalesce(carried_over_plan_vnd, 0) as total_plan_vnd

    from ranked
    where report_rank = 1

),

final as (

    select
        {{ surrogate_key(['project_code', 'capital_source', 'month_key']) }} as disbursement_key,
        coalesce(project_key, -1) as project_key,
        month_key,
        coalesce(reporting_agency_key, -1) as reporting_agency_key,
        project_code,
        capital_source,
        period,
        agency_code as reporting_agency_code,
        investor,
        annual_plan_vnd,
        carried_over_plan_vnd,
        total_plan_vnd,
        month_disbursed_vnd,
        ytd_disbursed_vnd,
        -- A fraction (0.42 = 42 %); null when there is no annual plan to divide by.
        round(cast(ytd_disbursed_vnd as numeric) / nullif(annual_plan_vnd, 0), 6) as disbursement_rate,
        round(100 * cast(ytd_disbursed_vnd as numeric) / nullif(annual_plan_vnd, 0), 2) as disbursement_rate_pct,
        reported_rate,
        -- Agencies round; more than one percentage point apart is a real disagreement.
        coalesce(
            abs(reported_rate - 100 * cast(ytd_disbursed_vnd as numeric) / nullif(annual_plan_vnd, 0)) > 1,
            false
        ) as has_reported_rate_mismatch,
        issues_text,
        coalesce(is_reported_by_lead_agency, false) as is_reported_by_lead_agency,
        reporting_agency_count,
        submission_id,
        source_row,
        received_at

    from computed

)

select * from final
