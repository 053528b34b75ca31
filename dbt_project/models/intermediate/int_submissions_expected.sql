-- One row per plan × agency × month of the plan's year × template that the
-- agency owes (int_agency_items_counted): `tasks` if it leads at least one
-- task, `indicators` if it leads at least one indicator, `disbursement` if it
-- leads at least one public-investment project; only agencies with role lead.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

agency_items as (

    select * from {{ ref('int_agency_items_counted') }}

),

plans as (

    select * from {{ ref('stg_plan__plans') }}

),

months as (

    select * from {{ ref('int_months_spined') }}

),

owed_templates as (

    select
        plan_code,
        agency_code,
        'tasks' as template,
        led_task_count as led_item_count
    from agency_items
    where is_tasks_owed

    union all

    select
        plan_code,
        agency_code,
        'indicators' as template,
        led_indicator_count as led_item_count
    from agency_items
    where is_indicators_owed

    union all

    select
        plan_code,
        agency_code,
        'disbursement' as template,
        led_public_project_count as led_item_count
    from agency_items
    where is_disbursement_owed

),

final as (

    select
        owed_templates.plan_code,
        owed_templates.agency_code,
        months.month_key,
        months.period,
        owed_templates.template,
        owed_templates.led_item_count,
        months.deadline_at,
        months.on_time_before_at

    from owed_templates
    inner join plans
        on owed_templates.plan_code = plans.plan_code
    inner join months
        on plans.plan_year = months.year
    where {{ in_slices('owed_templates.plan_code', 'months.month_key') }}

)

select * from final
