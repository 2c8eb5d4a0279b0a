-- Visibility that costs the same however large a tenant grows (issue 7's throughput).
--
-- The restrictive policies of 008 decided whether a credential, a step or a grant's entrance is
-- visible by looking up its grant (`exists (select 1 from grants ...)`), which in turn looked up
-- its property and resident. PostgreSQL plans such a correlated EXISTS as a hashed subplan
-- whenever it expects more than a few outer rows: it then reads every visible grant of the
-- tenant, evaluating the grant's own policy for each, to answer a query about one credential.
-- Measured with pg_stat_statements under `cargo bench --bench provisioning`: the engine's
-- lookups of one credential's entrances took 36 ms each after 400 grants, and the engine ran at
-- half its rate without row-level security.
--
-- Now every row that belongs to a grant carries its grant's property and resident, copied by a
-- trigger from its parent (so they can never disagree with it), and the policies read those
-- columns: one expression per row, no lookup. `doorway_sees_property` becomes one expression the
-- planner inlines. A resident token still checks its own resident through `residents`, whose
-- policy narrows it to one row, inside a function: a sub-select written in a policy is planned
-- into every statement on the table (it doubled the engine's planning time, though only a
-- resident's own transactions ever evaluate it), while a function's body is planned only when
-- it is called.

create or replace function doorway_sees_property(p uuid) returns boolean
    language sql stable
    as $$
        select current_user <> 'doorway_app'
            or coalesce(current_setting('doorway.properties', true), '') = '*'
            or p = any(case when current_setting('doorway.properties', true) like '{%'
                            then current_setting('doorway.properties', true)::uuid[]
                            else '{}'::uuid[] end)
    $$;

-- Whether this resident is visible: called only for a resident's transactions, where the
-- residents table shows that one resident.
create function doorway_sees_resident(r uuid) returns boolean
    language sql stable
    as $$ select exists (select 1 from residents x where x.resident_id = r) $$;
grant execute on function doorway_sees_resident(uuid) to doorway_app;

alter table grant_entrances add column property_id uuid, add column resident_id uuid;
alter table grant_access_groups add column property_id uuid, add column resident_id uuid;
alter table credentials add column property_id uuid, add column resident_id uuid;
alter table credential_entrances add column property_id uuid, add column resident_id uuid;
alter table provisioning_runs add column property_id uuid;
alter table provisioning_steps add column property_id uuid, add column resident_id uuid;

update grant_entrances x set property_id = g.property_id, resident_id = g.resident_id
    from grants g where g.grant_id = x.grant_id;
update grant_access_groups x set property_id = g.property_id, resident_id = g.resident_id
    from grants g where g.grant_id = x.grant_id;
update credentials x set property_id = g.property_id, resident_id = g.resident_id
    from grants g where g.grant_id = x.grant_id;
update credential_entrances x set property_id = c.property_id, resident_id = c.resident_id
    from credentials c where c.credential_id = x.credential_id;
update provisioning_runs x set property_id = g.property_id, resident_id = g.resident_id
    from grants g where g.grant_id = x.grant_id;
update provisioning_steps x set property_id = r.property_id, resident_id = r.resident_id
    from provisioning_runs r where r.run_id = x.run_id;

-- The copy: from the row's parent in the same tenant, on insert and whenever the parent key or
-- the copied columns are written, so no caller can set them to anything else. It runs as the
-- owner so that it reads the parent whatever the caller may see; the caller's own policies then
-- decide whether the row may be written.
create function doorway_inherit_grant_scope() returns trigger
    language plpgsql security definer set search_path = pg_catalog, public
    as $$
begin
    if tg_table_name = 'credential_entrances' then
        select c.property_id, c.resident_id into new.property_id, new.resident_id
            from credentials c
            where c.credential_id = new.credential_id and c.tenant_id = new.tenant_id;
    elsif tg_table_name = 'provisioning_steps' then
        select r.property_id, r.resident_id into new.property_id, new.resident_id
            from provisioning_runs r where r.run_id = new.run_id and r.tenant_id = new.tenant_id;
    else
        select g.property_id, g.resident_id into new.property_id, new.resident_id
            from grants g where g.grant_id = new.grant_id and g.tenant_id = new.tenant_id;
    end if;
    if not found then
        raise foreign_key_violation
            using message = format('%s: its parent is not a row of this tenant', tg_table_name);
    end if;
    return new;
end
$$;
revoke all on function doorway_inherit_grant_scope() from public;

create trigger inherit_grant_scope before insert or update of grant_id, property_id, resident_id
    on grant_entrances for each row execute function doorway_inherit_grant_scope();
create trigger inherit_grant_scope before insert or update of grant_id, property_id, resident_id
    on grant_access_groups for each row execute function doorway_inherit_grant_scope();
create trigger inherit_grant_scope before insert or update of grant_id, property_id, resident_id
    on credentials for each row execute function doorway_inherit_grant_scope();
create trigger inherit_grant_scope before insert or update of grant_id, property_id, resident_id
    on provisioning_runs for each row execute function doorway_inherit_grant_scope();
create trigger inherit_grant_scope
    before insert or update of credential_id, property_id, resident_id
    on credential_entrances for each row execute function doorway_inherit_grant_scope();
create trigger inherit_grant_scope before insert or update of run_id, property_id, resident_id
    on provisioning_steps for each row execute function doorway_inherit_grant_scope();

alter table grant_entrances alter column property_id set not null, alter column resident_id set not null;
alter table grant_access_groups alter column property_id set not null, alter column resident_id set not null;
alter table credentials alter column property_id set not null, alter column resident_id set not null;
alter table credential_entrances alter column property_id set not null, alter column resident_id set not null;
alter table provisioning_runs alter column property_id set not null, alter column resident_id set not null;
alter table provisioning_steps alter column property_id set not null, alter column resident_id set not null;

-- One policy for a grant and everything that belongs to it: readable with the grants scope, in
-- a visible property, of a visible resident.
do $$
declare
    t text;
begin
    foreach t in array array[
        'grants', 'grant_entrances', 'grant_access_groups', 'credentials', 'credential_entrances',
        'provisioning_runs', 'provisioning_steps'
    ] loop
        execute format('drop policy visible_grants on %I', t);
        execute format(
            'create policy visible_grants on %I as restrictive '
            'using (doorway_sees_grants() and doorway_sees_property(property_id) '
            '       and (doorway_resident_subject() = '''' or doorway_sees_resident(resident_id))) '
            'with check (doorway_sees_grants() and doorway_sees_property(property_id) '
            '       and (doorway_resident_subject() = '''' or doorway_sees_resident(resident_id)))',
            t);
    end loop;
end
$$;

drop policy visible_residents on resident_acs_users;
create policy visible_residents on resident_acs_users as restrictive
    using (doorway_resident_subject() = '' or doorway_sees_resident(resident_id));
drop policy visible_residents on resident_client_sessions;
create policy visible_residents on resident_client_sessions as restrictive
    using (doorway_resident_subject() = '' or doorway_sees_resident(resident_id));

-- Lookups the engine and the webhook make by Seam's ids, which read the tenant's whole table
-- without them.
create index provisioning_steps_credential_idx on provisioning_steps (credential_id)
    where credential_id is not null;
create index credentials_superseded_idx on credentials (tenant_id, superseded_seam_acs_credential_id)
    where superseded_seam_acs_credential_id is not null;
create index resident_acs_users_seam_idx on resident_acs_users (tenant_id, seam_acs_user_id);
