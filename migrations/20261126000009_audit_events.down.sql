drop function doorway_audit_events(uuid, uuid, uuid, uuid, integer, timestamptz, uuid);
drop function doorway_record_audit(uuid, text, text, text, text, text, uuid, uuid, uuid, uuid, uuid, text);
drop table audit_events;
drop function doorway_audit_is_append_only();
