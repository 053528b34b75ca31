-- One row per figure of every version that passed validation: version
-- (submission) × item (task, indicator, or project × capital source) × compared
-- measure (macros/compared_measures.sql), the value as text (numbers without
-- trailing zeros, dates ISO) and, for numbers, as numeric. A measure left
-- empty is a row with null values, so that a later version filling it in is a
-- change. int_report_values_changed sets each version beside the one before it.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

task_versions as (

    select * from {{ ref('int_task_reports_versioned') }}
    where {{ in_slices() }}

),

indicator_versions as (

    select * from {{ ref('int_indicator_reports_versioned') }}
    where {{ in_slices() }}

),

disbursement_versions as (

    select * from {{ ref('int_disbursement_reports_versioned') }}
    where {{ in_slices() }}

),

unpivoted as (

    select
        task_versions.plan_code,
        task_versions.month_key,
        task_versions.submission_id,
        'tasks' as template,
        task_versions.task_code as item_code,
        cast(null as text) as capital_source,
        task_versions.source_row,
        measures.measure,
        measures.value_text,
        measures.value_number

    from task_versions
    cross join
        lateral (
            values {{ measure_values('tasks', 'task_versions') }}
        ) as measures (measure, value_text, value_number)

    union all

    select
        indicator_versions.plan_code,
        indicator_versions.month_key,
        indicator_versions.submission_id,
        'indicators' as template,
        indicator_versions.indicator_code as item_code,
        cast(null as text) as capital_source,
        indicator_versions.source_row,
        measures.measure,
        measures.value_text,
        measures.value_number

    from indicator_versions
    cross join
        lateral (
            values {{ measure_values('indicators', 'indicator_versions') }}
        ) as measures (measure, value_text, value_number)

    union all

    select
        disbursement_versions.plan_code,
        disbursement_versions.month_key,
        disbursement_versions.submission_id,
        'disbursement' as template,
        disbursement_versions.project_code as item_code,
        disbursement_versions.capital_source,
        disbursement_versions.source_row,
        measures.measure,
        measures.value_text,
        measures.value_number

    from disbursement_versions
    cross join
        lateral (
            values {{ measure_values('disbursement', 'disbursement_versions') }}
        ) as measures (measure, value_text, value_number)

),

final as (

    select
        plan_code,
        month_key,
        submission_id,
        template,
        item_code,
        capital_source,
        measure,
        value_text,
        value_number,
        source_row

    from unpivoted

)

select * from final
