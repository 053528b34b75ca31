-- Plans are kept apart: every fact and mart row's month is a month of its
-- plan's year, and every dimension key it carries (agency, task, indicator,
-- project) is a member of the same plan or the unknown member (-1).

with

plans as (

    select * from {{ ref('dim_plan') }}

),

members as (

    select
        'agency' as member_kind,
        agency_key as member_key,
        plan_key
    from {{ ref('dim_agency') }}

    union all

    select
        'task' as member_kind,
        task_key as member_key,
        plan_key
    from {{ ref('dim_task') }}

    union all

    select
        'indicator' as member_kind,
        indicator_key as member_key,
        plan_key
    from {{ ref('dim_indicator') }}

    union all

    select
        'project' as member_kind,
        project_key as member_key,
        plan_key
    from {{ ref('dim_project') }}

),

fact_rows as (

    -- One row per fact row: its plan, month, agency and catalog item.
    select
        'fct_submission' as model_name,
        plan_key,
        plan_code,
        month_key,
        agency_key,
        'agency' as item_kind,
        agency_key as item_key
    from {{ ref('fct_submission') }}

    union all

    select
        'fct_task_progress' as model_name,
        plan_key,
        plan_code,
        month_key,
        reporting_agency_key as agency_key,
        'task' as item_kind,
        task_key as item_key
    from {{ ref('fct_task_progress') }}

    union all

    select
        'fct_indicator_value' as model_name,
        plan_key,
        plan_code,
        month_key,
        reporting_agency_key as agency_key,
        'indicator' as item_kind,
        indicator_key as item_key
    from {{ ref('fct_indicator_value') }}

    union all

    select
        'fct_disbursement' as model_name,
        plan_key,
        plan_code,
        month_key,
        reporting_agency_key as agency_key,
        'project' as item_kind,
        project_key as item_key
    from {{ ref('fct_disbursement') }}

    union all

    select
        'mart_disbursement_progress' as model_name,
        plan_key,
        plan_code,
        month_key,
        -1 as agency_key,
        'project' as item_kind,
        -1 as item_key
    from {{ ref('mart_disbursement_progress') }}

)

select
    fact_rows.*,
    plans.plan_code as plan_code_of_key,
    plans.plan_year,
    agencies.plan_key as agency_plan_key,
    items.plan_key as item_plan_key

from fact_rows
left join plans
    on fact_rows.plan_key = plans.plan_key
left join members as agencies
    on fact_rows.agency_key = agencies.member_key
    and agencies.member_kind = 'agency'
left join members as items
    on fact_rows.item_key = items.member_key
    and fact_rows.item_kind = items.member_kind
where
    plans.plan_key is null
    or plans.plan_code <> fact_rows.plan_code
    or fact_rows.month_key / 100 <> plans.plan_year
    or (fact_rows.agency_key <> -1 and agencies.plan_key is distinct from fact_rows.plan_key)
    or (fact_rows.item_key <> -1 and items.plan_key is distinct from fact_rows.plan_key)
