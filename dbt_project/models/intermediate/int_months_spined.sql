-- One row per calendar month of the year of any plan in the catalog
-- (stg_plan__plans.plan_year; two plans of one year share its months), with
-- the reporting calendar of that month: data cut-off date and submission
-- deadline (vars cutoff_day, deadline_day, deadline_rule, grace_days, timezone).
-- The last day to send is the day before deadline_day; under the rule
-- next_working_day a last day that is not a working day moves to the next
-- working day (seed calendar_days, generated from the Department's calendar
-- file and the holidays package: src/planwatch/vocabulary/calendar.py, which
-- Python's deadlines read too); under none it stays.

{%- if var("deadline_rule") not in ["next_working_day", "none"] %}
    {{ exceptions.raise_compiler_error(
        "deadline_rule must be next_working_day or none, got " ~ var("deadline_rule")) }}
{%- endif %}

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

calendar_days as (

    select * from {{ ref('calendar_days') }}

),

months as (

    select make_date(plan_years.plan_year, month_numbers.month_number, 1) as month_start_date
    from plan_years
    cross join month_numbers

),

last_days as (

    select
        months.month_start_date,
        {% if var("deadline_rule") == "none" -%}
            calendar_days.calendar_date
        {%- else -%}
            calendar_days.next_working_day
        {%- endif %} as deadline_last_day
    from months
    -- A left join: a month outside the calendar's years has no deadline, and
    -- the tests on int_months_spined (not_null) fail the build.
    left join calendar_days
        on calendar_days.calendar_date
        = months.month_start_date + (cast('{{ var("deadline_day") }}' as integer) - 2)

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
        -- The last day to send, after the rule.
        deadline_last_day,
        -- Deadline: the end of the last day, i.e. 00:00 local time the day
        -- after. "timestamp at time zone" reads the wall-clock time in that
        -- zone and gives a timestamptz.
        (deadline_last_day + 1)::timestamp
        at time zone '{{ var("timezone") }}' as deadline_at,
        -- The deadline plus the configured grace days: received before this
        -- instant counts as on time.
        ((deadline_last_day + 1)::timestamp at time zone '{{ var("timezone") }}')
        + make_interval(days => cast('{{ var("grace_days") }}' as integer)) as on_time_before_at

    from last_days

)

select * from final
