-- One row per plan × project × capital source × month of the plan's year in
-- which it was reported. Money in exact VND.
--
-- disbursement_rate is recomputed as ytd disbursed / annual capital plan (kế
-- hoạch vốn năm), the rate a plan's disbursement target and the agencies' own
-- "Tỷ lệ giải ngân" column are measured against. The carried-over plan (vốn
-- kéo dài) is kept beside it, and in total_plan_vnd. The rate the agency wrote
-- (reported_rate, in percent) is kept only to compare. When several agencies
-- report the same project and capital source in a month, the project lead
-- agency's report wins, else the most recently received
-- (macros/lead_agency_report_first.sql).
--
-- Beside the latest figures, the same grain as known at the deadline
-- (macros/known_at_deadline.sql): <measure>_at_deadline for the figures
-- macros/compared_measures.sql compares, the deadline version's submission and
-- row, and is_restated when a later version changed them. The deadline is
-- dim_month.on_time_before_at, the instant fct_submission judges timeliness by.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

disbursement_reports as (

    select * from {{ ref('int_disbursement_reports_deduplicated') }}
    where {{ in_slices() }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

projects as (

    select * from {{ ref('dim_project') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

deadline_versions as (

    select * from {{ ref('int_disbursement_reports_versioned') }}
    where
        is_deadline_version
        and {{ in_slices() }}

),

months as (

    select * from {{ ref('dim_month') }}

),

in_plan_year as (

    select
        disbursement_reports.*,
        plans.plan_key,
        projects.project_key,
        agencies.agency_key as reporting_agency_key,
        disbursement_reports.agency_code = projects.lead_agency_code as is_reported_by_lead_agency

    from disbursement_reports
    inner join plans
        on disbursement_reports.plan_code = plans.plan_code
        and disbursement_reports.month_key / 100 = plans.plan_year
    left join projects
        on disbursement_reports.plan_code = projects.plan_code
        and disbursement_reports.project_code = projects.project_code
    left join agencies
        on disbursement_reports.plan_code = agencies.plan_code
        and disbursement_reports.agency_code = agencies.agency_code

),

picked as (

    {{ lead_agency_report_first('in_plan_year', ['plan_code', 'project_code', 'capital_source', 'month_key']) }}

),

deadline_figures as (

    {{ known_at_deadline(
        'deadline_versions', ['plan_code', 'project_code', 'capital_source', 'month_key'], 'disbursement'
    ) }}

),

compared as (

    -- The latest report beside the one known at the deadline, and the deadline.
    select
        picked.*,
        deadline_figures.deadline_submission_id,
        deadline_figures.deadline_source_row,
        deadline_figures.deadline_received_at,
        {{ measure_columns('disbursement', 'deadline_figures', '_at_deadline') }},
        months.on_time_before_at

    from picked
    left join deadline_figures
        on picked.plan_code = deadline_figures.plan_code
        and picked.project_code = deadline_figures.project_code
        and picked.capital_source = deadline_figures.capital_source
        and picked.month_key = deadline_figures.month_key
    left join months
        on picked.month_key = months.month_key

),

final as (

    select
        {{ surrogate_key(['plan_code', 'project_code', 'capital_source', 'month_key']) }} as disbursement_key,
        plan_key,
        coalesce(project_key, -1) as project_key,
        month_key,
        coalesce(reporting_agency_key, -1) as reporting_agency_key,
        plan_code,
        project_code,
        capital_source,
        capital_source_code,
        period,
        agency_code as reporting_agency_code,
        investor,
        annual_plan_vnd,
        carried_over_plan_vnd,
        coalesce(annual_plan_vnd, 0) + coalesce(carried_over_plan_vnd, 0) as total_plan_vnd,
        month_disbursed_vnd,
        ytd_disbursed_vnd,
        -- A fraction (0.42 = 42 %); null when there is no annual plan to divide by.
        {{ safe_ratio('ytd_disbursed_vnd', 'annual_plan_vnd', 6) }} as disbursement_rate,
        {{ safe_ratio('100.0 * ytd_disbursed_vnd', 'annual_plan_vnd', 2) }} as disbursement_rate_pct,
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
        received_at,
        -- As known at the deadline (macros/known_at_deadline.sql), beside the latest.
        {{ measure_columns('disbursement', none, '_at_deadline') }},
        deadline_submission_id,
        deadline_source_row,
        deadline_received_at,
        deadline_submission_id is not null as is_known_at_deadline,
        coalesce(received_at >= on_time_before_at, false) as is_reported_after_deadline,
        deadline_submission_id is not null and {{ measures_differ_from_deadline('disbursement') }} as is_restated

    from compared

)

select * from final
