-- Webhook deliveries are verified before any database work (issue 8): each process keeps the
-- tenants' webhook secrets (sealed, opened in memory only) and refreshes them through this
-- narrow function, which returns nothing else of the tenants.
create function doorway_webhook_secrets()
    returns table (tenant_id uuid, ciphertext bytea, seam_workspace_id text)
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'operator'
    as $$
        select t.tenant_id, t.webhook_secret_ciphertext, t.seam_workspace_id
        from tenants t where t.webhook_secret_ciphertext is not null
    $$;

-- The tenants whose webhook is not registered yet (the periodic retry's work list).
create function doorway_unregistered_webhooks() returns setof uuid
    language sql stable security definer
    set search_path = public, pg_temp set doorway.scope = 'operator'
    as $$ select tenant_id from tenants where not webhook_registered order by created_at $$;

grant execute on function doorway_webhook_secrets() to doorway_app;
grant execute on function doorway_unregistered_webhooks() to doorway_app;
