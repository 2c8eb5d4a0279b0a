alter table provisioning_runs drop column trace_context;
