-- One row per plan × agency × month × rule that failed on a submission
-- (fct_data_quality's failed rows, counted), shaped for the "Chất lượng dữ
-- liệu" dashboard's rules failed most: what the rule checks and its severity
-- in Vietnamese, with the issuer, year, month and agency the dashboards filter
-- on. Files that could not be placed in a plan and month are left out (the
-- auditor's report lists them).

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

quality as (

    select * from {{ ref('fct_data_quality') }}
    where
        is_failed
        and plan_code is not null
        and period is not null
        and {{ in_slices() }}

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

rules as (

    select * from {{ ref('vocab_rules') }}

),

severities as (

    select * from {{ ref('vocab_severities') }}

),

counted as (

    select
        plan_key,
        agency_key,
        month_key,
        plan_code,
        agency_code,
        period,
        rule_code,
        severity,
        count(*) as problem_count,
        count(distinct submission_id) as submission_count

    from quality
    group by plan_key, agency_key, month_key, plan_code, agency_code, period, rule_code, severity

),

final as (

    select
        counted.plan_key,
        counted.agency_key,
        counted.month_key,
        counted.plan_code,
        plans.issuer_code,
        plans.issuer_name_vi,
        plans.plan_year,
        counted.period,
        months.month_label_vi,
        months.month_number,
        counted.agency_code,
        counted.rule_code,
        counted.severity,
        {{ surrogate_key(['counted.plan_code', 'counted.agency_code', 'counted.month_key',
                          'counted.rule_code', 'counted.severity']) }} as rule_failure_key,
        coalesce(agencies.agency_short_name_vi, counted.agency_code) as agency_short_name_vi,
        coalesce(rules.message_vi, counted.rule_code) as rule_message_vi,
        coalesce(severities.label_vi, counted.severity) as severity_label_vi,
        cast(counted.problem_count as bigint) as problem_count,
        cast(counted.submission_count as bigint) as submission_count

    from counted
    inner join plans on counted.plan_key = plans.plan_key
    inner join months on counted.month_key = months.month_key
    left join agencies on counted.agency_key = agencies.agency_key
    left join rules on counted.rule_code = rules.rule_code
    left join severities on counted.severity = severities.severity

)

select * from final
