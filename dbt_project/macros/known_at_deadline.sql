{#
    The fact grain's report as known at the deadline: among the versions known
    at the deadline (int_submissions_versioned.is_deadline_version: the newest
    version that passed validation received before the deadline plus grace,
    never a restatement) of the agencies that reported the grain, the lead
    agency's first, as the latest figures are picked
    (macros/lead_agency_report_first.sql). Returns the grain's columns, the
    deadline report's submission_id, source_row and received_at as
    deadline_submission_id, deadline_source_row and deadline_received_at, and
    each compared measure (macros/compared_measures.sql) as <measure>_at_deadline.

    relation:     a CTE of a template's int_*_reports_versioned rows, filtered
                  on is_deadline_version
    partition_by: the columns of the fact's grain (plan_code first)
    template:     'tasks' | 'indicators' | 'disbursement'
#}
{% macro known_at_deadline(relation, partition_by, template) %}
    select
        {{ partition_by | join(', ') }},
        submission_id as deadline_submission_id,
        source_row as deadline_source_row,
        received_at as deadline_received_at
        {%- for measure in compared_measures(template) %},
        {{ measure.name }} as {{ measure.name }}_at_deadline
        {%- endfor %}

    from ({{ lead_agency_report_first(relation, partition_by) }}) as picked_at_deadline
{% endmacro %}
