{#
    The unknown member of a dimension: the row facts point to when a code is
    not in the catalog. Its columns are the model's contract (the columns and
    data_type declared in the model's yml), in that order, so the member always
    has the dimension's shape. Defaults by column:

      <name>_key                       -1
      boolean                          false
      <name>_count                     0
      <name>_code                      'UNKNOWN'
      <name>_name_vi, *_label_vi,
      *_description_vi, *_title_vi     'Không xác định'
      anything else                    null

    overrides: column name -> SQL expression, for what differs from the defaults.

    dimension_columns() is the same column list, comma-separated, to select the
    catalog rows in the contract's order before the union with the member.
#}
{% macro unknown_member(overrides={}) %}
    {%- set columns = model.columns.values() | list if execute else [] -%}
    select
    {%- for column in columns %}
        {%- set name = column.name -%}
        {%- set data_type = column.data_type | lower -%}
        {%- if name in overrides -%}
            {%- set value = overrides[name] -%}
        {%- elif name.endswith('_key') -%}
            {%- set value = '-1' -%}
        {%- elif data_type == 'boolean' -%}
            {%- set value = 'false' -%}
        {%- elif name.endswith('_count') -%}
            {%- set value = '0' -%}
        {%- elif name.endswith('_code') -%}
            {%- set value = "'UNKNOWN'" -%}
        {%- elif name.endswith(('_name_vi', '_label_vi', '_description_vi', '_title_vi')) -%}
            {%- set value = "'Không xác định'" -%}
        {%- else -%}
            {%- set value = 'null' -%}
        {%- endif %}
        cast({{ value }} as {{ data_type }}) as {{ name }}{{ ',' if not loop.last }}
    {%- else %}
        null as unknown_member
    {%- endfor %}
{% endmacro %}

{% macro dimension_columns() -%}
    {%- if execute -%}
        {{ model.columns.keys() | join(', ') }}
    {%- else -%}
        *
    {%- endif -%}
{%- endmacro %}
