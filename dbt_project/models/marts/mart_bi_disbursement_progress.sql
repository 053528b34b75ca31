-- One row per plan × month of mart_disbursement_progress (plan-level
-- disbursement, lines carried forward), shaped for the cumulative curve of the
-- "Giải ngân vốn đầu tư công" dashboard: the issuer and year the dashboards
-- filter on, and the disbursed amount beside the year's capital plan in
-- billions of VND (tỷ đồng) — the plan's goal is the whole annual plan
-- ("hoàn thành 100% kế hoạch"), so the plan line is the goal line.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

progress as (

    select * from {{ ref('mart_disbursement_progress') }}
    where {{ in_slices() }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

months as (

    select * from {{ ref('dim_month') }}

),

final as (

    select
        progress.disbursement_progress_key,
        progress.plan_key,
        progress.month_key,
        progress.plan_code,
        plans.issuer_code,
        plans.issuer_name_vi,
        plans.plan_year,
        progress.period,
        progress.month_label_vi,
        months.month_number,
        progress.annual_plan_vnd,
        progress.ytd_disbursed_vnd,
        progress.disbursement_rate,
        round(progress.annual_plan_vnd / 1e9, 3) as annual_plan_billion_vnd,
        round(progress.ytd_disbursed_vnd / 1e9, 3) as ytd_disbursed_billion_vnd,
        round(progress.month_disbursed_vnd / 1e9, 3) as month_disbursed_billion_vnd,
        round(progress.disbursement_rate * 100, 1) as disbursement_pct

    from progress
    inner join plans on progress.plan_key = plans.plan_key
    inner join months on progress.month_key = months.month_key

)

select * from final
