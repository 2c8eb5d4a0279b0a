-- Move-out signs the resident out of every app (issue 8): a run of its own kind, SIGN_OUT,
-- revokes the Seam client sessions of the resident's user identity.
alter table provisioning_runs drop constraint provisioning_runs_kind_check;
alter table provisioning_runs add constraint provisioning_runs_kind_check
    check (kind in ('PROVISION', 'REVOKE', 'RESCHEDULE', 'EXPIRE', 'COMPENSATE', 'SIGN_OUT'));
