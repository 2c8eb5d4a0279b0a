-- When a worker next has something to claim: for every run still to be worked on, the moment
-- `doorway_claim_run` would take it (its time has come, its resident's lease is free, its
-- tenant is neither paused nor backing off from Seam), and the earliest of those. Idle workers
-- sleep until then (or until a notification on doorway_runs) instead of polling the queue; a
-- moment already past means a run can be claimed now. Cross-tenant, so a narrow
-- security-definer function under the worker scope, returning one timestamp and nothing else.
create function doorway_next_run_wake() returns timestamptz
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'worker'
    as $$
        select min(greatest(r.next_attempt_at,
                            case when l.locked_until > now() then l.locked_until end,
                            case when s.paused_until > now() then s.paused_until end,
                            case when s.seam_backoff_until > now() then s.seam_backoff_until end))
        from provisioning_runs r
        left join resident_leases l on l.resident_id = r.resident_id
        join tenant_engine_state s on s.tenant_id = r.tenant_id
        where r.status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION') and r.resident_id is not null
    $$;

revoke all on function doorway_next_run_wake() from public;
grant execute on function doorway_next_run_wake() to doorway_app;
