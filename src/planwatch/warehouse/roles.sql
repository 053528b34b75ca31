-- Group roles (no login) for least privilege; grant them to login users.
-- Default privileges make tables that dbt re-creates on every build readable
-- again without re-granting.
do $$
declare r text;
begin
    foreach r in array array['planwatch_loader', 'planwatch_transformer',
                             'planwatch_bi_reader', 'planwatch_auditor'] loop
        if not exists (select from pg_roles where rolname = r) then
            execute format('create role %I nologin', r);
        end if;
    end loop;
end $$;

grant usage on schema raw, audit to planwatch_loader;
grant select, insert, update on all tables in schema raw, audit to planwatch_loader;
grant usage on all sequences in schema audit to planwatch_loader;

grant usage on schema raw, audit to planwatch_transformer;
grant select on all tables in schema raw, audit to planwatch_transformer;
grant usage, create on schema staging, intermediate, marts to planwatch_transformer;

grant usage on schema marts to planwatch_bi_reader;
grant select on all tables in schema marts to planwatch_bi_reader;
alter default privileges in schema marts grant select on tables to planwatch_bi_reader;

grant usage on schema audit, marts to planwatch_auditor;
grant select on all tables in schema audit, marts to planwatch_auditor;
alter default privileges in schema marts grant select on tables to planwatch_auditor;
alter default privileges in schema audit grant select on tables to planwatch_auditor;
