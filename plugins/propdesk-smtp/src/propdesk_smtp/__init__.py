"""propdesk notifier plugin: e-mail over SMTP with STARTTLS and login."""

from propdesk_smtp.plugin import SmtpChannel, channel_from_table, email_of

__all__ = ["SmtpChannel", "channel_from_table", "email_of"]
