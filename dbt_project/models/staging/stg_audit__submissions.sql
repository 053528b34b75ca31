-- One row per submission (file × template) with its fate and the plan it
-- reports to. The reporting month is derived from the text period so that
-- later models join on month_key.

with

source as (

    select * from {{ source('audit', 'submissions') }}

),

renamed as (

    select
        submission_id,
        {{ clean_code('plan_code') }} as plan_code,
        file_name,
        inbox_path,
        file_sha256,
        {{ clean_code('agency_code') }} as agency_code,
        period,
        -- period is checked '^\d{4}-\d{2}$' by the table; YYYYMM as an integer.
        cast(replace(period, '-', '') as integer) as month_key,
        template,
        received_at,
        received_at_kind,
        file_modified_at,
        historical_import_id,
        processed_at,
        status as submission_status,
        status in ('accepted', 'accepted_with_warnings') as is_accepted,
        status = 'rejected' as is_rejected,
        status = 'duplicate' as is_duplicate,
        version,
        row_count,
        reasons,
        sheet_name,
        receipt_path,
        duplicate_of as duplicate_of_submission_id,
        superseded_by as superseded_by_submission_id,
        code_version,
        -- Arrived while its month was closed: never part of the deadline view.
        is_restatement,
        -- The folder it came through; the Department's own import is told apart.
        submitted_via,
        coalesce(submitted_via = 'shared_folder', false) as is_department_import

    from source

)

select * from renamed
