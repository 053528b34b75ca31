-- One row per plan × agency × month × template owed (fct_submission), shaped
-- for the "Tình hình gửi báo cáo" dashboard: the issuer, year, month and agency
-- every dashboard filters on, Vietnamese labels, and each outcome as a count
-- (0 or 1) so that a rate over any grouping is the sum of one over the sum of
-- another (on time / assessed, as mart_submission_compliance divides).

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

submissions as (

    select * from {{ ref('fct_submission') }}
    where {{ in_slices() }}

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

    select * from {{ ref('vocab_compliance_statuses') }}

),

templates as (

    select * from {{ ref('vocab_templates') }}

),

final as (

    select
        submissions.submission_key,
        submissions.plan_key,
        submissions.agency_key,
        submissions.month_key,
        submissions.plan_code,
        plans.issuer_code,
        plans.issuer_name_vi,
        plans.plan_year,
        submissions.period,
        months.month_label_vi,
        months.month_number,
        submissions.agency_code,
        submissions.template,
        templates.label_vi as template_label_vi,
        submissions.compliance_status,
        statuses.label_vi as compliance_status_label_vi,
        submissions.days_late,
        submissions.first_accepted_at,
        cast(submissions.is_assessed as integer) as assessed_count,
        cast(submissions.is_on_time as integer) as on_time_count,
        cast(submissions.is_late as integer) as late_count,
        cast(submissions.is_missing as integer) as missing_count,
        cast(submissions.is_rejected as integer) as rejected_count,
        cast(
            submissions.is_late or submissions.is_missing or submissions.is_rejected as integer
        ) as not_on_time_count,
        coalesce(agencies.agency_short_name_vi, submissions.agency_code) as agency_short_name_vi

    from submissions
    inner join plans on submissions.plan_key = plans.plan_key
    inner join months on submissions.month_key = months.month_key
    left join agencies on submissions.agency_key = agencies.agency_key
    left join statuses on submissions.compliance_status = statuses.compliance_status
    left join templates on submissions.template = templates.template

)

select * from final
