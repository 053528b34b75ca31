{#-
    Deterministic integer surrogate key from one or more text columns.

    md5 of the values (joined with a separator, nulls spelled out), of which the
    first 13 hex digits = 52 bits become a bigint: stable across rebuilds, never
    negative (so never the unknown member's -1), and below 2^53 so BI tools that
    hold numbers as JavaScript doubles read it exactly. With a few thousand codes
    the chance of a collision is about 1e-9; unique tests on every key catch it.
-#}
{% macro surrogate_key(columns) -%}
    ('x' || substr(md5(
        {%- for column in columns %}
        coalesce(cast({{ column }} as text), '<null>')
        {%- if not loop.last %} || '|' || {% endif -%}
        {% endfor %}
    ), 1, 13))::bit(52)::bigint
{%- endmacro %}
