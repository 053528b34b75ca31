-- One row per time the Department closed (published) or reopened a plan's
-- month; append-only, so a month's state is its latest event.

with

source as (

    select * from {{ source('audit', 'period_events') }}

),

renamed as (

    select
        event_id,
        {{ clean_code('plan_code') }} as plan_code,
        period,
        cast(replace(period, '-', '') as integer) as month_key,
        action as period_action,
        action = 'close' as is_close,
        actor,
        reason,
        occurred_at

    from source

)

select * from renamed
