-- One row per plan × reporting agency (role lead, and it leads a task, an
-- indicator or a public-investment project of that plan): how many submissions
-- it owed up to the plan's reporting horizon and what became of them; all zero
-- while nothing has been received. Counts are per agency × month × template
-- (fct_submission rows); on_time_rate = on time / assessed (is_assessed: the
-- outcome is known, int_submissions_classified).

{{ config(materialized='incremental', indexes=slice_indexes(), slice_grain='plan') }}

with

submissions as (

    select * from {{ ref('fct_submission') }}
    where {{ in_slice_plans() }}

),

agencies as (

    select * from {{ ref('dim_agency') }}
    where
        is_reporting_agency
        and {{ in_slice_plans() }}

),

per_agency as (

    select
        agency_key,
        count(*) as expected_count,
        count(*) filter (where is_due) as due_count,
        count(*) filter (where is_assessed) as assessed_count,
        count(*) filter (where is_received) as received_count,
        count(*) filter (where is_on_time) as on_time_count,
        count(*) filter (where is_late) as late_count,
        count(*) filter (where is_missing) as missing_count,
        count(*) filter (where is_rejected) as rejected_count,
        count(*) filter (where compliance_status = 'not_yet_due') as not_yet_due_count,
        sum(rejected_count) as rejected_file_count,
        max(last_received_at) as last_received_at

    from submissions
    group by agency_key

),

final as (

    select
        agencies.agency_key,
        agencies.plan_key,
        agencies.plan_code,
        agencies.agency_code,
        agencies.agency_name_vi,
        agencies.agency_short_name_vi,
        agencies.agency_kind,
        agencies.contact_name,
        agencies.contact_email,
        coalesce(per_agency.expected_count, 0) as expected_count,
        coalesce(per_agency.due_count, 0) as due_count,
        coalesce(per_agency.assessed_count, 0) as assessed_count,
        coalesce(per_agency.received_count, 0) as received_count,
        coalesce(per_agency.on_time_count, 0) as on_time_count,
        coalesce(per_agency.late_count, 0) as late_count,
        coalesce(per_agency.missing_count, 0) as missing_count,
        coalesce(per_agency.rejected_count, 0) as rejected_count,
        coalesce(per_agency.not_yet_due_count, 0) as not_yet_due_count,
        cast(coalesce(per_agency.rejected_file_count, 0) as bigint) as rejected_file_count,
        {{ safe_ratio('per_agency.on_time_count', 'per_agency.assessed_count', 4) }} as on_time_rate,
        per_agency.last_received_at

    from agencies
    left join per_agency
        on agencies.agency_key = per_agency.agency_key

)

select * from final
