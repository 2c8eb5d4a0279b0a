-- The W3C trace context of the operation that created a run (`traceparent`, `tracestate` as
-- JSON), so that the worker that claims it later continues the same trace. Null when traces
-- are not exported.
alter table provisioning_runs add column trace_context jsonb;
