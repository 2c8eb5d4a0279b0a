delete from provisioning_steps where run_id in (select run_id from provisioning_runs where kind = 'SIGN_OUT');
delete from resident_leases where run_id in (select run_id from provisioning_runs where kind = 'SIGN_OUT');
delete from provisioning_runs where kind = 'SIGN_OUT';
alter table provisioning_runs drop constraint provisioning_runs_kind_check;
alter table provisioning_runs add constraint provisioning_runs_kind_check
    check (kind in ('PROVISION', 'REVOKE', 'RESCHEDULE', 'EXPIRE', 'COMPENSATE'));
