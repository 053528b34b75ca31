{#
    The rows of the submissions of one template that a filter on
    int_submissions_versioned picks, with the submission's plan, agency,
    period, month, arrival time and place among the versions. When a code
    repeats within a submission, the row further down the sheet (highest
    source_row) wins: a clerk's later line corrects an earlier one.

    rows_model: the staging model of the template's raw rows
    template:   'tasks' | 'indicators' | 'disbursement'
    row_key:    the columns that identify a row within a submission
    versions:   a boolean column of int_submissions_versioned: is_latest_accepted
                (the version in force), is_ever_accepted (every version that
                passed validation), is_deadline_version (known at the deadline)
#}
{% macro version_rows(rows_model, template, row_key, versions) %}
    select *
    from (
        select
            versions.plan_code,
            versions.agency_code,
            versions.period,
            versions.month_key,
            versions.received_at,
            versions.version,
            versions.accepted_sequence,
            versions.is_latest_accepted,
            versions.is_deadline_version,
            versions.is_restatement,
            reported.*,
            row_number() over (
                partition by reported.submission_id, {{ 'reported.' ~ row_key | join(', reported.') }}
                order by reported.source_row desc
            ) as row_rank

        from {{ ref(rows_model) }} as reported
        inner join {{ ref('int_submissions_versioned') }} as versions
            on reported.submission_id = versions.submission_id
        where versions.{{ versions }}
            and versions.template = '{{ template }}'
            and {{ in_slices('versions.plan_code', 'versions.month_key') }}
    ) as ranked
    where row_rank = 1
{% endmacro %}

{#- The rows of the latest accepted submission of each plan × agency × period. -#}
{% macro latest_accepted_rows(rows_model, template, row_key) %}
    {{ version_rows(rows_model, template, row_key, 'is_latest_accepted') }}
{% endmacro %}
