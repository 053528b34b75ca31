-- One row per plan × agency × month of mart_data_quality_scorecard, shaped for
-- the "Chất lượng dữ liệu" dashboard: the issuer, year, month and agency the
-- dashboards filter on beside the scorecard's counts.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

scorecard as (

    select * from {{ ref('mart_data_quality_scorecard') }}
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

final as (

    select
        scorecard.data_quality_scorecard_key,
        scorecard.plan_key,
        scorecard.agency_key,
        scorecard.month_key,
        scorecard.plan_code,
        plans.issuer_code,
        plans.issuer_name_vi,
        plans.plan_year,
        scorecard.period,
        months.month_label_vi,
        months.month_number,
        scorecard.agency_code,
        scorecard.submission_count,
        scorecard.rejected_count,
        scorecard.resubmission_count,
        scorecard.restatement_count,
        scorecard.check_count,
        scorecard.failed_check_count,
        scorecard.blocking_failure_count,
        scorecard.warning_count,
        scorecard.problem_count,
        scorecard.unresolved_rejection_count,
        scorecard.mean_hours_to_accepted_resubmission,
        coalesce(agencies.agency_short_name_vi, scorecard.agency_code) as agency_short_name_vi

    from scorecard
    inner join plans on scorecard.plan_key = plans.plan_key
    inner join months on scorecard.month_key = months.month_key
    left join agencies on scorecard.agency_key = agencies.agency_key

)

select * from final
