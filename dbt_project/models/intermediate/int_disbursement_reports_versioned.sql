-- One row per plan × agency × period × project_code × capital_source × version
-- that passed validation (accepted, accepted with warnings or superseded
-- since): the compared figures of each version (macros/compared_measures.sql),
-- for the facts' "known at the deadline" view and mart_restatements. A line
-- repeated within a submission keeps its last row, as in the latest version.

{{ config(materialized='incremental', indexes=slice_indexes()) }}

with

version_rows as (

    {{ version_rows(
        'stg_raw__disbursements', 'disbursement', ['project_code', 'capital_source'], 'is_ever_accepted'
    ) }}

),

projects as (

    select * from {{ ref('stg_plan__projects') }}

),

final as (

    select
        version_rows.plan_code,
        version_rows.agency_code,
        version_rows.period,
        version_rows.month_key,
        version_rows.project_code,
        version_rows.capital_source,
        version_rows.capital_source_code,
        version_rows.submission_id,
        version_rows.source_row,
        version_rows.received_at,
        version_rows.version,
        version_rows.accepted_sequence,
        version_rows.is_latest_accepted,
        version_rows.is_deadline_version,
        version_rows.is_restatement,
        version_rows.agency_code = projects.lead_agency_code as is_reported_by_lead_agency,
        {{ measure_columns('disbursement', 'version_rows') }}

    from version_rows
    left join projects
        on version_rows.plan_code = projects.plan_code
        and version_rows.project_code = projects.project_code

)

select * from final
