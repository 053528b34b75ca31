-- One row per task (nhiệm vụ) of the plan, plus the unknown member (task_key -1).

with

tasks as (

    select * from {{ ref('stg_plan__tasks') }}

),

agencies as (

    select * from {{ ref('stg_plan__agencies') }}

),

catalog_tasks as (

    select
        {{ surrogate_key(['tasks.task_code']) }} as task_key,
        tasks.task_code,
        tasks.task_description_vi,
        tasks.plan_section,
        tasks.deadline_text,
        tasks.is_key_task,
        case
            when agencies.agency_code is null then cast(-1 as bigint)
            else {{ surrogate_key(['agencies.agency_code']) }}
        end as lead_agency_key,
        tasks.lead_agency_code

    from tasks
    left join agencies
        on tasks.lead_agency_code = agencies.agency_code

),

unknown_member as (

    select
        cast(-1 as bigint) as task_key,
        'UNKNOWN' as task_code,
        'Không xác định' as task_description_vi,
        cast(null as text) as plan_section,
        cast(null as text) as deadline_text,
        false as is_key_task,
        cast(-1 as bigint) as lead_agency_key,
        'UNKNOWN' as lead_agency_code

),

final as (

    select * from catalog_tasks
    union all
    select * from unknown_member

)

select * from final
