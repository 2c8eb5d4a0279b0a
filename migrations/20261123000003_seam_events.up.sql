-- Seam's events, as its webhook (through Svix) delivered them: each svix-id is stored once per
-- tenant and applied in the transaction that stores it, so a delivery repeated by Svix's
-- at-least-once guarantee is answered 200 and changes nothing.
create table seam_events (
    seam_event_id uuid primary key,
    tenant_id uuid not null references tenants (tenant_id),
    svix_id text not null,
    event_id text not null,
    event_type text not null,
    -- When it happened at Seam (`occurred_at`, else `created_at`): orders events that arrive
    -- late or out of order.
    occurred_at timestamptz,
    payload jsonb not null,
    received_at timestamptz not null default now(),
    -- When it was applied to Doorway's records, and what that did (or why it changed nothing).
    applied_at timestamptz,
    outcome text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (tenant_id, svix_id)
);
create index seam_events_event_idx on seam_events (tenant_id, event_id);

alter table seam_events enable row level security;
alter table seam_events force row level security;
create policy tenant_isolation on seam_events
    using (tenant_id = doorway_current_tenant())
    with check (tenant_id = doorway_current_tenant());
grant select, insert, update, delete on seam_events to doorway_app;

-- The time of the latest Seam event applied to a credential: an older event arriving later
-- is ignored instead of reverting the credential.
alter table credentials add column if not exists last_event_at timestamptz;

-- The webhook Seam holds for the tenant (its signing secret is webhook_secret_ciphertext), so
-- that it can be replaced or removed later.
alter table tenants add column if not exists seam_webhook_id text;
