-- One row per submission received (file × template): every status, duplicates
-- and files that could not be placed in a plan included, as the auditor's
-- report lists what was received, with how many problems its checks recorded
-- (fct_data_quality's failed rows of audit.submissions.reasons) and how many of
-- those block. A duplicate records none of its own: its bytes' problems are
-- the original's.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

submissions as (

    select * from {{ ref('stg_audit__submissions') }}
    where {{ in_slices() }}

),

imports as (

    select * from {{ ref('stg_audit__historical_imports') }}

),

problems as (

    select
        submission_id,
        count(*) as problem_count,
        count(*) filter (where severity = 'block') as blocking_count

    from {{ ref('fct_data_quality') }}
    where
        is_failed
        and problem_ordinal is not null
        -- the slices' plans (by the index), then exactly the submissions above:
        -- fct_data_quality's own slice rule is its config's, not written again here
        and {{ in_slice_plans() }}
        and submission_id in (select submissions.submission_id from submissions)
    group by submission_id

),

final as (

    select
        submissions.submission_id,
        submissions.plan_code,
        submissions.period,
        submissions.month_key,
        submissions.agency_code,
        submissions.file_name,
        submissions.file_sha256,
        submissions.template,
        submissions.received_at,
        submissions.received_at_kind,
        submissions.file_modified_at,
        imports.operator_name as historical_operator_name,
        imports.db_role as historical_db_role,
        submissions.submission_status,
        submissions.version,
        submissions.row_count,
        submissions.receipt_path,
        submissions.is_restatement,
        submissions.submitted_via,
        submissions.is_department_import,
        submissions.duplicate_of_submission_id,
        submissions.superseded_by_submission_id,
        coalesce(problems.problem_count, 0) as problem_count,
        coalesce(problems.blocking_count, 0) as blocking_count

    from submissions
    left join imports
        on submissions.historical_import_id = imports.historical_import_id
    left join problems
        on submissions.submission_id = problems.submission_id

)

select * from final
