{#
    mart_lineage's rows of one fact: each fact row's figures as they are now
    (figure_as_of 'latest': submission_id, source_row) and, when anything was
    known then, as known at the deadline ('deadline': deadline_submission_id,
    deadline_source_row), with the row's plan, month and item.

    fact:     the fact's name (fct_task_progress, ...), a CTE of the same name
    key:      its key column
    template: its template
    item:     its item code column
    line:     the column of a line within the item (capital_source), if any
#}
{% macro lineage_figures(fact, key, template, item, line=none) %}
    {%- for as_of, prefix in [('latest', ''), ('deadline', 'deadline_')] %}
    {%- if not loop.first %}

    union all
    {% endif %}
    select
        '{{ fact }}' as fact_name,
        {{ fact }}.{{ key }} as fact_key,
        '{{ as_of }}' as figure_as_of,
        {{ fact }}.plan_key,
        {{ fact }}.plan_code,
        {{ fact }}.month_key,
        {{ fact }}.period,
        '{{ template }}' as template,
        {{ fact }}.{{ item }} as item_code,
        {{ fact ~ '.' ~ line if line else 'cast(null as text)' }} as capital_source,
        {{ fact }}.{{ prefix }}submission_id as submission_id,
        {{ fact }}.{{ prefix }}source_row as source_row

    from {{ fact }}
    where {{ fact }}.{{ prefix }}submission_id is not null
    {%- endfor %}
{% endmacro %}
