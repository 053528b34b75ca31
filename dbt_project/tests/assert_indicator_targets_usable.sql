{{ config(severity='warn') }}
-- Catalog targets can be judged in their direction: a bound that the direction
-- reads is present, and target_low <= target_high. A warning: an indicator
-- without a numeric target is still reported, just never "attained".

select
    plan_code,
    indicator_code,
    direction,
    target_low,
    target_high,
    target_text

from {{ ref('stg_plan__indicators') }}
where
    coalesce(target_low, target_high) is null
    or target_low > target_high
