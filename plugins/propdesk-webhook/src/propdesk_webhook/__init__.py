"""propdesk notifier plugin: notices as signed JSON webhooks (Standard Webhooks)."""

from propdesk_webhook.plugin import WebhookChannel, channel_from_table

__all__ = ["WebhookChannel", "channel_from_table"]
