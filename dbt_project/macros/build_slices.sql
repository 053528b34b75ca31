{#-
    Incremental builds by slice: a plan (one plan-year) from a month onward.

    A build of the marts (planwatch.warehouse.mart_builds) records, before dbt
    starts, what changed since the last build in audit.mart_builds (one row,
    unfinished while dbt runs: its as-of, and whether it rebuilds everything)
    and audit.mart_build_slices (each plan to rebuild, from which month_key; 0:
    the whole year; no plan: the submissions that name no plan or period). Each
    model reads them when it runs (build_slices) and writes them into its SQL
    as constants, so the build changes no dbt var, dbt's partial parse is kept
    from one build to the next, and PostgreSQL compares each row with a few
    values rather than running a subquery per row.

    A plan from a month onward, because figures carry across months (year to
    date, compliance to date): a change to March rebuilds that plan's March to
    December and nothing else.

    Each incremental model filters its inputs with in_slices (or with
    in_slice_plans, when a month reads the months before it) and the strategy
    below replaces exactly the rows in_slices selects. Without an unfinished
    build (dbt run by hand) or on its first run, a model is built whole.
-#}

{#- Whether this model is being built incrementally: an existing table, no
    --full-refresh. (dbt's unit tests have no `this`: they build whole.) -#}
{% macro builds_by_slice() -%}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro %}

{#- The index every model built by slice has: its rows are found by plan (a
    slice is a plan from a month on; one plan of hundreds at national scale). -#}
{% macro slice_indexes() -%}
    {{ return([{'columns': ['plan_code']}]) }}
{%- endmacro %}

{#- The build dbt is running for: the one planwatch recorded and has not finished. -#}
{% macro current_build_id() -%}
    (select max(build.build_id) from audit.mart_builds as build where build.finished_at is null)
{%- endmacro %}

{#- Rows of the slices being rebuilt: true when the model is built whole. -#}
{% macro in_slices(plan_column='plan_code', month_column='month_key') -%}
    {%- if not builds_by_slice() -%}
        true
    {%- else -%}
        {{ slice_rows(plan_column, month_column) }}
    {%- endif -%}
{%- endmacro %}

{#- Rows of the plans being rebuilt, every month: the input of a figure that
    carries across months (its slices' rows are then kept with in_slices). -#}
{% macro in_slice_plans(plan_column='plan_code') -%}
    {%- if not builds_by_slice() -%}
        true
    {%- else -%}
        {{ slice_plan_rows(plan_column) }}
    {%- endif -%}
{%- endmacro %}

{#- The running build's slices, read when the node runs (one small query):
    none when the build is whole or none is recorded (every row), else a list
    of (plan_code or none for the unplaced rows, from_month_key). Written into
    the node's SQL as constants, so that PostgreSQL compares each row with a
    few values (and can use an index on plan_code, month_key) instead of
    running a subquery per row. -#}
{% macro build_slices() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query(
        "select build.is_whole, slice.build_id is not null, slice.slice_plan_code,
                slice.slice_from_month_key
         from audit.mart_builds as build
         left join audit.mart_build_slices as slice on slice.build_id = build.build_id
         where build.build_id = " ~ current_build_id()) -%}
    {%- if found.rows | length == 0 or found.rows[0][0] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set slices = [] -%}
    {%- for row in found.rows if row[1] -%}
        {%- do slices.append([row[2], row[3]]) -%}
    {%- endfor -%}
    {{ return(slices) }}
{%- endmacro %}

{#- The conditions themselves, true for every row when the build is whole:
    a row of a slice's plan from its month on (every month without a month
    column), or, for the unplaced slice, a row with no plan or month. -#}
{% macro slice_rows(plan_column, month_column=none) -%}
    {%- set slices = build_slices() -%}
    {%- if slices is none -%}
        true
    {%- else -%}
        (false
        {%- for plan, month in slices %}
            {%- if plan is none %} or {{ plan_column }} is null
                {%- if month_column %} or {{ month_column }} is null{% endif %}
            {%- else %} or ({{ plan_column }} = '{{ plan | replace("'", "''") }}'
                {%- if month_column %} and {{ month_column }} >= {{ month | int }}{% endif %})
            {%- endif %}
        {%- endfor %})
    {%- endif -%}
{%- endmacro %}

{% macro slice_plan_rows(plan_column) -%}
    {{ slice_rows(plan_column) }}
{%- endmacro %}

{#- What a data test of a model reads (dbt calls this for every generic test's
    model; its own version applies the test's `where`). For a model rebuilt by
    slice, the rows of this build's slices: the others were not rewritten and
    were tested by the build that wrote them (a build whose tests fail is not
    recorded as succeeded, so its slices are built and tested again). A whole
    build, or dbt run by hand with no build recorded, tests every row. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set node = graph.nodes.get(model.attached_node) if execute and model.attached_node else none -%}
    {%- set sliced = node is not none and node.config.materialized == 'incremental'
        and node.config.incremental_strategy == 'slices' -%}
    {%- if sliced -%}
        {%- set plan_column = node.config.get('slice_plan', 'plan_code') -%}
        {%- set rows = slice_plan_rows(plan_column) if node.config.get('slice_grain') == 'plan'
            else slice_rows(plan_column, node.config.get('slice_month', 'month_key')) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ rows }}{{ ' and (' ~ where ~ ')' if where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- elif where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The strategy `slices`: delete the slices' rows, insert the model's. A
    slice whose rows are all gone (none is left) is emptied, which dbt's
    delete+insert, keyed by the new rows, would not do. A model whose rows are
    not keyed by plan_code and month_key names its columns (config slice_plan,
    slice_month: SQL expressions); one keyed by plan alone (slice_grain 'plan')
    is replaced plan by plan. -#}
{% macro get_incremental_slices_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where
    {%- if config.get('slice_grain') == 'plan' %} {{ in_slice_plans(config.get('slice_plan', 'plan_code')) }};
    {%- else %} {{ in_slices(config.get('slice_plan', 'plan_code'), config.get('slice_month', 'month_key')) }};
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
