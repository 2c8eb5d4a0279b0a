-- Every provider's flow, revocation and rescheduling.

-- What the policy needs to know about a property and its locks, refreshed at each import.
alter table properties add column external_type text;
alter table entrances add column supports_access_codes boolean not null default false;
alter table entrances add column supported_code_lengths integer[] not null default '{}';

-- How each credential exists at Seam: an ACS credential, or an access code on one lock.
alter table credentials add column mechanism text not null default 'ACS_CREDENTIAL'
    check (mechanism in ('ACS_CREDENTIAL', 'ACCESS_CODE'));
alter table credentials add column seam_access_code_id text;
alter table credentials add column requested_code text;
alter table credentials add constraint credentials_tenant_access_code_key unique (tenant_id, seam_access_code_id);

-- The access groups a Salto KS grant gives.
create table grant_access_groups (
    grant_id uuid not null references grants (grant_id),
    access_group_id uuid not null references access_groups (access_group_id),
    tenant_id uuid not null references tenants (tenant_id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (grant_id, access_group_id)
);
alter table grant_access_groups enable row level security;
alter table grant_access_groups force row level security;
create policy tenant_isolation on grant_access_groups
    using (tenant_id = doorway_current_tenant()) with check (tenant_id = doorway_current_tenant());
grant select, insert, update, delete on grant_access_groups to doorway_app;

alter table provisioning_steps add column access_group_id uuid references access_groups (access_group_id);

-- Runs of one resident never overlap (two grants must not both create the resident's ACS user);
-- the claim, which sees only this table, needs the resident here.
alter table provisioning_runs add column resident_id uuid references residents (resident_id);
update provisioning_runs r set resident_id = g.resident_id from grants g where g.grant_id = r.grant_id;
create index provisioning_runs_resident_idx on provisioning_runs (resident_id) where locked_until is not null;

-- Revocation and rescheduling are runs too; a run superseded by a revocation is cancelled.
alter table provisioning_runs drop constraint provisioning_runs_kind_check;
alter table provisioning_runs add constraint provisioning_runs_kind_check
    check (kind in ('PROVISION', 'REVOKE', 'RESCHEDULE'));
alter table provisioning_runs drop constraint provisioning_runs_status_check;
alter table provisioning_runs add constraint provisioning_runs_status_check
    check (status in ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'));

create index grants_due_to_expire_idx on grants (ends_at) where status in ('PROVISIONING', 'ACTIVE');
