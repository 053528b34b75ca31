{#-
    Direction-aware judgement of an indicator value against its target range,
    with the catalog's tolerance t for approximate targets ("khoảng", "ổn định
    ... đạt"): a fraction of the target the value may miss by (0.05 = 5 %); a
    null tolerance means an exact target (t = 0). The tolerance widens the
    target to its tolerated bounds low × (1 − t) and high × (1 + t):

    higher_is_better: attained when value >= low × (1 − t) (high if no low);
                      ratio = value / (low × (1 − t)).
    lower_is_better:  attained when value <= high × (1 + t) (low if no high),
                      e.g. a poverty rate of 1.76 against "below 1.76" is
                      attained; ratio = high × (1 + t) / value.
    within_range:     attained when low × (1 − t) <= value <= high × (1 + t)
                      (a missing bound is open, at least one is needed);
                      ratio = 1 inside, value / (low × (1 − t)) below,
                      high × (1 + t) / value above.

    The ratio is measured against the tolerated bound, so in every direction
    ratio >= 1 exactly when attained (targets are positive). Null when the value
    or the target is missing, or the ratio would divide by zero. The ratio is
    truncated (not rounded) to 4 decimals, so that a value just short of its
    bound (54 999 ha against 55 000) stays below 1 and never reads as attained.
-#}
{% macro tolerated_low(target_low, tolerance) -%}
    ({{ target_low }} * (1 - coalesce({{ tolerance }}, 0)))
{%- endmacro %}

{% macro tolerated_high(target_high, tolerance) -%}
    ({{ target_high }} * (1 + coalesce({{ tolerance }}, 0)))
{%- endmacro %}

{% macro is_attained(value, direction, target_low, target_high, tolerance='null') -%}
    {%- set low = tolerated_low(target_low, tolerance) -%}
    {%- set high = tolerated_high(target_high, tolerance) -%}
    case
        when {{ value }} is null then null
        when {{ direction }} = 'higher_is_better'
            then {{ value }} >= coalesce({{ low }}, {{ high }})
        when {{ direction }} = 'lower_is_better'
            then {{ value }} <= coalesce({{ high }}, {{ low }})
        when {{ direction }} = 'within_range'
            and coalesce({{ target_low }}, {{ target_high }}) is not null
            then ({{ target_low }} is null or {{ value }} >= {{ low }})
            and ({{ target_high }} is null or {{ value }} <= {{ high }})
    end
{%- endmacro %}

{% macro attainment_ratio(value, direction, target_low, target_high, tolerance='null') -%}
    {%- set low = tolerated_low(target_low, tolerance) -%}
    {%- set high = tolerated_high(target_high, tolerance) -%}
    trunc(
        case
            when {{ value }} is null then null
            when {{ direction }} = 'higher_is_better'
                then {{ value }} / nullif(coalesce({{ low }}, {{ high }}), 0)
            when {{ direction }} = 'lower_is_better'
                then coalesce({{ high }}, {{ low }}) / nullif({{ value }}, 0)
            when {{ direction }} = 'within_range' then
                case
                    when {{ value }} < {{ low }} then {{ value }} / nullif({{ low }}, 0)
                    when {{ value }} > {{ high }} then {{ high }} / nullif({{ value }}, 0)
                    when coalesce({{ target_low }}, {{ target_high }}) is not null then 1
                end
        end,
        4
    )
{%- endmacro %}
