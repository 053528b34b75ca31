-- One row per rule × submission, and per problem where the rule found some:
-- every check a submission went through (duplicates aside: they repeat an
-- earlier submission and are not checked).
--
--   failed   each problem in audit.submissions.reasons (parser, catalog and
--            GX rules alike): one row per problem, with its row, values and
--            the earlier report it was compared with;
--   passed   a GX expectation that passed (audit.validation_results): one row,
--            no source row; and, should a failed expectation have no problem
--            recorded, one failed row for it.
--
-- rule_source: a code among the submission's validation_results is an
-- expectation; any other code takes its source from vocab_rules (catalog or
-- parser), null for a code this version of planwatch does not know.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

submissions as (

    select * from {{ ref('stg_audit__submissions') }}
    where
        not is_duplicate
        and {{ in_slices() }}

),

checks as (

    select * from {{ ref('stg_audit__validation_results') }}

),

rules as (

    select * from {{ ref('vocab_rules') }}

),

submission_checks as (

    select checks.*
    from checks
    inner join submissions
        on checks.submission_id = submissions.submission_id

),

problems as (

    select
        submissions.submission_id,
        problem.details,
        cast(problem.ordinal as integer) as problem_ordinal

    from submissions
    cross join lateral jsonb_array_elements(submissions.reasons) with ordinality as problem (details, ordinal)

),

entries as (

    -- The problems, then the checks that recorded none: passed expectations,
    -- and failed ones, told as their rule's message.
    select
        problems.submission_id,
        problems.problem_ordinal,
        problems.details,
        true as is_failed

    from problems

    union all

    select
        submission_checks.submission_id,
        cast(null as integer) as problem_ordinal,
        jsonb_strip_nulls(jsonb_build_object(
            'code', submission_checks.rule_code,
            'severity', submission_checks.severity,
            'column', submission_checks.column_name,
            'message_vi',
            case when not submission_checks.is_success then submission_checks.details ->> 'message_vi' end,
            'fix_vi',
            case when not submission_checks.is_success then submission_checks.details ->> 'fix_vi' end
        )) as details,
        not submission_checks.is_success as is_failed

    from submission_checks
    left join problems
        on submission_checks.submission_id = problems.submission_id
        and submission_checks.rule_code = problems.details ->> 'code'
    where problems.submission_id is null

),

final as (

    select
        submissions.plan_code,
        submissions.month_key,
        entries.submission_id,
        entries.problem_ordinal,
        entries.is_failed,
        submission_checks.suite_name,
        submission_checks.expectation,
        submission_checks.unexpected_count,
        submission_checks.checked_row_count,
        cast(entries.details ->> 'row' as integer) as source_row,
        cast(entries.details ->> 'earlier_submission_id' as bigint) as earlier_submission_id,
        entries.details ->> 'code' as rule_code,
        entries.details ->> 'severity' as severity,
        entries.details ->> 'sheet' as sheet_name,
        entries.details ->> 'column' as column_name,
        entries.details ->> 'item' as item_code,
        entries.details ->> 'value' as observed_value,
        entries.details ->> 'expected' as expected_value,
        entries.details ->> 'earlier_value' as earlier_value,
        entries.details ->> 'earlier_period' as earlier_period,
        entries.details ->> 'earlier_file' as earlier_file_name,
        entries.details ->> 'message_vi' as message_vi,
        entries.details ->> 'fix_vi' as fix_vi,
        case when submission_checks.rule_code is not null then 'expectation' else rules.rule_source end
            as rule_source

    from entries
    inner join submissions
        on entries.submission_id = submissions.submission_id
    left join submission_checks
        on entries.submission_id = submission_checks.submission_id
        and entries.details ->> 'code' = submission_checks.rule_code
    left join rules
        on entries.details ->> 'code' = rules.rule_code

)

select * from final
