-- disbursement_rate is ytd disbursed / annual capital plan, recomputed from the
-- amounts, never the agency's reported_rate.

select
    disbursement_key,
    ytd_disbursed_vnd,
    annual_plan_vnd,
    disbursement_rate,
    reported_rate

from {{ ref('fct_disbursement') }}
where
    -- A plan to divide by: the rate must match the amounts.
    (
        coalesce(annual_plan_vnd, 0) <> 0
        and (
            disbursement_rate is null
            or abs(disbursement_rate - cast(ytd_disbursed_vnd as numeric) / annual_plan_vnd) > 0.000001
        )
    )
    -- No plan: no rate rather than a division by zero or a copied reported rate.
    or (
        coalesce(annual_plan_vnd, 0) = 0
        and disbursement_rate is not null
    )
