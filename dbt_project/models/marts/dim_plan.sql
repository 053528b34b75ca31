-- One row per action plan the warehouse follows, plus the unknown member
-- (plan_key -1). Facts and the other dimensions carry plan_key.

with

plans as (

    select * from {{ ref('stg_plan__plans') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

reporting_agencies as (

    select
        plan_code,
        count(*) filter (where is_reporting_agency) as reporting_agency_count

    from agencies
    where agency_key <> -1
    group by plan_code

),

catalog_plans as (

    select
        {{ surrogate_key(['plans.plan_code']) }} as plan_key,
        plans.plan_code,
        plans.issuer_code,
        plans.issuer_name_vi,
        plans.issuer_kind,
        plans.plan_year,
        plans.decision_number,
        plans.decision_date,
        plans.plan_title_vi,
        plans.basis_vi,
        coalesce(monitoring_agencies.agency_key, -1) as monitoring_agency_key,
        plans.monitoring_agency_code,
        monitoring_agencies.agency_name_vi as monitoring_agency_name_vi,
        coalesce(reporting_agencies.reporting_agency_count, 0) as reporting_agency_count,
        plans.plan_year * 100 + 1 as first_month_key,
        plans.plan_year * 100 + 12 as last_month_key,
        plans.source_document

    from plans
    left join agencies as monitoring_agencies
        on plans.plan_code = monitoring_agencies.plan_code
        and plans.monitoring_agency_code = monitoring_agencies.agency_code
    left join reporting_agencies
        on plans.plan_code = reporting_agencies.plan_code

),

final as (

    select {{ dimension_columns() }}
    from catalog_plans

    union all

    {{ unknown_member() }}

)

select * from final
