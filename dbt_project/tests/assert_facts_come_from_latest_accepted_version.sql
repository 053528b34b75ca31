-- Every fact row traces to the latest accepted version of its agency, period
-- and template, and to a row that exists in raw.*: no figure from a rejected,
-- superseded or older submission reaches the marts.

with

latest as (

    select
        submission_id,
        template
    from {{ ref('int_submissions_versioned') }}
    where is_latest_accepted

),

fact_rows as (

    select
        'tasks' as template,
        submission_id,
        source_row
    from {{ ref('fct_task_progress') }}

    union all

    select
        'indicators' as template,
        submission_id,
        source_row
    from {{ ref('fct_indicator_value') }}

    union all

    select
        'disbursement' as template,
        submission_id,
        source_row
    from {{ ref('fct_disbursement') }}

),

raw_rows as (

    select
        'tasks' as template,
        submission_id,
        source_row
    from {{ source('raw', 'tasks') }}

    union all

    select
        'indicators' as template,
        submission_id,
        source_row
    from {{ source('raw', 'indicators') }}

    union all

    select
        'disbursement' as template,
        submission_id,
        source_row
    from {{ source('raw', 'disbursement') }}

)

select fact_rows.*
from fact_rows
left join latest
    on fact_rows.submission_id = latest.submission_id
    and fact_rows.template = latest.template
left join raw_rows
    on fact_rows.submission_id = raw_rows.submission_id
    and fact_rows.source_row = raw_rows.source_row
    and fact_rows.template = raw_rows.template
where latest.submission_id is null
    or raw_rows.submission_id is null
