-- Every row of the three data facts traces through mart_lineage to its
-- submission and row, and so does every figure known at the deadline.

with

fact_figures as (

    select
        'fct_task_progress' as fact_name,
        task_progress_key as fact_key,
        submission_id,
        source_row,
        deadline_submission_id,
        deadline_source_row
    from {{ ref('fct_task_progress') }}

    union all

    select
        'fct_indicator_value' as fact_name,
        indicator_value_key as fact_key,
        submission_id,
        source_row,
        deadline_submission_id,
        deadline_source_row
    from {{ ref('fct_indicator_value') }}

    union all

    select
        'fct_disbursement' as fact_name,
        disbursement_key as fact_key,
        submission_id,
        source_row,
        deadline_submission_id,
        deadline_source_row
    from {{ ref('fct_disbursement') }}

),

lineage as (

    select * from {{ ref('mart_lineage') }}

)

select fact_figures.*
from fact_figures
left join lineage as latest
    on fact_figures.fact_name = latest.fact_name
    and fact_figures.fact_key = latest.fact_key
    and latest.figure_as_of = 'latest'
left join lineage as at_deadline
    on fact_figures.fact_name = at_deadline.fact_name
    and fact_figures.fact_key = at_deadline.fact_key
    and at_deadline.figure_as_of = 'deadline'
where latest.submission_id is distinct from fact_figures.submission_id
    or latest.source_row is distinct from fact_figures.source_row
    or at_deadline.submission_id is distinct from fact_figures.deadline_submission_id
    or at_deadline.source_row is distinct from fact_figures.deadline_source_row
