-- One row per calendar month of the year of any plan in the catalog
-- (stg_plan__plans.plan_year; two plans of one year share its months), with
-- the reporting calendar of that month: data cut-off date and submission
-- deadline (vars cutoff_day, deadline_day, grace_days, timezone).

with

plans as (

    select * from {{ ref('stg_plan__plans') }}

),

plan_years as (

    select distinct plan_year
    from plans

),

month_numbers as (

    select generate_series(1, 12) as month_number

),

months as (

    select make_date(plan_years.plan_year, month_numbers.month_number, 1) as month_start_date
    from plan_years
    cross join month_numbers

),

final as (

    select
        cast(to_char(month_start_date, 'YYYYMM') as integer) as month_key,
        month_start_date,
        cast(month_start_date + interval '1 month' - interval '1 day' as date) as month_end_date,
        to_char(month_start_date, 'YYYY-MM') as period,
        'Tháng ' || to_char(month_start_date, 'MM/YYYY') as month_label_vi,
        cast(extract(year from month_start_date) as integer) as year,
        cast(extract(quarter from month_start_date) as integer) as quarter,
        cast(extract(month from month_start_date) as integer) as month_number,
        -- Data cut-off (ngày chốt số liệu): the report covers up to this day.
        month_start_date + (cast('{{ var("cutoff_day") }}' as integer) - 1) as cutoff_date,
        -- Deadline: 00:00 local time on deadline_day, i.e. a submission is on
        -- time when received before the 20th (by default). "timestamp at time
        -- zone" reads the wall-clock time in that zone and gives a timestamptz.
        (month_start_date + (cast('{{ var("deadline_day") }}' as integer) - 1))::timestamp
        at time zone '{{ var("timezone") }}' as deadline_at,
        -- The deadline plus the configured grace days: received before this
        -- instant counts as on time.
        (
            (month_start_date + (cast('{{ var("deadline_day") }}' as integer) - 1))::timestamp
            at time zone '{{ var("timezone") }}'
        )
        + make_interval(days => cast('{{ var("grace_days") }}' as integer)) as on_time_before_at

    from months

)

select * from final
