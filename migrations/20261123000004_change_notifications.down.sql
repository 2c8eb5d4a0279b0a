drop trigger if exists credentials_notify_update on credentials;
drop trigger if exists credentials_notify_insert on credentials;
drop trigger if exists grants_notify_update on grants;
drop trigger if exists grants_notify_insert on grants;
drop function if exists doorway_notify_credential_change();
drop function if exists doorway_notify_grant_change();
