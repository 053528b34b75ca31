{#-
    The moment compliance is judged at: the as-of of the build dbt is running
    for (audit.mart_builds, recorded by planwatch before dbt starts:
    `planwatch build --as-of <ISO 8601 time with its offset>`, else the
    warehouse's clock then), or, when dbt runs without one, the time this dbt
    run started (`run_started_at`: one instant for every model, where now()
    would be each model's own transaction start). Recorded on every row as
    status_as_of_at, so that two builds at the same as-of give the same
    statuses.
-#}
{% macro status_as_of() -%}
    coalesce(
        (select build.as_of from audit.mart_builds as build where build.build_id = {{ current_build_id() }}),
        cast('{{ run_started_at.isoformat() }}' as timestamptz)
    )
{%- endmacro %}
