-- One row per figure of every version that passed validation: version
-- (submission) × item (task, indicator, or project × capital source) × compared
-- measure (macros/compared_measures.sql), the value as text (numbers without
-- trailing zeros, dates ISO) and, for numbers, as numeric. A measure left
-- empty is a row with null values, so that a later version filling it in is a
-- change. mart_restatements sets each version beside the one before it.

with

task_versions as (

    select * from {{ ref('int_task_reports_versioned') }}

),

indicator_versions as (

    select * from {{ ref('int_indicator_reports_versioned') }}

),

disbursement_versions as (

    select * from {{ ref('int_disbursement_reports_versioned') }}

),

{%- set templates = [
    {'template': 'tasks', 'relation': 'task_versions', 'code': 'task_code', 'line': 'null'},
    {'template': 'indicators', 'relation': 'indicator_versions', 'code': 'indicator_code', 'line': 'null'},
    {'template': 'disbursement', 'relation': 'disbursement_versions', 'code': 'project_code',
     'line': 'capital_source'},
] %}

unpivoted as (

    {%- for t in templates %}

    select
        {{ t.relation }}.submission_id,
        '{{ t.template }}' as template,
        {{ t.relation }}.{{ t.code }} as item_code,
        cast({{ t.line if t.line == 'null' else t.relation ~ '.' ~ t.line }} as text) as capital_source,
        {{ t.relation }}.source_row,
        measures.measure,
        measures.value_text,
        measures.value_number

    from {{ t.relation }}
    cross join lateral (
        values
        {%- for measure in compared_measures(t.template) %}
            (
                '{{ measure.name }}',
                {%- if measure.kind == 'number' %}
                cast(trim_scale(cast({{ t.relation }}.{{ measure.name }} as numeric)) as text),
                cast({{ t.relation }}.{{ measure.name }} as numeric)
                {%- else %}
                cast({{ t.relation }}.{{ measure.name }} as text),
                cast(null as numeric)
                {%- endif %}
            ){{ ',' if not loop.last }}
        {%- endfor %}
    ) as measures (measure, value_text, value_number)
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
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
