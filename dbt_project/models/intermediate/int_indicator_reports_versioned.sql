-- One row per plan × agency × period × indicator_code × version that passed
-- validation (accepted, accepted with warnings or superseded since): the
-- compared figures of each version (macros/compared_measures.sql), for the
-- facts' "known at the deadline" view and mart_restatements. A code repeated
-- within a submission keeps its last row, as in the latest version.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

version_rows as (

    {{ version_rows('stg_raw__indicators', 'indicators', ['indicator_code'], 'is_ever_accepted') }}

),

indicators as (

    select * from {{ ref('stg_plan__indicators') }}

),

final as (

    select
        version_rows.plan_code,
        version_rows.agency_code,
        version_rows.period,
        version_rows.month_key,
        version_rows.indicator_code,
        version_rows.submission_id,
        version_rows.source_row,
        version_rows.received_at,
        version_rows.version,
        version_rows.accepted_sequence,
        version_rows.is_latest_accepted,
        version_rows.is_deadline_version,
        version_rows.is_restatement,
        version_rows.agency_code = indicators.lead_agency_code as is_reported_by_lead_agency,
        {{ measure_columns('indicators', 'version_rows') }}

    from version_rows
    left join indicators
        on version_rows.plan_code = indicators.plan_code
        and version_rows.indicator_code = indicators.indicator_code

)

select * from final
