-- Plans are kept apart: every fact and mart row's month is a month of its
-- plan's year, and every dimension key it carries (agency, task, indicator,
-- project) is a member of the same plan or the unknown member (-1).

with

plans as (

    select plan_key, plan_code, plan_year
    from {{ ref('dim_plan') }}

),

agencies as (

    select agency_key as member_key, plan_key
    from {{ ref('dim_agency') }}

),

tasks as (

    select task_key as member_key, plan_key
    from {{ ref('dim_task') }}

),

indicators as (

    select indicator_key as member_key, plan_key
    from {{ ref('dim_indicator') }}

),

projects as (

    select project_key as member_key, plan_key
    from {{ ref('dim_project') }}

),

fact_members as (

    select 'fct_submission' as model_name, plan_key, plan_code, month_key, 'agency' as member, agency_key as member_key
    from {{ ref('fct_submission') }}

    union all

    select 'fct_task_progress', plan_key, plan_code, month_key, 'agency', reporting_agency_key
    from {{ ref('fct_task_progress') }}

    union all

    select 'fct_task_progress', plan_key, plan_code, month_key, 'task', task_key
    from {{ ref('fct_task_progress') }}

    union all

    select 'fct_indicator_value', plan_key, plan_code, month_key, 'agency', reporting_agency_key
    from {{ ref('fct_indicator_value') }}

    union all

    select 'fct_indicator_value', plan_key, plan_code, month_key, 'indicator', indicator_key
    from {{ ref('fct_indicator_value') }}

    union all

    select 'fct_disbursement', plan_key, plan_code, month_key, 'agency', reporting_agency_key
    from {{ ref('fct_disbursement') }}

    union all

    select 'fct_disbursement', plan_key, plan_code, month_key, 'project', project_key
    from {{ ref('fct_disbursement') }}

    union all

    select 'mart_disbursement_progress', plan_key, plan_code, month_key, 'agency', -1
    from {{ ref('mart_disbursement_progress') }}

),

members as (

    select 'agency' as member, member_key, plan_key from agencies
    union all
    select 'task', member_key, plan_key from tasks
    union all
    select 'indicator', member_key, plan_key from indicators
    union all
    select 'project', member_key, plan_key from projects

)

select
    fact_members.*,
    plans.plan_code as plan_code_of_key,
    plans.plan_year,
    members.plan_key as member_plan_key

from fact_members
left join plans
    on fact_members.plan_key = plans.plan_key
left join members
    on fact_members.member = members.member
    and fact_members.member_key = members.member_key
where
    plans.plan_key is null
    or plans.plan_code <> fact_members.plan_code
    or fact_members.month_key / 100 <> plans.plan_year
    or (fact_members.member_key <> -1 and members.plan_key is distinct from fact_members.plan_key)
