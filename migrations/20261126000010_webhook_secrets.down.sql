drop function doorway_unregistered_webhooks();
drop function doorway_webhook_secrets();
