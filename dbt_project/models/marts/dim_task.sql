-- One row per plan × task (nhiệm vụ), plus the unknown member (task_key -1).

with

tasks as (

    select * from {{ ref('stg_plan__tasks') }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

catalog_tasks as (

    select
        {{ surrogate_key(['tasks.plan_code', 'tasks.task_code']) }} as task_key,
        coalesce(plans.plan_key, -1) as plan_key,
        tasks.plan_code,
        tasks.task_code,
        tasks.task_description_vi,
        tasks.plan_section,
        tasks.deadline_text,
        tasks.is_key_task,
        coalesce(agencies.agency_key, -1) as lead_agency_key,
        tasks.lead_agency_code

    from tasks
    left join plans
        on tasks.plan_code = plans.plan_code
    left join agencies
        on tasks.plan_code = agencies.plan_code
        and tasks.lead_agency_code = agencies.agency_code

),

final as (

    select {{ dimension_columns() }}
    from catalog_tasks

    union all

    {{ unknown_member() }}

)

select * from final
