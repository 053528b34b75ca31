{#-
    Every value of the column names a row of the same plan in another model:
    a relationships test keyed by (plan_code, column), since codes are unique
    only within a plan. Nulls pass (say not_null where a reference is required).
-#}
{% test in_plan(model, column_name, to, field) %}

select child.plan_code, child.{{ column_name }}
from {{ model }} as child
left join {{ to }} as parent
    on child.plan_code = parent.plan_code
    and child.{{ column_name }} = parent.{{ field }}
where child.{{ column_name }} is not null
    and parent.{{ field }} is null

{% endtest %}
