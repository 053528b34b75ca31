-- One row per agency × month of the plan year × template that the agency owes:
-- `tasks` if it leads at least one task, `indicators` if it leads at least one
-- indicator, `disbursement` if it leads at least one project.

with

agencies as (

    select * from {{ ref('stg_plan__agencies') }}

),

tasks as (

    select * from {{ ref('stg_plan__tasks') }}

),

indicators as (

    select * from {{ ref('stg_plan__indicators') }}

),

projects as (

    select * from {{ ref('stg_plan__projects') }}

),

months as (

    select * from {{ ref('int_months_spined') }}

),

owed_templates as (

    select lead_agency_code as agency_code, 'tasks' as template, count(*) as led_item_count
    from tasks
    group by lead_agency_code

    union all

    select lead_agency_code, 'indicators', count(*)
    from indicators
    group by lead_agency_code

    union all

    select lead_agency_code, 'disbursement', count(*)
    from projects
    group by lead_agency_code

),

final as (

    select
        agencies.agency_code,
        months.month_key,
        months.period,
        owed_templates.template,
        owed_templates.led_item_count,
        months.deadline_at,
        months.on_time_before_at

    from owed_templates
    inner join agencies
        on owed_templates.agency_code = agencies.agency_code
    cross join months

)

select * from final
