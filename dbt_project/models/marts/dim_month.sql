-- One row per month of the year of any plan (month_key YYYYMM) with its
-- reporting calendar, plus the unknown member (month_key -1).

with

months as (

    select * from {{ ref('int_months_spined') }}

),

final as (

    select {{ dimension_columns() }}
    from months

    union all

    {{ unknown_member({'period': "'UNKNOWN'"}) }}

)

select * from final
