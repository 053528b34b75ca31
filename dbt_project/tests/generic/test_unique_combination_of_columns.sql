{#-
    The combination of the given columns is unique (the grain of a model).
    Written here because the project uses dbt-core built-ins only (no packages).
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as row_count

from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
