-- What each agency owes each month of its plan's year, template by template,
-- and its compliance status as of the build: int_submissions_classified's rows,
-- every month, reporting horizon or not. fct_submission (the fact analysts
-- use) stops at each plan's horizon; the deadline's notices read this, so that
-- a month in which nothing was accepted yet still shows who owes what.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

classified as (

    select * from {{ ref('int_submissions_classified') }}
    where {{ in_slices() }}

),

plans as (

    select * from {{ ref('dim_plan') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

final as (

    select
        {{ surrogate_key([
            'classified.plan_code', 'classified.agency_code', 'classified.month_key', 'classified.template'
        ]) }} as owed_key,
        coalesce(plans.plan_key, -1) as plan_key,
        coalesce(agencies.agency_key, -1) as agency_key,
        classified.month_key,
        classified.plan_code,
        classified.agency_code,
        classified.period,
        classified.template,
        classified.compliance_status,
        classified.is_due,
        classified.deadline_at,
        classified.on_time_before_at,
        classified.status_as_of_at

    from classified
    left join plans
        on classified.plan_code = plans.plan_code
    left join agencies
        on classified.plan_code = agencies.plan_code
        and classified.agency_code = agencies.agency_code

)

select * from final
