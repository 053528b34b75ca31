-- fct_data_quality holds, for every submission but duplicates, each problem of
-- audit.submissions.reasons once (failed rows with a problem_ordinal) and
-- each expectation run (a row per passed check, at least one per failed one).

with

submissions as (

    select
        submission_id,
        jsonb_array_length(reasons) as problem_count

    from {{ source('audit', 'submissions') }}
    where status <> 'duplicate'

),

checks as (

    select
        submission_id,
        count(*) as check_count

    from {{ source('audit', 'validation_results') }}
    group by submission_id

),

quality as (

    select
        submission_id,
        count(*) filter (where is_failed and problem_ordinal is not null) as problem_count,
        count(distinct rule_code) filter (where rule_source = 'expectation') as check_count

    from {{ ref('fct_data_quality') }}
    group by submission_id

)

select
    submissions.submission_id,
    submissions.problem_count,
    quality.problem_count as problem_rows,
    checks.check_count,
    quality.check_count as check_rows

from submissions
left join checks
    on submissions.submission_id = checks.submission_id
left join quality
    on submissions.submission_id = quality.submission_id
where coalesce(quality.problem_count, 0) <> submissions.problem_count
    or coalesce(quality.check_count, 0) <> coalesce(checks.check_count, 0)
