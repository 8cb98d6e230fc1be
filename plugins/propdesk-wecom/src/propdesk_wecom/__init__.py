"""propdesk notifier plugin: the WeCom (企业微信) group robot."""

from propdesk_wecom.plugin import WeComChannel, channel_from_table

__all__ = ["WeComChannel", "channel_from_table"]
