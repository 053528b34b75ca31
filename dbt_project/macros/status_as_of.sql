{#-
    The moment compliance is judged at: the var `as_of` when given
    (`planwatch build --as-of <ISO 8601 time with its offset>`), else the time
    this dbt run started (`run_started_at`: one instant for every model of a build,
    where now() would be each model's own transaction start). Recorded on every
    row as status_as_of_at, so that two builds at the same as-of give the same
    statuses.
-#}
{% macro status_as_of() -%}
    {%- set given = var('as_of', none) -%}
    {%- if given -%}
        cast('{{ given }}' as timestamptz)
    {%- else -%}
        cast('{{ run_started_at.isoformat() }}' as timestamptz)
    {%- endif -%}
{%- endmacro %}
