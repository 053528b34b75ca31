-- Money amounts in fct_disbursement are never negative.
-- Returns the offending rows (a passing test returns none).

select
    disbursement_key,
    plan_code,
    project_code,
    capital_source,
    period,
    annual_plan_vnd,
    carried_over_plan_vnd,
    month_disbursed_vnd,
    ytd_disbursed_vnd,
    submission_id,
    source_row

from {{ ref('fct_disbursement') }}
where ytd_disbursed_vnd < 0
    or month_disbursed_vnd < 0
    or annual_plan_vnd < 0
    or carried_over_plan_vnd < 0
