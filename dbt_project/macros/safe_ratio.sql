{#-
    numerator / denominator as an exact numeric rounded to `scale` decimals;
    null when the denominator is 0 or null (no division by zero, no made-up
    rate). Used for disbursement and on-time rates.
-#}
{% macro safe_ratio(numerator, denominator, scale=6) -%}
    round(cast({{ numerator }} as numeric) / nullif({{ denominator }}, 0), {{ scale }})
{%- endmacro %}
