-- is_attained restated independently of the macro, for the three directions:
-- higher_is_better  ytd >= target_low (target_high if no low)
-- lower_is_better   ytd <= target_high (target_low if no high),
--                   e.g. poverty rate 1.5 against "below 1.76" is attained
-- within_range      target_low <= ytd <= target_high
-- and attainment_ratio >= 1 exactly when attained. A value reported in another
-- unit than the catalog's is never judged.

with

judged as (

    select
        indicator_value_key,
        indicator_code,
        period,
        direction,
        ytd_value,
        target_low,
        target_high,
        has_unit_mismatch,
        is_attained,
        attainment_ratio,
        case direction
            when 'higher_is_better' then ytd_value >= coalesce(target_low, target_high)
            when 'lower_is_better' then ytd_value <= coalesce(target_high, target_low)
            when 'within_range' then
                ytd_value >= coalesce(target_low, ytd_value)
                and ytd_value <= coalesce(target_high, ytd_value)
                and coalesce(target_low, target_high) is not null
        end as expected_is_attained

    from {{ ref('fct_indicator_value') }}
    where ytd_value is not null
        and coalesce(target_low, target_high) is not null

)

select *
from judged
where (not has_unit_mismatch and is_attained is distinct from expected_is_attained)
    or (has_unit_mismatch and (is_attained is not null or attainment_ratio is not null))
    or (attainment_ratio is not null and (attainment_ratio >= 1) <> is_attained)
