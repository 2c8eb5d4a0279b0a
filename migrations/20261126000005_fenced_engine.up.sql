-- The fenced provisioning engine (ENGINE.md): every claim of a run issues a new fencing token
-- that each of the worker's writes must match; one resident's runs never overlap, by a lease
-- row per resident; claims are fair across tenants; Seam's per-device limits are kept here so
-- that they hold across every Doorway process; background jobs run on one process at a time.

-- Runs: the fence, cancellation as a request, runs that need an operator, and two more kinds.
alter table provisioning_runs add column fence bigint not null default 0;
alter table provisioning_runs add column cancel_requested_at timestamptz;
alter table provisioning_runs add column attention_reason text;
alter table provisioning_runs add column heartbeat_at timestamptz;
alter table provisioning_runs add column finished_at timestamptz;
alter table provisioning_runs drop constraint provisioning_runs_status_check;
alter table provisioning_runs add constraint provisioning_runs_status_check
    check (status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION', 'SUCCEEDED', 'FAILED', 'CANCELLED'));
alter table provisioning_runs drop constraint provisioning_runs_kind_check;
alter table provisioning_runs add constraint provisioning_runs_kind_check
    check (kind in ('PROVISION', 'REVOKE', 'RESCHEDULE', 'EXPIRE', 'COMPENSATE'));
drop index if exists provisioning_runs_resident_idx;
drop index if exists provisioning_runs_due_idx;
alter table provisioning_runs drop column locked_until;
create index provisioning_runs_due_idx on provisioning_runs (tenant_id, next_attempt_at)
    where status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION');
create index provisioning_runs_resident_idx on provisioning_runs (resident_id);

-- Steps: when a waiting step should look again, and whether an earlier attempt of a creating
-- step may have created something (then, and only then, the next attempt looks first).
alter table provisioning_steps add column not_before timestamptz;
alter table provisioning_steps add column uncertain boolean not null default false;

-- One lease per resident: the run of that resident being worked on, with the fence of its
-- claim. A row left behind by a crashed holder is taken over once it has expired.
create table resident_leases (
    resident_id uuid primary key references residents (resident_id),
    tenant_id uuid not null references tenants (tenant_id),
    run_id uuid not null references provisioning_runs (run_id),
    fence bigint not null,
    -- The process that holds it, for logs only: the fence is what is checked.
    holder text not null,
    locked_until timestamptz not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- How the engine treats each tenant: who was served least recently (fair claims), and whether
-- its runs must wait (Seam refused its key, or asked for a pause with Retry-After).
create table tenant_engine_state (
    tenant_id uuid primary key references tenants (tenant_id),
    last_claimed_at timestamptz,
    paused_until timestamptz,
    paused_reason text,
    seam_backoff_until timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
insert into tenant_engine_state (tenant_id) select tenant_id from tenants;

-- Seam's per-device limits (access-code writes and deletes per minute), as a sliding log of
-- the calls made, shared by every Doorway process; `blocked_until` keeps a 429's Retry-After.
create table seam_device_windows (
    tenant_id uuid not null references tenants (tenant_id),
    seam_device_id text not null,
    bucket text not null check (bucket in ('ACCESS_CODE_WRITE', 'ACCESS_CODE_DELETE')),
    calls timestamptz[] not null default '{}',
    blocked_until timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, seam_device_id, bucket)
);

-- Background jobs (the expiry sweep, the reconciler) run on one process at a time: the one
-- holding this lease. Not tenant data.
create table background_leases (
    job text primary key,
    holder text not null,
    locked_until timestamptz not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- A Latch credential replaced for a new window stays at Seam (and working) until its
-- replacement is issued; its id is kept here until it is deleted.
alter table credentials add column superseded_seam_acs_credential_id text;

-- The access schedule Doorway last set on each ACS user (Salto KS keeps the window on the
-- user): a schedule already right costs no call.
alter table resident_acs_users add column schedule_set boolean not null default false;
alter table resident_acs_users add column schedule_starts_at timestamptz;
alter table resident_acs_users add column schedule_ends_at timestamptz;

do $$
declare
    t text;
begin
    foreach t in array array['resident_leases', 'tenant_engine_state', 'seam_device_windows'] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
    end loop;
end
$$;
create policy tenant_isolation on resident_leases
    using (tenant_id = doorway_current_tenant() or doorway_scope_is('worker'))
    with check (tenant_id = doorway_current_tenant() or doorway_scope_is('worker'));
create policy tenant_isolation on tenant_engine_state
    using (tenant_id = doorway_current_tenant() or doorway_scope_is('worker')
           or doorway_scope_is('operator'))
    with check (tenant_id = doorway_current_tenant() or doorway_scope_is('worker')
                or doorway_scope_is('operator'));
create policy tenant_isolation on seam_device_windows
    using (tenant_id = doorway_current_tenant())
    with check (tenant_id = doorway_current_tenant());
grant select, insert, update, delete on resident_leases, tenant_engine_state, seam_device_windows,
    background_leases to doorway_app;

-- Wake-ups: a run that becomes due, or a resident lease given back (another run of that
-- resident may now go), is announced on doorway_runs to the workers of every process.
-- Notifications of one transaction with the same payload are delivered once.
create function doorway_notify_runs() returns trigger
    language plpgsql
    as $$
begin
    perform pg_notify('doorway_runs', '');
    return null;
end
$$;

create trigger provisioning_runs_notify_insert
    after insert on provisioning_runs
    for each row execute function doorway_notify_runs();

create trigger provisioning_runs_notify_due
    after update of next_attempt_at on provisioning_runs
    for each row
    when (new.next_attempt_at <= now() and old.next_attempt_at is distinct from new.next_attempt_at
          and new.status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION'))
    execute function doorway_notify_runs();

create trigger resident_leases_notify_release
    after delete on resident_leases
    for each row execute function doorway_notify_runs();
