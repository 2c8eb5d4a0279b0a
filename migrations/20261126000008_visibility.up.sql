-- Visibility pushed into the SQL (issue 8). Tenancy is already enforced by `tenant_isolation`;
-- these restrictive policies narrow what one caller's transaction sees within its tenant, from
-- three settings that `db::begin` always sets from the caller's `Visibility`:
--
--   doorway.properties  '*' (every property) or a uuid array literal '{...}' of the properties a
--                       token is limited to;
--   doorway.reads       'grants' when the caller may read grants, credentials, PINs and runs;
--   doorway.resident    '' for staff, or a resident token's subject (its `externalId`): the
--                       transaction then sees that resident and what belongs to them only.
--
-- A forgotten setting hides rows rather than showing them (except `doorway.resident`, whose
-- absence means staff, still confined to the tenant). The `security definer` functions run as
-- the owner and are not narrowed.

create function doorway_sees_property(p uuid) returns boolean
    language sql stable
    as $$
        select current_user <> 'doorway_app' or coalesce(
            (select case when s = '*' then true
                         when s like '{%' then p = any(s::uuid[])
                         else false end
             from (select current_setting('doorway.properties', true) as s) setting),
            false)
    $$;

create function doorway_sees_grants() returns boolean
    language sql stable
    as $$
        select current_user <> 'doorway_app'
            or coalesce(current_setting('doorway.reads', true), '') = 'grants'
    $$;

create function doorway_resident_subject() returns text
    language sql stable
    as $$
        select case when current_user <> 'doorway_app' then ''
                    else coalesce(current_setting('doorway.resident', true), '') end
    $$;

grant execute on function doorway_sees_property(uuid) to doorway_app;
grant execute on function doorway_sees_grants() to doorway_app;
grant execute on function doorway_resident_subject() to doorway_app;

-- Properties and what hangs off them directly.
create policy visible_properties on properties as restrictive
    using (doorway_sees_property(property_id)) with check (doorway_sees_property(property_id));
create policy visible_properties on entrances as restrictive
    using (doorway_sees_property(property_id)) with check (doorway_sees_property(property_id));
create policy visible_properties on access_groups as restrictive
    using (doorway_sees_property(property_id)) with check (doorway_sees_property(property_id));

-- A resident token sees only its own resident.
create policy visible_residents on residents as restrictive
    using (doorway_resident_subject() = '' or external_id = doorway_resident_subject())
    with check (doorway_resident_subject() = '' or external_id = doorway_resident_subject());
create policy visible_residents on resident_acs_users as restrictive
    using (doorway_resident_subject() = ''
           or exists (select 1 from residents r where r.resident_id = resident_acs_users.resident_id));
create policy visible_residents on resident_client_sessions as restrictive
    using (doorway_resident_subject() = ''
           or exists (select 1 from residents r
                      where r.resident_id = resident_client_sessions.resident_id));

-- Grants: readable with the grants scope, in a visible property, of a visible resident.
create policy visible_grants on grants as restrictive
    using (doorway_sees_grants() and doorway_sees_property(property_id)
           and (doorway_resident_subject() = ''
                or exists (select 1 from residents r where r.resident_id = grants.resident_id)))
    with check (doorway_sees_grants() and doorway_sees_property(property_id));

-- What belongs to a grant is visible when its grant is.
do $$
declare
    t text;
begin
    foreach t in array array[
        'grant_entrances', 'grant_access_groups', 'credentials'
    ] loop
        execute format(
            'create policy visible_grants on %I as restrictive '
            'using (doorway_sees_grants() and exists (select 1 from grants g where g.grant_id = %I.grant_id)) '
            'with check (doorway_sees_grants() and exists (select 1 from grants g where g.grant_id = %I.grant_id))',
            t, t, t);
    end loop;
end
$$;
create policy visible_grants on credential_entrances as restrictive
    using (doorway_sees_grants() and exists (select 1 from credentials c
                                             where c.credential_id = credential_entrances.credential_id))
    with check (doorway_sees_grants() and exists (select 1 from credentials c
                                                  where c.credential_id = credential_entrances.credential_id));
create policy visible_grants on provisioning_runs as restrictive
    using (doorway_sees_grants() and exists (select 1 from grants g where g.grant_id = provisioning_runs.grant_id))
    with check (doorway_sees_grants() and exists (select 1 from grants g where g.grant_id = provisioning_runs.grant_id));
create policy visible_grants on provisioning_steps as restrictive
    using (doorway_sees_grants() and exists (select 1 from provisioning_runs r
                                             where r.run_id = provisioning_steps.run_id))
    with check (doorway_sees_grants() and exists (select 1 from provisioning_runs r
                                                  where r.run_id = provisioning_steps.run_id));

-- Search text as a literal inside a LIKE pattern: its own `%`, `_` and `\` match themselves.
create function doorway_like_literal(text) returns text
    language sql immutable strict
    as $$ select replace(replace(replace($1, '\', '\\'), '%', '\%'), '_', '\_') $$;
grant execute on function doorway_like_literal(text) to doorway_app;
