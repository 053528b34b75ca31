{#-
    The figures of each template that are compared across versions: what
    "known at the deadline" sets beside the latest in the facts
    (<measure>_at_deadline, is_restated) and what mart_restatements lists
    when a later version changes it. kind: number, text or date.
-#}
{% macro compared_measures(template) -%}
    {%- set measures = {
        'tasks': [
            {'name': 'task_status', 'kind': 'text'},
            {'name': 'percent_complete', 'kind': 'number'},
            {'name': 'completed_date', 'kind': 'date'},
        ],
        'indicators': [
            {'name': 'month_value', 'kind': 'number'},
            {'name': 'ytd_value', 'kind': 'number'},
            {'name': 'full_year_estimate', 'kind': 'number'},
        ],
        'disbursement': [
            {'name': 'annual_plan_vnd', 'kind': 'number'},
            {'name': 'carried_over_plan_vnd', 'kind': 'number'},
            {'name': 'month_disbursed_vnd', 'kind': 'number'},
            {'name': 'ytd_disbursed_vnd', 'kind': 'number'},
        ],
    } -%}
    {{ return(measures[template]) }}
{%- endmacro %}

{#-
    True when any compared measure of `template` differs (nulls compared as
    values) from its <measure>_at_deadline beside it (macros/known_at_deadline.sql).
-#}
{% macro measures_differ_from_deadline(template) -%}
    (
        {%- for measure in compared_measures(template) %}
        {{ measure.name }} is distinct from {{ measure.name }}_at_deadline
        {%- if not loop.last %} or{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{#-
    The compared measures of a template as items of a select list:
    [relation.]<measure><suffix>, comma-separated (no trailing comma).
-#}
{% macro measure_columns(template, relation=none, suffix='') -%}
    {%- for measure in compared_measures(template) -%}
        {{ relation ~ '.' if relation }}{{ measure.name }}{{ suffix }}{{ ',\n        ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#-
    The compared measures of a template's row in `relation` as the rows of a
    VALUES list (measure, value_text, value_number): numbers as text without
    trailing zeros and as numeric; text and dates as text.
-#}
{% macro measure_values(template, relation) -%}
    {%- for measure in compared_measures(template) -%}
        {%- set column = relation ~ '.' ~ measure.name -%}
        {%- if measure.kind == 'number' -%}
            ('{{ measure.name }}', cast(trim_scale(cast({{ column }} as numeric)) as text), cast({{ column }} as numeric))
        {%- else -%}
            ('{{ measure.name }}', cast({{ column }} as text), cast(null as numeric))
        {%- endif -%}
        {{ ',\n            ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
