-- Every plan × agency × period × template with at least one accepted submission has
-- exactly one latest accepted version, and it is an accepted one.

select
    plan_code,
    agency_code,
    period,
    template,
    count(*) filter (where is_latest_accepted) as latest_accepted_count,
    count(*) filter (where is_latest_accepted and not is_accepted) as latest_not_accepted_count

from {{ ref('int_submissions_versioned') }}
group by plan_code, agency_code, period, template
having
    count(*) filter (where is_accepted) > 0
    and (
        count(*) filter (where is_latest_accepted) <> 1
        or count(*) filter (where is_latest_accepted and not is_accepted) > 0
    )
