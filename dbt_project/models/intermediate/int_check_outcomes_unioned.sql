-- One row per rule × submission, and per problem where the rule found some:
-- every check a submission went through (duplicates aside: they repeat an
-- earlier submission and are not checked).
--
--   passed   a GX expectation that passed (audit.validation_results): one row,
--            no source row;
--   failed   each problem in audit.submissions.reasons (parser, catalog and
--            GX rules alike): one row per problem, with its row, values and
--            the earlier report it was compared with; plus, should a failed
--            expectation have no problem recorded, one row for it.
--
-- rule_source: a code among the submission's validation_results is an
-- expectation; any other code takes its source from vocab_rules (catalog or
-- parser), null for a code this version of planwatch does not know.

with

submissions as (

    select * from {{ ref('stg_audit__submissions') }}
    where not is_duplicate

),

checks as (

    select * from {{ ref('stg_audit__validation_results') }}

),

rules as (

    select * from {{ ref('vocab_rules') }}

),

problems as (

    select
        submissions.submission_id,
        cast(problem.ordinal as integer) as problem_ordinal,
        problem.details ->> 'code' as rule_code,
        problem.details ->> 'severity' as severity,
        problem.details ->> 'sheet' as sheet_name,
        cast(problem.details ->> 'row' as integer) as source_row,
        problem.details ->> 'column' as column_name,
        problem.details ->> 'item' as item_code,
        problem.details ->> 'value' as observed_value,
        problem.details ->> 'expected' as expected_value,
        problem.details ->> 'earlier_value' as earlier_value,
        problem.details ->> 'earlier_period' as earlier_period,
        cast(problem.details ->> 'earlier_submission_id' as bigint) as earlier_submission_id,
        problem.details ->> 'earlier_file' as earlier_file_name,
        problem.details ->> 'message_vi' as message_vi,
        problem.details ->> 'fix_vi' as fix_vi

    from submissions
    cross join lateral jsonb_array_elements(submissions.reasons) with ordinality as problem (details, ordinal)

),

submission_checks as (

    select checks.*
    from checks
    inner join submissions
        on checks.submission_id = submissions.submission_id

),

failed as (

    select
        problems.*,
        case when submission_checks.rule_code is not null then 'expectation' else rules.rule_source end
            as rule_source,
        true as is_failed,
        submission_checks.suite_name,
        submission_checks.expectation,
        submission_checks.unexpected_count,
        submission_checks.checked_row_count

    from problems
    left join submission_checks
        on problems.submission_id = submission_checks.submission_id
        and problems.rule_code = submission_checks.rule_code
    left join rules
        on problems.rule_code = rules.rule_code

),

checked_without_problem as (

    -- Passed expectations, and failed ones no problem was recorded for.
    select
        submission_checks.submission_id,
        cast(null as integer) as problem_ordinal,
        submission_checks.rule_code,
        submission_checks.severity,
        cast(null as text) as sheet_name,
        cast(null as integer) as source_row,
        submission_checks.column_name,
        cast(null as text) as item_code,
        cast(null as text) as observed_value,
        cast(null as text) as expected_value,
        cast(null as text) as earlier_value,
        cast(null as text) as earlier_period,
        cast(null as bigint) as earlier_submission_id,
        cast(null as text) as earlier_file_name,
        case when not submission_checks.is_success then submission_checks.details ->> 'message_vi' end
            as message_vi,
        case when not submission_checks.is_success then submission_checks.details ->> 'fix_vi' end as fix_vi,
        'expectation' as rule_source,
        not submission_checks.is_success as is_failed,
        submission_checks.suite_name,
        submission_checks.expectation,
        submission_checks.unexpected_count,
        submission_checks.checked_row_count

    from submission_checks
    left join problems
        on submission_checks.submission_id = problems.submission_id
        and submission_checks.rule_code = problems.rule_code
    where problems.submission_id is null

),

final as (

    select * from failed

    union all

    select * from checked_without_problem

)

select * from final
