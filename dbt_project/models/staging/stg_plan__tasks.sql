-- One row per plan × task of the plan catalog.

with

source as (

    select * from {{ source('catalog', 'plan_tasks') }}

),

renamed as (

    select
        {{ clean_code('plan_code') }} as plan_code,
        {{ clean_code('task_code') }} as task_code,
        {{ clean_code('lead_agency_code') }} as lead_agency_code,
        section as plan_section,
        description_vi as task_description_vi,
        deadline_text,
        coalesce(is_key_task, false) as is_key_task

    from source

)

select * from renamed
