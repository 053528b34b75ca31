-- One row per operator's import of old files dated by their own times
-- (planwatch ingest --historical); role and time stamped by the database.

with

source as (

    select * from {{ source('audit', 'historical_imports') }}

),

renamed as (

    select
        import_id as historical_import_id,
        run_label,
        operator_name,
        db_role,
        started_at

    from source

)

select * from renamed
