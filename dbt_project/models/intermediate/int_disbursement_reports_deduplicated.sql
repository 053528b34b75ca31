-- One row per agency × period × project_code × capital_source: the rows of the
-- latest accepted `disbursement` submission of each agency and period.
-- A project is reported on one line per capital source (NSTW, NSĐP, ODA, ...),
-- so the "code" that must not repeat is project_code + capital_source; when it
-- does repeat in one submission, the highest source_row wins.

with

disbursement_rows as (

    select * from {{ ref('stg_raw__disbursements') }}

),

latest_submissions as (

    select * from {{ ref('int_submissions_versioned') }}
    where is_latest_accepted
        and template = 'disbursement'

),

joined as (

    select
        latest_submissions.agency_code,
        latest_submissions.period,
        latest_submissions.month_key,
        latest_submissions.received_at,
        disbursement_rows.*

    from disbursement_rows
    inner join latest_submissions
        on disbursement_rows.submission_id = latest_submissions.submission_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by submission_id, project_code, capital_source
            order by source_row desc
        ) as row_rank

    from joined

),

final as (

    select
        agency_code,
        period,
        month_key,
        project_code,
        capital_source,
        submission_id,
        source_row,
        received_at,
        row_label,
        reported_name_vi,
        investor,
        annual_plan_vnd,
        carried_over_plan_vnd,
        month_disbursed_vnd,
        ytd_disbursed_vnd,
        reported_rate,
        issues_text

    from ranked
    where row_rank = 1

)

select * from final
