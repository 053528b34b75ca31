-- One row per file refused before it was read (above the size limit): what the
-- auditor's report lists beside the files received, with the agency and month
-- its folder or name gave (null when they did not) and the Vietnamese reason.
-- Small (a refusal is rare): rebuilt whole by every build.

with

refused as (

    select * from {{ ref('stg_audit__refused_files') }}

),

final as (

    select
        refusal_id,
        period,
        month_key,
        agency_code,
        file_name,
        inbox_path,
        file_size,
        received_at,
        refused_at,
        receipt_path,
        reasons -> 0 ->> 'message_vi' as reason_vi

    from refused

)

select * from final
