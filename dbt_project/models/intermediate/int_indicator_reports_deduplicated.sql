-- One row per agency × period × indicator_code: the indicator rows of the latest
-- accepted `indicators` submission of each agency and period. When a code
-- appears twice in that submission, the highest source_row wins.

with

indicator_rows as (

    select * from {{ ref('stg_raw__indicators') }}

),

latest_submissions as (

    select * from {{ ref('int_submissions_versioned') }}
    where is_latest_accepted
        and template = 'indicators'

),

joined as (

    select
        latest_submissions.agency_code,
        latest_submissions.period,
        latest_submissions.month_key,
        latest_submissions.received_at,
        indicator_rows.*

    from indicator_rows
    inner join latest_submissions
        on indicator_rows.submission_id = latest_submissions.submission_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by submission_id, indicator_code
            order by source_row desc
        ) as row_rank

    from joined

),

final as (

    select
        agency_code,
        period,
        month_key,
        indicator_code,
        submission_id,
        source_row,
        received_at,
        row_label,
        reported_name_vi,
        reported_unit,
        reported_target_text,
        reported_target_low,
        reported_target_high,
        month_value,
        ytd_value,
        same_period_last_year_value,
        full_year_estimate,
        data_status,
        source_text,
        note

    from ranked
    where row_rank = 1

)

select * from final
