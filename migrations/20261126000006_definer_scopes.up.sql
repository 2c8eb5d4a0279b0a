-- Tenancy that cannot be undone (issue 8). The service logs in as doorway_app itself, a role
-- that owns nothing, cannot create anything, and is not exempt from row-level security; the
-- migrations run with their own credentials (`doorway migrate`). Before this, the service
-- logged in as the owner and switched to doorway_app with `set role`, which one `reset role`
-- undid, and the cross-tenant scopes were settings any transaction could set.
--
-- Now a scope widens what a query sees only inside the narrow `security definer` functions
-- below, which run as their owner: `doorway_scope_is` is false for doorway_app whatever
-- `doorway.scope` says, so `set_config('doorway.scope', ...)` from the service changes
-- nothing. Each function sets its scope for its own duration only (`set doorway.scope`).

do $$
begin
    if not (select rolcanlogin from pg_roles where rolname = 'doorway_app') then
        alter role doorway_app login;
    end if;
exception
    -- Without the right to change roles (the role is then the administrator's to set up), or
    -- when another database of the same server is migrated at the same moment.
    when others then
        raise notice 'give the role doorway_app LOGIN (and a password) yourself: %', sqlerrm;
end
$$;

-- Readiness reads which migrations were applied (the table exists whenever sqlx migrates).
do $$
begin
    if to_regclass('_sqlx_migrations') is not null then
        grant select on _sqlx_migrations to doorway_app;
    end if;
end
$$;

create or replace function doorway_scope_is(scope text) returns boolean
    language sql stable
    as $$ select coalesce(current_setting('doorway.scope', true), '') = scope
                 and current_user <> 'doorway_app' $$;

-- The operator scope: tenants across the service.
create function doorway_tenant_ids() returns setof uuid
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'operator'
    as $$ select tenant_id from tenants order by tenant_id $$;

create function doorway_tenants(p_limit integer, p_after_at timestamptz, p_after_id uuid)
    returns table (tenant_id uuid, name text, seam_workspace_id text,
                   webhook_registered boolean, created_at timestamptz)
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'operator'
    as $$
        select t.tenant_id, t.name, t.seam_workspace_id, t.webhook_registered, t.created_at
        from tenants t
        where p_after_at is null or (t.created_at, t.tenant_id) > (p_after_at, p_after_id)
        order by t.created_at, t.tenant_id
        limit p_limit
    $$;

create function doorway_tenant_count() returns bigint
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'operator'
    as $$ select count(*) from tenants $$;

-- A tenant created with this idempotency key in the last 24 hours (creation is idempotent
-- across the service, before there is a tenant to scope to).
create function doorway_tenant_by_creation_key(p_key text)
    returns table (tenant_id uuid, creation_request_hash bytea)
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'operator'
    as $$
        select t.tenant_id, t.creation_request_hash from tenants t
        where t.creation_idempotency_key = p_key and t.created_at > now() - interval '24 hours'
    $$;

-- The worker scope: claiming due runs across tenants, fairly (see crates/api/src/db/queue.rs
-- for the rules; this is their one implementation).
create function doorway_claim_run(p_holder text, p_lease_seconds double precision)
    returns table (run_id uuid, tenant_id uuid, grant_id uuid, resident_id uuid, kind text,
                   fence bigint, created_at timestamptz, taken_over boolean)
    language plpgsql volatile security definer
    set search_path = public, pg_temp set doorway.scope = 'worker'
    as $$
#variable_conflict use_column
declare
    candidate_tenant uuid;
begin
    for candidate_tenant in
        select s.tenant_id from tenant_engine_state s
        where (s.paused_until is null or s.paused_until <= now())
          and (s.seam_backoff_until is null or s.seam_backoff_until <= now())
          and exists (select 1 from provisioning_runs r
                      where r.tenant_id = s.tenant_id
                        and r.status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION')
                        and r.next_attempt_at <= now() and r.resident_id is not null
                        and not exists (select 1 from resident_leases l
                                        where l.resident_id = r.resident_id
                                          and l.locked_until > now()))
        order by s.last_claimed_at nulls first, s.tenant_id
        limit 4
    loop
        return query
        with candidate as (
            select r.run_id, r.resident_id, r.fence + 1 as fence
            from provisioning_runs r
            where r.tenant_id = candidate_tenant
              and r.status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION')
              and r.next_attempt_at <= now() and r.resident_id is not null
              and not exists (select 1 from resident_leases l
                              where l.resident_id = r.resident_id and l.locked_until > now())
            order by r.next_attempt_at, r.created_at, r.run_id
            limit 1
            for no key update of r skip locked
        ), lease as (
            insert into resident_leases as l (resident_id, tenant_id, run_id, fence, holder, locked_until)
            select c.resident_id, candidate_tenant, c.run_id, c.fence, p_holder,
                   now() + make_interval(secs => p_lease_seconds)
            from candidate c
            on conflict (resident_id) do update
                set run_id = excluded.run_id, fence = excluded.fence, holder = excluded.holder,
                    locked_until = excluded.locked_until, updated_at = now()
                where l.locked_until <= now()
            returning l.run_id, l.fence, l.xmax <> 0 as taken_over
        ), served as (
            -- At most every 50 ms: claims of one tenant would otherwise all queue on this row.
            update tenant_engine_state s set last_claimed_at = clock_timestamp(), updated_at = now()
            where s.tenant_id = candidate_tenant and exists (select 1 from lease)
              and (s.last_claimed_at is null
                   or s.last_claimed_at < clock_timestamp() - interval '50 milliseconds')
        )
        update provisioning_runs r
        set status = 'RUNNING', fence = lease.fence, locked_by = p_holder, updated_at = now()
        from lease
        where r.run_id = lease.run_id
        returning r.run_id, r.tenant_id, r.grant_id, r.resident_id, r.kind, r.fence,
                  r.created_at, lease.taken_over;
        if found then
            return;
        end if;
    end loop;
end
$$;

-- Operators: runs across tenants, newest first.
create function doorway_runs(p_status text, p_limit integer, p_before_at timestamptz,
                             p_before_id uuid)
    returns table (run_id uuid, tenant_id uuid, grant_id uuid, kind text, status text,
                   attention_reason text, cancel_requested_at timestamptz,
                   next_attempt_at timestamptz, created_at timestamptz, updated_at timestamptz)
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'worker'
    as $$
        select r.run_id, r.tenant_id, r.grant_id, r.kind, r.status, r.attention_reason,
               r.cancel_requested_at, r.next_attempt_at, r.created_at, r.updated_at
        from provisioning_runs r
        where (p_status is null or r.status = p_status)
          and (p_before_at is null or (r.created_at, r.run_id) < (p_before_at, p_before_id))
        order by r.created_at desc, r.run_id desc
        limit p_limit
    $$;

create function doorway_run_count(p_status text) returns bigint
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'worker'
    as $$ select count(*) from provisioning_runs r where p_status is null or r.status = p_status $$;

-- The tenant a run belongs to (an operator acting on a run by its id).
create function doorway_run_tenant(p_run uuid) returns uuid
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'worker'
    as $$ select r.tenant_id from provisioning_runs r where r.run_id = p_run $$;

-- What /metrics shows of the queue: counts only, nothing of any tenant's data.
create function doorway_queue_depth()
    returns table (due bigint, waiting bigint, oldest_due_seconds double precision)
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'worker'
    as $$
        select count(*) filter (where r.next_attempt_at <= now()),
               count(*) filter (where r.next_attempt_at > now()),
               coalesce(extract(epoch from now() - min(r.next_attempt_at)
                                filter (where r.next_attempt_at <= now())), 0)::float8
        from provisioning_runs r
        where r.status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION')
    $$;

create function doorway_runs_needing_attention()
    returns table (tenant_id uuid, runs bigint)
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'worker'
    as $$
        select s.tenant_id, count(r.run_id)
        from tenant_engine_state s
        left join provisioning_runs r on r.tenant_id = s.tenant_id and r.status = 'NEEDS_ATTENTION'
        group by s.tenant_id
    $$;

revoke all on function doorway_tenant_ids(), doorway_tenants(integer, timestamptz, uuid),
    doorway_tenant_count(), doorway_tenant_by_creation_key(text),
    doorway_claim_run(text, double precision),
    doorway_runs(text, integer, timestamptz, uuid), doorway_run_count(text),
    doorway_run_tenant(uuid), doorway_queue_depth(), doorway_runs_needing_attention()
    from public;
grant execute on function doorway_tenant_ids(), doorway_tenants(integer, timestamptz, uuid),
    doorway_tenant_count(), doorway_tenant_by_creation_key(text),
    doorway_claim_run(text, double precision),
    doorway_runs(text, integer, timestamptz, uuid), doorway_run_count(text),
    doorway_run_tenant(uuid), doorway_queue_depth(), doorway_runs_needing_attention()
    to doorway_app;
