{#
    The rows of the latest accepted submission of each plan × agency × period
    for one template, with the submission's plan, agency, period, month and
    arrival time. When a code repeats within that submission, the row further
    down the sheet (highest source_row) wins: a clerk's later line corrects an
    earlier one.

    rows_model: the staging model of the template's raw rows
    template:   'tasks' | 'indicators' | 'disbursement'
    row_key:    the columns that identify a row within a submission
#}
{% macro latest_accepted_rows(rows_model, template, row_key) %}
    select *
    from (
        select
            latest.plan_code,
            latest.agency_code,
            latest.period,
            latest.month_key,
            latest.received_at,
            reported.*,
            row_number() over (
                partition by reported.submission_id, {{ 'reported.' ~ row_key | join(', reported.') }}
                order by reported.source_row desc
            ) as row_rank

        from {{ ref(rows_model) }} as reported
        inner join {{ ref('int_submissions_versioned') }} as latest
            on reported.submission_id = latest.submission_id
        where latest.is_latest_accepted
            and latest.template = '{{ template }}'
    ) as ranked
    where row_rank = 1
{% endmacro %}
