-- One row per month of the plan year (month_key YYYYMM) with its reporting
-- calendar, plus the unknown member (month_key -1).

with

months as (

    select * from {{ ref('int_months_spined') }}

),

unknown_member as (

    select
        -1 as month_key,
        cast(null as date) as month_start_date,
        cast(null as date) as month_end_date,
        'UNKNOWN' as period,
        'Không xác định' as month_label_vi,
        cast(null as integer) as year,
        cast(null as integer) as quarter,
        cast(null as integer) as month_number,
        cast(null as date) as cutoff_date,
        cast(null as timestamptz) as deadline_at,
        cast(null as timestamptz) as on_time_before_at

),

final as (

    select
        month_key,
        month_start_date,
        month_end_date,
        period,
        month_label_vi,
        year,
        quarter,
        month_number,
        cutoff_date,
        deadline_at,
        on_time_before_at

    from months

    union all

    select * from unknown_member

)

select * from final
