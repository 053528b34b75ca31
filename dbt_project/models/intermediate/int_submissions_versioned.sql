-- One row per submission that names its plan, agency, period and template, with
-- its place among the versions sent for that plan × agency × period × template.
--
-- The version that feeds the marts is the latest *accepted* one: status
-- accepted or accepted_with_warnings, highest version (then latest received).
-- The loader also marks older versions 'superseded', but the ranking here does
-- not depend on that marking being complete or in step.

with

submissions as (

    select * from {{ ref('stg_audit__submissions') }}

),

identified as (

    -- A file that could not be read at all may lack agency, period or template,
    -- and one whose plan could not be found lacks plan_code (it is always
    -- rejected); it stays in audit.submissions but cannot be placed in a month.
    select *
    from submissions
    where plan_code is not null
        and agency_code is not null
        and period is not null
        and template is not null

),

ranked as (

    select
        *,
        row_number() over (
            partition by plan_code, agency_code, period, template, is_accepted
            order by version desc nulls last, received_at desc, submission_id desc
        ) as version_rank

    from identified

),

final as (

    select
        submission_id,
        plan_code,
        agency_code,
        period,
        month_key,
        template,
        received_at,
        processed_at,
        submission_status,
        version,
        row_count,
        file_name,
        file_sha256,
        reasons,
        is_accepted,
        is_rejected,
        is_duplicate,
        -- Accepted at some point: currently accepted or replaced by a newer version.
        submission_status in ('accepted', 'accepted_with_warnings', 'superseded') as is_ever_accepted,
        coalesce(is_accepted and version_rank = 1, false) as is_latest_accepted,
        case when is_accepted then version_rank end as accepted_version_rank

    from ranked

)

select * from final
