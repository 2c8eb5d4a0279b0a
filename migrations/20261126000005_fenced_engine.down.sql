drop trigger if exists resident_leases_notify_release on resident_leases;
drop trigger if exists provisioning_runs_notify_due on provisioning_runs;
drop trigger if exists provisioning_runs_notify_insert on provisioning_runs;
drop function if exists doorway_notify_runs();
alter table resident_acs_users drop column schedule_ends_at;
alter table resident_acs_users drop column schedule_starts_at;
alter table resident_acs_users drop column schedule_set;
alter table credentials drop column superseded_seam_acs_credential_id;
drop table background_leases;
drop table seam_device_windows;
drop table tenant_engine_state;
drop table resident_leases;
alter table provisioning_steps drop column uncertain;
alter table provisioning_steps drop column not_before;
drop index if exists provisioning_runs_resident_idx;
drop index if exists provisioning_runs_due_idx;
alter table provisioning_runs add column locked_until timestamptz;
create index provisioning_runs_due_idx on provisioning_runs (next_attempt_at)
    where status in ('PENDING', 'RUNNING');
create index provisioning_runs_resident_idx on provisioning_runs (resident_id) where locked_until is not null;
update provisioning_runs set status = 'RUNNING' where status = 'NEEDS_ATTENTION';
update provisioning_runs set status = 'FAILED' where kind in ('EXPIRE', 'COMPENSATE') and status in ('PENDING', 'RUNNING');
delete from provisioning_steps where run_id in (select run_id from provisioning_runs where kind in ('EXPIRE', 'COMPENSATE'));
delete from provisioning_runs where kind in ('EXPIRE', 'COMPENSATE');
alter table provisioning_runs drop constraint provisioning_runs_kind_check;
alter table provisioning_runs add constraint provisioning_runs_kind_check
    check (kind in ('PROVISION', 'REVOKE', 'RESCHEDULE'));
alter table provisioning_runs drop constraint provisioning_runs_status_check;
alter table provisioning_runs add constraint provisioning_runs_status_check
    check (status in ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'));
alter table provisioning_runs drop column finished_at;
alter table provisioning_runs drop column heartbeat_at;
alter table provisioning_runs drop column attention_reason;
alter table provisioning_runs drop column cancel_requested_at;
alter table provisioning_runs drop column fence;
