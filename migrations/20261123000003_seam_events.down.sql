alter table tenants drop column if exists seam_webhook_id;
alter table credentials drop column if exists last_event_at;
drop table if exists seam_events;
