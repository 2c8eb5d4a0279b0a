-- Doorway's schema. Every table that belongs to a tenant carries tenant_id and is protected by
-- row-level security (forced, so even the owner is subject to it); the service queries as the
-- role doorway_app, which is neither superuser nor owner, with the tenant set per transaction:
--     select set_config('doorway.tenant_id', '<uuid>', true)
-- Two narrow scopes exist besides a tenant, each set per transaction by one code path only:
-- 'operator' (the tenants table, for operators) and 'worker' (claiming provisioning runs across
-- tenants; the worker then switches to the run's tenant for everything else).

do $$
begin
    create role doorway_app nologin;
exception
    when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    execute format('grant doorway_app to %I', current_user);
exception
    when others then null;
end
$$;

create function doorway_current_tenant() returns uuid
    language sql stable
    as $$ select nullif(current_setting('doorway.tenant_id', true), '')::uuid $$;

create function doorway_scope_is(scope text) returns boolean
    language sql stable
    as $$ select coalesce(current_setting('doorway.scope', true), '') = scope $$;

create table tenants (
    tenant_id uuid primary key,
    name text not null check (length(name) between 1 and 200),
    seam_workspace_id text not null,
    seam_api_key_ciphertext bytea not null,
    webhook_secret_ciphertext bytea,
    webhook_registered boolean not null default false,
    creation_idempotency_key text unique,
    creation_request_hash bytea,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table properties (
    property_id uuid primary key,
    tenant_id uuid not null references tenants (tenant_id),
    name text not null,
    provider text not null check (provider in ('LATCH', 'SALTO_KS', 'SMART_LOCKS', 'OTHER_ACS')),
    seam_acs_system_id text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, seam_acs_system_id)
);

create table entrances (
    entrance_id uuid primary key,
    tenant_id uuid not null references tenants (tenant_id),
    property_id uuid not null references properties (property_id),
    name text not null,
    seam_acs_entrance_id text,
    seam_device_id text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((seam_acs_entrance_id is null) <> (seam_device_id is null)),
    unique (property_id, seam_acs_entrance_id),
    unique (property_id, seam_device_id)
);
create index entrances_property_idx on entrances (property_id);

create table access_groups (
    access_group_id uuid primary key,
    tenant_id uuid not null references tenants (tenant_id),
    property_id uuid not null references properties (property_id),
    name text not null,
    seam_acs_access_group_id text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (property_id, seam_acs_access_group_id)
);

create table access_group_entrances (
    access_group_id uuid not null references access_groups (access_group_id) on delete cascade,
    entrance_id uuid not null references entrances (entrance_id),
    tenant_id uuid not null references tenants (tenant_id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (access_group_id, entrance_id)
);

create table residents (
    resident_id uuid primary key,
    tenant_id uuid not null references tenants (tenant_id),
    full_name text not null,
    email text not null,
    phone text,
    external_id text not null,
    status text not null default 'ACTIVE' check (status in ('ACTIVE', 'MOVED_OUT')),
    seam_user_identity_id text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, external_id)
);

-- One ACS user per resident per ACS system, shared by every grant there.
create table resident_acs_users (
    resident_id uuid not null references residents (resident_id),
    seam_acs_system_id text not null,
    tenant_id uuid not null references tenants (tenant_id),
    seam_acs_user_id text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (resident_id, seam_acs_system_id)
);

-- The Seam client session a resident's app hands to Seam's mobile SDK, kept so that repeated
-- calls return a token still valid instead of asking Seam each time.
create table resident_client_sessions (
    resident_id uuid primary key references residents (resident_id),
    tenant_id uuid not null references tenants (tenant_id),
    token_ciphertext bytea not null,
    expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table grants (
    grant_id uuid primary key,
    tenant_id uuid not null references tenants (tenant_id),
    resident_id uuid not null references residents (resident_id),
    property_id uuid not null references properties (property_id),
    access_method text not null check (access_method in ('MOBILE_KEY', 'PIN_CODE')),
    status text not null check (status in ('PROVISIONING', 'ACTIVE', 'FAILED', 'REVOKING', 'REVOKED', 'EXPIRED')),
    status_reason text,
    starts_at timestamptz,
    ends_at timestamptz,
    seam_credential_manager_acs_system_id text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index grants_resident_idx on grants (resident_id);

create table grant_entrances (
    grant_id uuid not null references grants (grant_id),
    entrance_id uuid not null references entrances (entrance_id),
    tenant_id uuid not null references tenants (tenant_id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (grant_id, entrance_id)
);

create table credentials (
    credential_id uuid primary key,
    tenant_id uuid not null references tenants (tenant_id),
    grant_id uuid not null references grants (grant_id),
    slot integer not null,
    access_method text not null check (access_method in ('MOBILE_KEY', 'PIN_CODE')),
    status text not null check (status in ('PENDING', 'ISSUING', 'SCHEDULED', 'ACTIVE', 'FAILED', 'REVOKING', 'REVOKED', 'EXPIRED')),
    status_reason text,
    code text,
    seam_acs_credential_id text,
    issued_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (grant_id, slot),
    unique (tenant_id, seam_acs_credential_id)
);

-- The entrances a credential opens: as planned, then as Seam reports them.
create table credential_entrances (
    credential_id uuid not null references credentials (credential_id),
    entrance_id uuid not null references entrances (entrance_id),
    tenant_id uuid not null references tenants (tenant_id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (credential_id, entrance_id)
);

create table provisioning_runs (
    run_id uuid primary key,
    tenant_id uuid not null references tenants (tenant_id),
    grant_id uuid not null references grants (grant_id),
    kind text not null check (kind in ('PROVISION', 'REVOKE')),
    status text not null check (status in ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    next_attempt_at timestamptz not null default now(),
    locked_by text,
    locked_until timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index provisioning_runs_due_idx on provisioning_runs (next_attempt_at)
    where status in ('PENDING', 'RUNNING');
create index provisioning_runs_grant_idx on provisioning_runs (grant_id);

create table provisioning_steps (
    step_id uuid primary key,
    tenant_id uuid not null references tenants (tenant_id),
    run_id uuid not null references provisioning_runs (run_id),
    position integer not null,
    name text not null,
    credential_id uuid references credentials (credential_id),
    status text not null check (status in ('PENDING', 'RUNNING', 'SUCCEEDED', 'RETRYING', 'FAILED', 'SKIPPED')),
    attempts integer not null default 0,
    last_error text,
    seam_ids jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (run_id, position)
);

-- Results of mutations sent with an idempotencyKey: the same key and input within 24 hours
-- returns the first result; the same key with another input is a conflict.
create table idempotency_keys (
    tenant_id uuid not null references tenants (tenant_id),
    operation text not null,
    idempotency_key text not null,
    request_hash bytea not null,
    result_id uuid not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, operation, idempotency_key)
);

-- Row-level security: one policy per tenant table, forced.
do $$
declare
    t text;
begin
    foreach t in array array[
        'properties', 'entrances', 'access_groups', 'access_group_entrances', 'residents',
        'resident_acs_users', 'resident_client_sessions', 'grants', 'grant_entrances',
        'credentials', 'credential_entrances', 'provisioning_steps', 'idempotency_keys'
    ] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format(
            'create policy tenant_isolation on %I using (tenant_id = doorway_current_tenant()) '
            'with check (tenant_id = doorway_current_tenant())', t);
    end loop;
end
$$;

alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenant_isolation on tenants
    using (tenant_id = doorway_current_tenant() or doorway_scope_is('operator'))
    with check (tenant_id = doorway_current_tenant() or doorway_scope_is('operator'));

alter table provisioning_runs enable row level security;
alter table provisioning_runs force row level security;
create policy tenant_isolation on provisioning_runs
    using (tenant_id = doorway_current_tenant() or doorway_scope_is('worker'))
    with check (tenant_id = doorway_current_tenant() or doorway_scope_is('worker'));

grant usage on schema public to doorway_app;
grant select, insert, update, delete on all tables in schema public to doorway_app;
grant execute on function doorway_current_tenant() to doorway_app;
grant execute on function doorway_scope_is(text) to doorway_app;
