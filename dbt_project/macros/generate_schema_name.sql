{#-
    Use a model's custom schema name as is (staging, intermediate, marts, raw),
    without dbt's default "<target schema>_" prefix: the warehouse schemas are
    a public contract (BI tools and auditors query marts.*, raw.*).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
