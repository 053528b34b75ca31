-- One row per plan × agency × period × indicator reported (the latest accepted
-- version, int_indicator_reports_deduplicated), judged against the catalog
-- target of the indicator in the submission's plan (macros/attainment.sql).
--
-- Attainment is judged on ytd_value (lũy kế từ đầu năm), the figure every
-- submission must carry: is_attained says "attained so far". For cumulative
-- indicators this is usually false until late in the year, so the same
-- judgement on full_year_estimate (ước cả năm), when the agency gives one, is
-- in is_projected_attained. A value reported in another unit than the
-- catalog's cannot be judged against the target: attainment is left null
-- rather than a silently wrong verdict.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

indicator_reports as (

    select * from {{ ref('int_indicator_reports_deduplicated') }}
    where {{ in_slices() }}

),

indicators as (

    select * from {{ ref('stg_plan__indicators') }}

),

targeted as (

    select
        indicator_reports.*,
        indicators.unit as catalog_unit,
        indicators.target_low,
        indicators.target_high,
        indicators.target_tolerance,
        indicators.direction,
        indicators.lead_agency_code,
        indicator_reports.agency_code = indicators.lead_agency_code as is_reported_by_lead_agency,
        -- Compared ignoring case and spacing; a missing reported unit or an
        -- indicator outside the catalog is not a mismatch.
        coalesce(
            {{ normalise_text('indicator_reports.reported_unit') }}
            <> {{ normalise_text('indicators.unit') }},
            false
        ) as has_unit_mismatch

    from indicator_reports
    left join indicators
        on indicator_reports.plan_code = indicators.plan_code
        and indicator_reports.indicator_code = indicators.indicator_code

),

judged as (

    select
        *,
        coalesce(target_low, target_high) is not null as has_target,
        case
            when not has_unit_mismatch
                then {{ attainment_ratio('ytd_value', 'direction', 'target_low', 'target_high', 'target_tolerance') }}
        end as attainment_ratio,
        case
            when not has_unit_mismatch
                then {{ is_attained('ytd_value', 'direction', 'target_low', 'target_high', 'target_tolerance') }}
        end as is_attained,
        case
            when not has_unit_mismatch
                then {{ is_attained(
                    'full_year_estimate', 'direction', 'target_low', 'target_high', 'target_tolerance'
                ) }}
        end as is_projected_attained

    from targeted

),

final as (

    select
        plan_code,
        agency_code,
        period,
        month_key,
        indicator_code,
        submission_id,
        source_row,
        received_at,
        row_label,
        reported_name_vi,
        reported_unit,
        reported_target_text,
        reported_target_low,
        reported_target_high,
        month_value,
        ytd_value,
        same_period_last_year_value,
        full_year_estimate,
        data_status,
        source_text,
        note,
        catalog_unit,
        target_low,
        target_high,
        target_tolerance,
        direction,
        lead_agency_code,
        is_reported_by_lead_agency,
        has_unit_mismatch,
        has_target,
        attainment_ratio,
        is_attained,
        is_projected_attained

    from judged

)

select * from final
