-- One row per figure of a fact row and the version it came from: from any row
-- of fct_task_progress, fct_indicator_value or fct_disbursement (fact_name and
-- its key) to the submission, its file (name, SHA-256, where it is archived)
-- and the sheet and row the figure was read from. figure_as_of latest is the
-- row's figures (submission_id, source_row); deadline the figures known at the
-- deadline (deadline_submission_id, deadline_source_row), when any were.

{%- set facts = [
    {'model': 'fct_task_progress', 'key': 'task_progress_key', 'template': 'tasks',
     'item': 'task_code', 'line': 'null'},
    {'model': 'fct_indicator_value', 'key': 'indicator_value_key', 'template': 'indicators',
     'item': 'indicator_code', 'line': 'null'},
    {'model': 'fct_disbursement', 'key': 'disbursement_key', 'template': 'disbursement',
     'item': 'project_code', 'line': 'capital_source'},
] %}

with

{% for fact in facts -%}
{{ fact.model }} as (

    select * from {{ ref(fact.model) }}

),

{% endfor -%}

submissions as (

    select * from {{ ref('stg_audit__submissions') }}

),

files as (

    select * from {{ ref('stg_audit__files') }}

),

figures as (

    {%- for fact in facts %}
    {%- set fact_loop = loop %}
    {%- for as_of, prefix in [('latest', ''), ('deadline', 'deadline_')] %}
    {%- if not (fact_loop.first and loop.first) %}

    union all
    {%- endif %}

    select
        '{{ fact.model }}' as fact_name,
        {{ fact.model }}.{{ fact.key }} as fact_key,
        '{{ as_of }}' as figure_as_of,
        {{ fact.model }}.plan_key,
        {{ fact.model }}.plan_code,
        {{ fact.model }}.month_key,
        {{ fact.model }}.period,
        '{{ fact.template }}' as template,
        {{ fact.model }}.{{ fact.item }} as item_code,
        {{ 'cast(null as text)' if fact.line == 'null' else fact.model ~ '.' ~ fact.line }} as capital_source,
        {{ fact.model }}.{{ prefix }}submission_id{{ ' as submission_id' if prefix }},
        {{ fact.model }}.{{ prefix }}source_row{{ ' as source_row' if prefix }}

    from {{ fact.model }}
    {%- if prefix %}
    where {{ fact.model }}.{{ prefix }}submission_id is not null
    {%- endif %}
    {%- endfor %}
    {%- endfor %}

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
