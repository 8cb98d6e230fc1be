"""propdesk notifier plugin: the DingTalk (钉钉) custom robot."""

from propdesk_dingtalk.plugin import DingTalkChannel, channel_from_table, signature

__all__ = ["DingTalkChannel", "channel_from_table", "signature"]
