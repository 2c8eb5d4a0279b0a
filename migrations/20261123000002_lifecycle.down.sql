drop index if exists grants_due_to_expire_idx;
update provisioning_runs set status = 'FAILED' where status = 'CANCELLED';
delete from provisioning_steps where run_id in (select run_id from provisioning_runs where kind <> 'PROVISION');
delete from provisioning_runs where kind <> 'PROVISION';
alter table provisioning_runs drop constraint provisioning_runs_status_check;
alter table provisioning_runs add constraint provisioning_runs_status_check
    check (status in ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED'));
alter table provisioning_runs drop constraint provisioning_runs_kind_check;
alter table provisioning_runs add constraint provisioning_runs_kind_check
    check (kind in ('PROVISION', 'REVOKE'));
alter table provisioning_runs drop column resident_id;
alter table provisioning_steps drop column access_group_id;
drop table grant_access_groups;
alter table credentials drop constraint credentials_tenant_access_code_key;
alter table credentials drop column requested_code;
alter table credentials drop column seam_access_code_id;
alter table credentials drop column mechanism;
alter table entrances drop column supported_code_lengths;
alter table entrances drop column supports_access_codes;
alter table properties drop column external_type;
