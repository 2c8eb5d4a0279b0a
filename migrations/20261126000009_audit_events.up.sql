-- An append-only audit trail of every mutation (issue 8): who (subject, role, tenant, request
-- id), what (operation and object, with the resident, property and grant it concerns), when,
-- and the outcome (OK or the error code). The service may read it (its tenant's rows, within
-- its properties) and add to it only through `doorway_record_audit`; nobody may change or
-- delete a row, the owner included.

create table audit_events (
    audit_id uuid primary key,
    -- No foreign keys: the trail outlives what it names, and records refusals of objects
    -- that never existed. Null tenant: an operator's action outside any tenant.
    tenant_id uuid,
    subject text not null,
    role text not null,
    request_id text not null,
    operation text not null,
    object_type text,
    object_id uuid,
    resident_id uuid,
    property_id uuid,
    grant_id uuid,
    outcome text not null,
    created_at timestamptz not null default clock_timestamp()
);
create index audit_events_tenant_idx on audit_events (tenant_id, created_at desc, audit_id desc);
create index audit_events_resident_idx on audit_events (resident_id, created_at desc) where resident_id is not null;
create index audit_events_property_idx on audit_events (property_id, created_at desc) where property_id is not null;
create index audit_events_grant_idx on audit_events (grant_id, created_at desc) where grant_id is not null;

create function doorway_audit_is_append_only() returns trigger
    language plpgsql
    as $$ begin raise exception 'audit_events is append-only'; end $$;
create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function doorway_audit_is_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function doorway_audit_is_append_only();

alter table audit_events enable row level security;
alter table audit_events force row level security;
create policy tenant_isolation on audit_events for select
    using (tenant_id = doorway_current_tenant() or doorway_scope_is('operator'));
-- A token limited to some properties reads the events of those properties only.
create policy visible_properties on audit_events as restrictive for select
    using (doorway_sees_property(coalesce(property_id, '00000000-0000-0000-0000-000000000000'))
           or doorway_scope_is('operator'));
create policy audit_insert on audit_events for insert with check (doorway_scope_is('audit'));
grant select on audit_events to doorway_app;

-- Records one event; fills the resident and property from the grant (or run) it names, and a
-- resident caller's own record, so every event can be found by resident, property and grant.
create function doorway_record_audit(
    p_tenant uuid, p_subject text, p_role text, p_request_id text, p_operation text,
    p_object_type text, p_object_id uuid, p_resident uuid, p_property uuid, p_grant uuid,
    p_run uuid, p_outcome text)
    returns void
    language plpgsql volatile security definer
    set search_path = public, pg_temp set doorway.scope = 'audit'
    as $$
declare
    v_grant uuid := p_grant;
    v_resident uuid := p_resident;
    v_property uuid := p_property;
begin
    if p_tenant is not null then
        perform set_config('doorway.tenant_id', p_tenant::text, true);
        if v_grant is null and p_run is not null then
            select r.grant_id into v_grant from provisioning_runs r where r.run_id = p_run;
        end if;
        if v_grant is not null then
            select coalesce(v_resident, g.resident_id), coalesce(v_property, g.property_id)
              into v_resident, v_property
              from grants g where g.grant_id = v_grant;
        end if;
        if v_resident is null and p_role = 'resident' then
            select r.resident_id into v_resident from residents r where r.external_id = p_subject;
        end if;
    end if;
    insert into audit_events (audit_id, tenant_id, subject, role, request_id, operation,
                              object_type, object_id, resident_id, property_id, grant_id, outcome)
    values (gen_random_uuid(), p_tenant, p_subject, p_role, p_request_id, p_operation,
            p_object_type, p_object_id, v_resident, v_property, v_grant, p_outcome);
end
$$;

-- Operators: events across tenants (or of one), newest first.
create function doorway_audit_events(p_tenant uuid, p_resident uuid, p_property uuid,
                                     p_grant uuid, p_limit integer, p_before_at timestamptz,
                                     p_before_id uuid)
    returns setof audit_events
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'operator'
    as $$
        select * from audit_events e
        where (p_tenant is null or e.tenant_id = p_tenant)
          and (p_resident is null or e.resident_id = p_resident)
          and (p_property is null or e.property_id = p_property)
          and (p_grant is null or e.grant_id = p_grant)
          and (p_before_at is null or (e.created_at, e.audit_id) < (p_before_at, p_before_id))
        order by e.created_at desc, e.audit_id desc
        limit p_limit
    $$;

grant execute on function doorway_record_audit(uuid, text, text, text, text, text, uuid, uuid,
                                               uuid, uuid, uuid, text) to doorway_app;
grant execute on function doorway_audit_events(uuid, uuid, uuid, uuid, integer, timestamptz,
                                               uuid) to doorway_app;
