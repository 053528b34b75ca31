-- One row per figure of a fact row and the version it came from: from any row
-- of fct_task_progress, fct_indicator_value or fct_disbursement (fact_name and
-- its key) to the submission, its file (name, SHA-256, where it is archived)
-- and the sheet and row the figure was read from. figure_as_of latest is the
-- row's figures (submission_id, source_row); deadline the figures known at the
-- deadline (deadline_submission_id, deadline_source_row), when any were
-- (macros/lineage_figures.sql).

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

fct_task_progress as (

    select * from {{ ref('fct_task_progress') }}
    where {{ in_slices() }}

),

fct_indicator_value as (

    select * from {{ ref('fct_indicator_value') }}
    where {{ in_slices() }}

),

fct_disbursement as (

    select * from {{ ref('fct_disbursement') }}
    where {{ in_slices() }}

),

submissions as (

    select * from {{ ref('stg_audit__submissions') }}
    where {{ in_slices() }}

),

files as (

    select * from {{ ref('stg_audit__files') }}

),

figures as (

    {{ lineage_figures('fct_task_progress', 'task_progress_key', 'tasks', 'task_code') }}

    union all

    {{ lineage_figures('fct_indicator_value', 'indicator_value_key', 'indicators', 'indicator_code') }}

    union all

    {{ lineage_figures('fct_disbursement', 'disbursement_key', 'disbursement', 'project_code', 'capital_source') }}

),

final as (

    select
        {{ surrogate_key(['figures.fact_name', 'figures.fact_key', 'figures.figure_as_of']) }} as lineage_key,
        figures.fact_name,
        figures.fact_key,
        figures.figure_as_of,
        figures.plan_key,
        figures.plan_code,
        figures.month_key,
        figures.period,
        figures.template,
        figures.item_code,
        figures.capital_source,
        submissions.agency_code,
        figures.submission_id,
        submissions.version,
        submissions.submission_status,
        submissions.is_restatement,
        submissions.received_at,
        submissions.file_name,
        submissions.file_sha256,
        files.file_size,
        files.archive_path,
        submissions.sheet_name,
        figures.source_row

    from figures
    inner join submissions
        on figures.submission_id = submissions.submission_id
    left join files
        on submissions.file_sha256 = files.file_sha256

)

select * from final
