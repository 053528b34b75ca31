-- One row per indicator × month of the plan year in which it was reported,
-- judged against the plan's 2024 target.
--
-- Attainment is judged on ytd_value (lũy kế từ đầu năm), the figure every
-- submission must carry: is_attained says "attained so far". For cumulative
-- indicators this is usually false until late in the year, so the same judgement
-- on full_year_estimate (ước cả năm), when the agency gives one, is in
-- is_projected_attained. See macros/attainment.sql for the direction rules.
-- When several agencies report one indicator in a month, the lead agency's report
-- wins, else the most recently received.

with

indicator_reports as (

    select * from {{ ref('int_indicator_reports_deduplicated') }}

),

months as (

    select * from {{ ref('dim_month') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

in_plan_year as (

    select
        indicator_reports.*,
        indicators.indicator_key,
        indicators.unit as catalog_unit,
        indicators.target_low,
        indicators.target_high,
        indicators.direction,
        agencies.agency_key as reporting_agency_key,
        indicator_reports.agency_code = indicators.lead_agency_code as is_reported_by_lead_agency

    from indicator_reports
    inner join months
        on indicator_reports.month_key = months.month_key
    left join indicators
        on indicator_reports.indicator_code = indicators.indicator_code
    left join agencies
        on indicator_reports.agency_code = agencies.agency_code

),

ranked as (

    select
        *,
        row_number() over (
            partition by indicator_code, month_key
            order by
                coalesce(is_reported_by_lead_agency, false) desc,
                received_at desc,
                submission_id desc
        ) as report_rank,
        count(*) over (partition by indicator_code, month_key) as reporting_agency_count

    from in_plan_year

),

compared as (

    select
        *,
        -- Compared ignoring case and spacing; a missing reported unit or an
        -- indicator outside the catalog is not a mismatch.
        coalesce(
            {{ normalise_text('reported_unit') }} <> {{ normalise_text('catalog_unit') }},
            false
        ) as has_unit_mismatch

    from ranked
    where report_rank = 1

),

judged as (

    -- A value in another unit than the target's cannot be judged against it:
    -- attainment is left null rather than a silently wrong verdict.
    select
        *,
        case when not has_unit_mismatch then
            {{ attainment_ratio('ytd_value', 'direction', 'target_low', 'target_high') }}
        end as attainment_ratio,
        case when not has_unit_mismatch then
            {{ is_attained('ytd_value', 'direction', 'target_low', 'target_high') }}
        end as is_attained,
        case when not has_unit_mismatch then
            {{ is_attained('full_year_estimate', 'direction', 'target_low', 'target_high') }}
        end as is_projected_attained

    from compared

),

final as (

    select
        {{ surrogate_key(['indicator_code', 'month_key']) }} as indicator_value_key,
        coalesce(indicator_key, -1) as indicator_key,
        month_key,
        coalesce(reporting_agency_key, -1) as reporting_agency_key,
        indicator_code,
        period,
        agency_code as reporting_agency_code,
        month_value,
        ytd_value,
        same_period_last_year_value,
        full_year_estimate,
        data_status,
        catalog_unit,
        reported_unit,
        has_unit_mismatch,
        target_low,
        target_high,
        direction,
        reported_target_text,
        coalesce(target_low, target_high) is not null as has_target,
        attainment_ratio,
        is_attained,
        is_projected_attained,
        source_text,
        note,
        coalesce(is_reported_by_lead_agency, false) as is_reported_by_lead_agency,
        reporting_agency_count,
        submission_id,
        source_row,
        received_at

    from judged

)

select * from final
