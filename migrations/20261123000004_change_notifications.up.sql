-- Live status: every committed change of a grant's or a credential's status, status reason or
-- code is announced on the channel doorway_changes, which each Doorway process LISTENs to and
-- fans out to its GraphQL subscriptions. PostgreSQL delivers a notification only when its
-- transaction commits, so two processes behind one database see each other's changes.
--
-- The payload carries ids only (never a PIN, a reason or anything from Seam): a subscriber
-- loads the row through the tenant-scoped repository, under row-level security, before it
-- yields anything. resident_id and property_id let a process skip subscribers a change cannot
-- concern without a query; they are null when the trigger cannot see the grant.

create function doorway_notify_grant_change() returns trigger
    language plpgsql
    as $$
begin
    perform pg_notify('doorway_changes', json_build_object(
        'kind', 'grant',
        'tenant_id', new.tenant_id,
        'grant_id', new.grant_id,
        'resident_id', new.resident_id,
        'property_id', new.property_id)::text);
    return null;
end
$$;

create function doorway_notify_credential_change() returns trigger
    language plpgsql
    as $$
declare
    grant_resident uuid;
    grant_property uuid;
begin
    select g.resident_id, g.property_id into grant_resident, grant_property
        from grants g where g.grant_id = new.grant_id;
    perform pg_notify('doorway_changes', json_build_object(
        'kind', 'credential',
        'tenant_id', new.tenant_id,
        'grant_id', new.grant_id,
        'credential_id', new.credential_id,
        'resident_id', grant_resident,
        'property_id', grant_property)::text);
    return null;
end
$$;

create trigger grants_notify_insert
    after insert on grants
    for each row execute function doorway_notify_grant_change();

create trigger grants_notify_update
    after update of status, status_reason on grants
    for each row
    when (old.status is distinct from new.status
          or old.status_reason is distinct from new.status_reason)
    execute function doorway_notify_grant_change();

create trigger credentials_notify_insert
    after insert on credentials
    for each row execute function doorway_notify_credential_change();

create trigger credentials_notify_update
    after update of status, status_reason, code on credentials
    for each row
    when (old.status is distinct from new.status
          or old.status_reason is distinct from new.status_reason
          or old.code is distinct from new.code)
    execute function doorway_notify_credential_change();
