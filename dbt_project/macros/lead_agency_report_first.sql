{#
    One report per fact grain: when several agencies report the same item in
    the same month, the item's lead agency's report is kept, else the most
    recently received one (then the highest submission_id). Used by
    fct_task_progress, fct_indicator_value and fct_disbursement.

    relation:     a CTE or relation with is_reported_by_lead_agency,
                  received_at and submission_id
    partition_by: the columns of the fact's grain (plan_code first)

    Adds reporting_agency_count (how many reports there were for the grain)
    and report_rank (always 1 in the result).
#}
{% macro lead_agency_report_first(relation, partition_by) %}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ partition_by | join(', ') }}
                order by
                    coalesce(is_reported_by_lead_agency, false) desc,
                    received_at desc,
                    submission_id desc
            ) as report_rank,
            count(*) over (partition by {{ partition_by | join(', ') }}) as reporting_agency_count

        from {{ relation }}
    ) as ranked
    where report_rank = 1
{% endmacro %}
