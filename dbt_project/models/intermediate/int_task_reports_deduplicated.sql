-- One row per agency × period × task_code: the task rows of the latest accepted
-- `tasks` submission of each agency and period. When a code appears twice in
-- that submission, the row further down the sheet (highest source_row) wins,
-- as a clerk's later line is taken to correct an earlier one.

with

task_rows as (

    select * from {{ ref('stg_raw__tasks') }}

),

latest_submissions as (

    select * from {{ ref('int_submissions_versioned') }}
    where is_latest_accepted
        and template = 'tasks'

),

joined as (

    select
        latest_submissions.agency_code,
        latest_submissions.period,
        latest_submissions.month_key,
        latest_submissions.received_at,
        task_rows.*

    from task_rows
    inner join latest_submissions
        on task_rows.submission_id = latest_submissions.submission_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by submission_id, task_code
            order by source_row desc
        ) as row_rank

    from joined

),

final as (

    select
        agency_code,
        period,
        month_key,
        task_code,
        submission_id,
        source_row,
        received_at,
        row_label,
        reported_description_vi,
        task_status,
        status_text,
        percent_complete,
        completed_date,
        result_text,
        issues_text,
        proposals_text

    from ranked
    where row_rank = 1

)

select * from final
