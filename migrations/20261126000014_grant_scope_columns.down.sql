drop index resident_acs_users_seam_idx;
drop index credentials_superseded_idx;
drop index provisioning_steps_credential_idx;

do $$
declare
    t text;
begin
    foreach t in array array[
        'grant_entrances', 'grant_access_groups', 'credentials', 'credential_entrances',
        'provisioning_runs', 'provisioning_steps'
    ] loop
        execute format('drop trigger inherit_grant_scope on %I', t);
        execute format('drop policy visible_grants on %I', t);
    end loop;
end
$$;
drop function doorway_inherit_grant_scope();

drop policy visible_residents on resident_acs_users;
create policy visible_residents on resident_acs_users as restrictive
    using (doorway_resident_subject() = ''
           or exists (select 1 from residents r where r.resident_id = resident_acs_users.resident_id));
drop policy visible_residents on resident_client_sessions;
create policy visible_residents on resident_client_sessions as restrictive
    using (doorway_resident_subject() = ''
           or exists (select 1 from residents r
                      where r.resident_id = resident_client_sessions.resident_id));

drop policy visible_grants on grants;
drop function doorway_sees_resident(uuid);
create policy visible_grants on grants as restrictive
    using (doorway_sees_grants() and doorway_sees_property(property_id)
           and (doorway_resident_subject() = ''
                or exists (select 1 from residents r where r.resident_id = grants.resident_id)))
    with check (doorway_sees_grants() and doorway_sees_property(property_id));
do $$
declare
    t text;
begin
    foreach t in array array['grant_entrances', 'grant_access_groups', 'credentials'] loop
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

alter table provisioning_runs alter column resident_id drop not null;
alter table grant_entrances drop column property_id, drop column resident_id;
alter table grant_access_groups drop column property_id, drop column resident_id;
alter table credentials drop column property_id, drop column resident_id;
alter table credential_entrances drop column property_id, drop column resident_id;
alter table provisioning_runs drop column property_id;
alter table provisioning_steps drop column property_id, drop column resident_id;

create or replace function doorway_sees_property(p uuid) returns boolean
    language sql stable
    as $$
        select current_user <> 'doorway_app' or coalesce(
            (select case when s = '*' then true
                         when s like '{%' then p = any(s::uuid[])
                         else false end
             from (select current_setting('doorway.properties', true) as s) setting),
            false)
    $$;
