"""The ``smtp`` channel: one e-mail per notice to the recipients' ``email``.

One SMTP connection per :meth:`SmtpChannel.send` (:mod:`smtplib`): STARTTLS
(verifying the server's certificate; ``ca_file`` adds a private CA), then
login when ``user_env`` is configured, then one message per notice with a
plain-text part and an HTML part (:class:`email.message.EmailMessage`: the
Chinese subject and the people's names are encoded as RFC 2047 encoded words, the body
as UTF-8).  The ``Message-ID`` is derived from the notice's id, the same on
every retry.  SMTP 4xx answers and network errors are retryable, 5xx
answers permanent.
"""

from __future__ import annotations

import email.errors
import hashlib
import html
import smtplib
import ssl
import time
from collections.abc import Mapping, Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

import attrs

from propdesk.channel_kit import (
    DEFAULT_TIMEOUT,
    ChannelConfigError,
    Clock,
    Unreachable,
    check_table,
    number,
    send_each,
    single,
    table_path,
    tables_of_kind,
    utc_now,
)
from propdesk.channels import DeliveryError, Message, secret
from propdesk.hookspecs import hookimpl

KIND = "smtp"
KEYS = ("host", "port", "starttls", "user_env", "password_env", "from", "timeout", "ca_file")
"""The table's keys besides ``name`` and ``kind`` (``*_file`` may replace ``*_env``)."""


@attrs.frozen
class Login:
    user: str
    password: str = attrs.field(repr=False)


def mailbox(name: str, addr: str) -> str:
    """``Name <addr>``; the bare address when it cannot carry a name (a non-ASCII local part)."""
    try:
        return str(Address(display_name=name, addr_spec=addr))
    except (ValueError, IndexError, email.errors.MessageError):
        return addr


def email_of(message: Message, sender: str, *, now: Clock = time.time) -> EmailMessage | None:
    """The e-mail for ``message``; ``None`` when no recipient has an ``email``."""
    people = {r.email: r.name for r in message.recipients if r.email}
    if not people:
        return None
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = sender
    mail["To"] = ", ".join(mailbox(name, addr) for addr, name in people.items())
    mail["Date"] = format_datetime(utc_now(now))
    digest = hashlib.sha256(message.id.encode("utf-8")).hexdigest()[:32]
    mail["Message-ID"] = f"<{digest}@propdesk>"
    mail["X-Propdesk-Notice"] = f"{message.type} {message.ticket}"
    text = single(0, message).text  # without a first line repeating the subject
    mail.set_content(f"{message.title}\n\n{text}\n")
    lines = "<br>\n".join(html.escape(line) for line in text.splitlines())
    mail.add_alternative(
        "<!DOCTYPE html>\n<html><body>\n"
        f"<h3>{html.escape(message.title)}</h3>\n<p>{lines}</p>\n"
        "</body></html>\n", subtype="html")
    return mail


def smtp_error(exc: smtplib.SMTPException | OSError) -> DeliveryError:
    """What an SMTP failure means: 4xx and network errors retryable, 5xx permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{k}: {c}" for k, (c, _) in exc.recipients.items())
        return DeliveryError(f"recipients refused: {detail} (收件人被拒)",
                             permanent=all(c >= 500 for c in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return DeliveryError(f"SMTP {exc.smtp_code}: {text} (邮件服务器拒绝)",
                             permanent=exc.smtp_code >= 500)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"the server does not offer it: {exc} (服务器不支持)", permanent=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError(f"the server's certificate is not trusted: {exc.verify_message} "
                             f"(证书不受信任)", permanent=True)
    return Unreachable(f"network error: {type(exc).__name__}: {exc} (网络错误)")


class SmtpChannel:
    """A configured SMTP server."""

    kind = KIND

    def __init__(self, name: str, host: str, port: int, sender: str, *,
                 starttls: bool = True, login: Login | None = None,
                 timeout: float = DEFAULT_TIMEOUT, ca_file: str | None = None,
                 clock: Clock = time.time) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.sender = sender
        self.starttls = starttls
        self.timeout = timeout
        self.clock = clock
        self._login = login
        self._tls = ssl.create_default_context(cafile=ca_file) if starttls else None

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self._tls is not None:
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError(
                        "STARTTLS is required (starttls = true) but not offered")
                smtp.starttls(context=self._tls)
                smtp.ehlo()
            if self._login is not None:
                self._authenticate(smtp, self._login)
        except BaseException:
            smtp.close()
            raise
        return smtp

    @staticmethod
    def _authenticate(smtp: smtplib.SMTP, login: Login) -> None:
        """AUTH PLAIN, else AUTH LOGIN: one attempt (a refused password is not sent
        again with another mechanism, as :meth:`smtplib.SMTP.login` would)."""
        offered = smtp.esmtp_features.get("auth", "").upper().split()
        smtp.user, smtp.password = login.user, login.password
        for mechanism, answer in (("PLAIN", smtp.auth_plain), ("LOGIN", smtp.auth_login)):
            if mechanism in offered:
                smtp.auth(mechanism, answer)
                return
        raise smtplib.SMTPNotSupportedError("the server offers neither AUTH PLAIN nor LOGIN")

    def _mail(self, message: Message) -> EmailMessage | DeliveryError:
        try:
            mail = email_of(message, self.sender, now=self.clock)
        except (ValueError, email.errors.MessageError) as exc:
            return DeliveryError(f"cannot write the e-mail: {exc} (无法生成邮件)", permanent=True)
        return no_address() if mail is None else mail

    def send(self, messages: Sequence[Message]) -> list[DeliveryError | None]:
        mails = [self._mail(m) for m in messages]
        if all(isinstance(mail, DeliveryError) for mail in mails):
            return [mail if isinstance(mail, DeliveryError) else None for mail in mails]
        try:
            smtp = self._connect()
        except UnicodeError:  # smtplib sends user and password as ASCII only
            error = DeliveryError("the SMTP user and password must be ASCII "
                                  "(SMTP 用户名和密码须为 ASCII 字符)", permanent=True)
            return [mail if isinstance(mail, DeliveryError) else error for mail in mails]
        except (smtplib.SMTPException, OSError) as exc:
            error = smtp_error(exc)
            return [mail if isinstance(mail, DeliveryError) else error for mail in mails]
        by_id = {id(m): mail for m, mail in zip(messages, mails, strict=True)}

        def deliver(message: Message) -> DeliveryError | None:
            mail = by_id[id(message)]
            if isinstance(mail, DeliveryError):
                return mail
            try:
                smtp.send_message(mail)
            except (smtplib.SMTPServerDisconnected, TimeoutError) as exc:
                return Unreachable(f"network error: {type(exc).__name__}: {exc} (连接中断)")
            except (smtplib.SMTPException, OSError) as exc:
                return smtp_error(exc)
            except ValueError as exc:  # e.g. a non-ASCII address the server cannot take
                return DeliveryError(f"cannot send: {exc} (无法发送)", permanent=True)
            return None

        try:
            return send_each(messages, deliver)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def close(self) -> None:
        """Nothing stays open between sends."""


def no_address() -> DeliveryError:
    return DeliveryError("no recipient has an email address (收件人均未配置 email)",
                         permanent=True)


def channel_from_table(table: Mapping[str, Any], config_dir: Path = Path("."), *,
                       environ: Mapping[str, str] | None = None,
                       clock: Clock = time.time) -> SmtpChannel:
    """The channel one ``[[notifiers]]`` table of kind ``smtp`` describes."""
    checked = check_table(table, keys=KEYS, required=("host", "from"), config_dir=config_dir)
    path = table_path(table)
    host = checked["host"]
    if not isinstance(host, str) or not host or any(c.isspace() for c in host):
        raise ChannelConfigError(f"{path}.host", "a host name is required (应为主机名)")
    starttls = checked.get("starttls", True)
    if not isinstance(starttls, bool):
        raise ChannelConfigError(f"{path}.starttls", "true or false is required (应为 true/false)")
    sender = checked["from"]
    address = parseaddr(sender)[1] if isinstance(sender, str) else ""
    if "@" not in address or any(c.isspace() for c in address):
        raise ChannelConfigError(f"{path}.from", "an e-mail address is required, e.g. "
                                                 "\"物业前台 <desk@example.com>\" "
                                                 "(应为邮件地址)")
    login = None
    has_user = "user_env" in checked or "user_file" in checked
    has_password = "password_env" in checked or "password_file" in checked
    if has_user or has_password:
        if not (has_user and has_password):
            missing = "password_env" if has_user else "user_env"
            raise ChannelConfigError(f"{path}.{missing}",
                                     "user_env and password_env go together (须同时配置)")
        if not starttls:
            raise ChannelConfigError(f"{path}.starttls", "a login is only sent over STARTTLS "
                                                         "(登录须使用 STARTTLS 加密)")
        login = Login(secret(checked, "user_env", path=path, environ=environ),
                      secret(checked, "password_env", path=path, environ=environ))
    port = number(checked, "port", 587, low=1, high=65535)
    if port != int(port):
        raise ChannelConfigError(f"{path}.port", "a whole number is required (应为整数)")
    ca_file = checked.get("ca_file")
    if ca_file is not None and not Path(ca_file).is_file():
        raise ChannelConfigError(f"{path}.ca_file", f"no such file: {ca_file} (文件不存在)")
    return SmtpChannel(checked["name"], host, int(port), sender, starttls=starttls, login=login,
                       timeout=number(checked, "timeout", DEFAULT_TIMEOUT, low=0.1, high=300),
                       ca_file=ca_file, clock=clock)


@hookimpl
def propdesk_notifiers(config: Mapping[str, Any], config_dir: Path) -> list[SmtpChannel]:
    """One :class:`SmtpChannel` per ``[[notifiers]]`` table of kind ``smtp``."""
    return [channel_from_table(t, config_dir) for t in tables_of_kind(config, KIND)]


@hookimpl
def propdesk_notifier_kinds() -> list[str]:
    """The ``[[notifiers]]`` kind this plugin offers."""
    return [KIND]
