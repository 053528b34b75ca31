-- is_attained restated independently of the macro, for the three directions,
-- with t = target_tolerance (0 when null):
-- higher_is_better  ytd >= target_low × (1 − t) (target_high if no low)
-- lower_is_better   ytd <= target_high × (1 + t) (target_low if no high),
--                   e.g. poverty rate 1.5 against "below 1.76" is attained
-- within_range      target_low × (1 − t) <= ytd <= target_high × (1 + t)
-- and attainment_ratio >= 1 exactly when attained. A value reported in another
-- unit than the catalog's is never judged.

with

bounded as (

    select
        indicator_value_key,
        plan_code,
        indicator_code,
        period,
        direction,
        ytd_value,
        target_low,
        target_high,
        target_tolerance,
        has_unit_mismatch,
        is_attained,
        attainment_ratio,
        target_low * (1 - coalesce(target_tolerance, 0)) as lowest_attaining_value,
        target_high * (1 + coalesce(target_tolerance, 0)) as highest_attaining_value

    from {{ ref('fct_indicator_value') }}
    where
        ytd_value is not null
        and coalesce(target_low, target_high) is not null

),

judged as (

    select
        *,
        case direction
            when 'higher_is_better'
                then ytd_value >= coalesce(lowest_attaining_value, highest_attaining_value)
            when 'lower_is_better'
                then ytd_value <= coalesce(highest_attaining_value, lowest_attaining_value)
            when 'within_range'
                then
                    ytd_value >= coalesce(lowest_attaining_value, ytd_value)
                    and ytd_value <= coalesce(highest_attaining_value, ytd_value)
        end as expected_is_attained

    from bounded

)

select *
from judged
where
    (not has_unit_mismatch and is_attained is distinct from expected_is_attained)
    or (has_unit_mismatch and (is_attained is not null or attainment_ratio is not null))
    or (attainment_ratio is not null and (attainment_ratio >= 1) <> is_attained)
