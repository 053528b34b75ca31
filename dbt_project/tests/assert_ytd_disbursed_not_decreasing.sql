{{ config(severity='warn') }}
-- Year-to-date disbursement of a plan's project × capital source should not go down
-- from one reported month to the next. A warning, not an error: agencies do
-- correct earlier figures, but an analyst should look.

with

ordered as (

    select
        plan_code,
        project_code,
        capital_source,
        period,
        ytd_disbursed_vnd,
        submission_id,
        lag(ytd_disbursed_vnd) over (
            partition by plan_code, project_code, capital_source
            order by month_key
        ) as previous_ytd_disbursed_vnd

    from {{ ref('fct_disbursement') }}

)

select *
from ordered
where ytd_disbursed_vnd < previous_ytd_disbursed_vnd
