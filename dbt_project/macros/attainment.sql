{#-
    Direction-aware judgement of an indicator value against its target range.

    higher_is_better: attained when value >= target_low (target_high if no low);
                      ratio = value / target.
    lower_is_better:  attained when value <= target_high (target_low if no high),
                      e.g. a poverty rate of 1.5 against "below 1.76" is attained;
                      ratio = target / value.
    within_range:     attained when target_low <= value <= target_high (a missing
                      bound is open); ratio = 1 inside the range, value / low
                      below it, high / value above it.
    So in every direction ratio >= 1 means attained. Null when the value or the
    target is missing, or the ratio would divide by zero. The ratio is truncated
    (not rounded) to 4 decimals, so that a value just short of its target
    (54 998 ha against 55 000) stays below 1 and never reads as attained.
-#}
{% macro is_attained(value, direction, target_low, target_high) -%}
    case
        when {{ value }} is null then null
        when {{ direction }} = 'higher_is_better'
            then {{ value }} >= coalesce({{ target_low }}, {{ target_high }})
        when {{ direction }} = 'lower_is_better'
            then {{ value }} <= coalesce({{ target_high }}, {{ target_low }})
        when {{ direction }} = 'within_range'
            and coalesce({{ target_low }}, {{ target_high }}) is not null
            then ({{ target_low }} is null or {{ value }} >= {{ target_low }})
                and ({{ target_high }} is null or {{ value }} <= {{ target_high }})
    end
{%- endmacro %}

{% macro attainment_ratio(value, direction, target_low, target_high) -%}
    trunc(
        case
            when {{ value }} is null then null
            when {{ direction }} = 'higher_is_better'
                then {{ value }} / nullif(coalesce({{ target_low }}, {{ target_high }}), 0)
            when {{ direction }} = 'lower_is_better'
                then coalesce({{ target_high }}, {{ target_low }}) / nullif({{ value }}, 0)
            when {{ direction }} = 'within_range' then
                case
                    when {{ value }} < {{ target_low }} then {{ value }} / nullif({{ target_low }}, 0)
                    when {{ value }} > {{ target_high }} then {{ target_high }} / nullif({{ value }}, 0)
                    when coalesce({{ target_low }}, {{ target_high }}) is not null then 1
                end
        end,
        4
    )
{%- endmacro %}
