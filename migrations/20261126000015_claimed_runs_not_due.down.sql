-- The claim of 006, which leaves a claimed run's next attempt where it was.

create or replace function doorway_claim_run(p_holder text, p_lease_seconds double precision)
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
