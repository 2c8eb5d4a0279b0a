-- Reverses the initial migration. The role doorway_app is shared by every database of the
-- cluster, so it is left in place.
drop table if exists idempotency_keys;
drop table if exists provisioning_steps;
drop table if exists provisioning_runs;
drop table if exists credential_entrances;
drop table if exists credentials;
drop table if exists grant_entrances;
drop table if exists grants;
drop table if exists resident_client_sessions;
drop table if exists resident_acs_users;
drop table if exists residents;
drop table if exists access_group_entrances;
drop table if exists access_groups;
drop table if exists entrances;
drop table if exists properties;
drop table if exists tenants;
drop function if exists doorway_scope_is(text);
drop function if exists doorway_current_tenant();
do $$
begin
    execute format('revoke usage on schema public from doorway_app');
exception
    when others then null;
end
$$;
