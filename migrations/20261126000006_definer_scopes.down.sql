drop function if exists doorway_runs_needing_attention();
drop function if exists doorway_queue_depth();
drop function if exists doorway_run_tenant(uuid);
drop function if exists doorway_run_count(text);
drop function if exists doorway_runs(text, integer, timestamptz, uuid);
drop function if exists doorway_claim_run(text, double precision);
drop function if exists doorway_tenant_by_creation_key(text);
drop function if exists doorway_tenant_count();
drop function if exists doorway_tenants(integer, timestamptz, uuid);
drop function if exists doorway_tenant_ids();
create or replace function doorway_scope_is(scope text) returns boolean
    language sql stable
    as $$ select coalesce(current_setting('doorway.scope', true), '') = scope $$;
do $$
begin
    if to_regclass('_sqlx_migrations') is not null then
        revoke select on _sqlx_migrations from doorway_app;
    end if;
end
$$;
