"""The SMTP channel against a real local SMTP server (aiosmtpd) with STARTTLS and AUTH."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections import deque
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import attrs
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from propdesk_smtp.plugin import Login, SmtpChannel, channel_from_table

from propdesk.channel_kit import ChannelConfigError
from propdesk.channels import Channel, SecretError
from propdesk.plugins import make_plugin_manager, notifiers
from propdesk.testing.receivers import STAFF, personal_data_found, sample_message

USER, PASSWORD = "desk@hyde.example", "s3cret-pass"
SENDER = "海德花园物业前台 <desk@hyde.example>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@attrs.frozen
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    authenticated: bool
    tls: bool

    def parsed(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class Inbox:
    """The server's handler: records every message, answers DATA as scripted."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.attempts: list[bytes] = []
        self.logins: list[tuple[str, bool]] = []
        self.data_answers: deque[str] = deque()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.endswith("@nowhere.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or b""
        self.attempts.append(content)
        if self.data_answers:
            return self.data_answers.popleft()
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), content,
                               bool(session.authenticated), session.ssl is not None))
        return "250 OK"

    def authenticator(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
            and auth_data.password == PASSWORD.encode()
        self.logins.append((mechanism, ok))
        return AuthResult(success=ok, handled=ok)  # a failure: the server answers 535

    def blobs(self) -> list[bytes]:
        return list(self.attempts) + [m.mail_from.encode() + b" " + " ".join(m.rcpt_tos).encode()
                                      for m in self.mails]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def serve(inbox: Inbox, ca: trustme.CA | None, **kw: Any) -> Controller:
    context = None
    if ca is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=context is not None,
                            authenticator=inbox.authenticator, auth_require_tls=True, **kw)
    controller.start()
    return controller


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    yield box
    assert personal_data_found(box.blobs()) == [], "an owner's phone or name was sent"


@pytest.fixture
def server(inbox: Inbox, ca: trustme.CA) -> Iterator[Controller]:
    controller = serve(inbox, ca, auth_required=True)
    yield controller
    controller.stop()


def make(server: Controller, ca_file: Path, **kw: Any) -> SmtpChannel:
    options: dict[str, Any] = {"login": Login(USER, PASSWORD), "ca_file": str(ca_file),
                               "timeout": 10}
    options.update(kw)
    return SmtpChannel("mail", "127.0.0.1", server.port, SENDER, **options)


def test_an_email_with_a_chinese_subject_both_parts_and_the_recipients(
        server: Controller, inbox: Inbox, ca_file: Path) -> None:
    ch = make(server, ca_file)
    assert isinstance(ch, Channel) and ch.kind == "smtp"
    message = sample_message(1, type="sla.breach", recipients=STAFF)
    assert ch.send([message]) == [None]
    (mail,) = inbox.mails
    assert mail.tls and mail.authenticated and inbox.logins == [("PLAIN", True)]
    # STAFF[2] has no email: the two who have one, in the envelope and the To header
    assert mail.rcpt_tos == ["zhao@desk.example", "qian@desk.example"]
    assert mail.mail_from == "desk@hyde.example"
    raw_subject = next(line for line in mail.content.split(b"\r\n")
                       if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in raw_subject.lower()  # RFC 2047 encoded words on the wire
    parsed = mail.parsed()
    assert parsed["Subject"] == "A1 S-5 已超时 / overdue"
    assert parsed["From"].addresses[0].display_name == "海德花园物业前台"
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        ("赵师傅", "zhao@desk.example"), ("钱主管", "qian@desk.example")]
    raw_to = next(line for line in mail.content.split(b"\r\n") if line.startswith(b"To:"))
    assert b"=?utf-8?" in raw_to.lower()
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert plain is not None and html is not None
    body = "\n".join(message.text.splitlines()[1:])  # the title is not repeated
    assert plain.get_content().replace("\r\n", "\n") == f"{message.title}\n\n{body}\n"
    assert "<h3>A1 S-5 已超时 / overdue</h3>" in html.get_content()
    assert "138****0000" in html.get_content()


def test_login_by_the_login_mechanism(inbox: Inbox, ca: trustme.CA, ca_file: Path) -> None:
    controller = serve(inbox, ca, auth_required=True, auth_exclude_mechanism=["PLAIN"])
    try:
        assert make(controller, ca_file).send([sample_message()]) == [None]
    finally:
        controller.stop()
    assert inbox.logins == [("LOGIN", True)] and len(inbox.mails) == 1


def test_html_is_escaped(server: Controller, inbox: Inbox, ca_file: Path) -> None:
    message = attrs.evolve(sample_message(), title="A1 <b>&", text="line <script>1</script>\n2")
    assert make(server, ca_file).send([message]) == [None]
    html = inbox.mails[0].parsed().get_body(("html",))
    assert html is not None
    body = html.get_content()
    assert "<h3>A1 &lt;b&gt;&amp;</h3>" in body
    assert "line &lt;script&gt;1&lt;/script&gt;<br>\r\n2" in body and "<script>" not in body


def test_a_wrong_password_is_refused_for_good(server: Controller, inbox: Inbox,
                                              ca_file: Path) -> None:
    results = make(server, ca_file, login=Login(USER, "wrong")).send(
        [sample_message(1), sample_message(2)])
    assert all(r is not None and r.permanent and "535" in r.reason for r in results)
    assert inbox.mails == [] and inbox.logins == [("PLAIN", False)]


def test_a_non_ascii_password_is_a_clear_permanent_error(
        server: Controller, inbox: Inbox, ca_file: Path) -> None:
    (error,) = make(server, ca_file, login=Login(USER, "口令")).send([sample_message()])
    assert error is not None and error.permanent and "ASCII" in error.reason


def test_fails_twice_then_succeeds_with_the_same_message_id(
        server: Controller, inbox: Inbox, ca_file: Path) -> None:
    inbox.data_answers.extend(["451 4.3.0 try again later", "452 4.3.1 insufficient storage"])
    ch = make(server, ca_file)
    results = [ch.send([sample_message(7)])[0] for _ in range(3)]
    assert [r is None for r in results] == [False, False, True]
    assert all(r is not None and not r.permanent for r in results[:2])
    ids = {email.message_from_bytes(a, policy=email.policy.default)["Message-ID"]
           for a in inbox.attempts}
    assert len(inbox.attempts) == 3 and len(ids) == 1 and len(inbox.mails) == 1


def test_a_refused_mailbox_is_permanent_and_does_not_stop_the_next(
        server: Controller, inbox: Inbox, ca_file: Path) -> None:
    nobody = attrs.evolve(STAFF[0], email="gone@nowhere.example")
    first, second = make(server, ca_file).send([sample_message(1, recipients=(nobody,)),
                                                sample_message(2)])
    assert first is not None and first.permanent and "550" in first.reason
    assert second is None and len(inbox.mails) == 1


@pytest.mark.parametrize("utf8", [True, False])
def test_a_chinese_address_goes_with_smtputf8_else_it_is_permanent_not_an_exception(
        inbox: Inbox, ca: trustme.CA, ca_file: Path, utf8: bool) -> None:
    controller = serve(inbox, ca, auth_required=True, enable_SMTPUTF8=utf8)
    chinese = attrs.evolve(STAFF[0], email="赵师傅@desk.example")
    try:
        first, second = make(controller, ca_file).send(
            [sample_message(1, recipients=(chinese,)), sample_message(2)])
    finally:
        controller.stop()
    assert second is None
    if utf8:
        assert first is None and inbox.mails[0].rcpt_tos == ["赵师傅@desk.example"]
    else:
        assert first is not None and first.permanent and "SMTPUTF8" in first.reason
        assert len(inbox.mails) == 1


def test_no_recipient_with_an_email(server: Controller, inbox: Inbox, ca_file: Path) -> None:
    (error,) = make(server, ca_file).send([sample_message(1, recipients=(STAFF[2],))])
    assert error is not None and error.permanent and "email" in error.reason
    assert inbox.attempts == []


def test_an_unreachable_server_is_retryable(ca_file: Path) -> None:
    ch = SmtpChannel("mail", "127.0.0.1", free_port(), SENDER, ca_file=str(ca_file), timeout=5)
    results = ch.send([sample_message(1), sample_message(2)])
    assert all(r is not None and not r.permanent and "network" in r.reason for r in results)


def test_no_starttls_offered_means_nothing_is_sent(inbox: Inbox, ca_file: Path) -> None:
    controller = serve(inbox, None)  # a plain server: no STARTTLS
    try:
        (error,) = make(controller, ca_file).send([sample_message()])
    finally:
        controller.stop()
    assert error is not None and error.permanent and "STARTTLS" in error.reason
    assert inbox.attempts == [] and inbox.logins == []


def test_an_untrusted_certificate_is_refused(server: Controller, inbox: Inbox,
                                             tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    (error,) = make(server, other).send([sample_message()])
    assert error is not None and error.permanent and "certificate" in error.reason
    assert inbox.logins == []


def test_without_login_over_plain_smtp_to_a_local_relay(inbox: Inbox) -> None:
    controller = serve(inbox, None)
    try:
        ch = SmtpChannel("relay", "127.0.0.1", controller.port, SENDER, starttls=False)
        assert ch.send([sample_message()]) == [None]
    finally:
        controller.stop()
    assert inbox.mails[0].tls is False and inbox.mails[0].authenticated is False


# --- configuration through the hook ---------------------------------------------------------

ENV = {"SMTP_USER": USER, "SMTP_PASSWORD": PASSWORD}


def table(**kw: object) -> dict[str, object]:
    return {"name": "mail", "kind": "smtp", "host": "127.0.0.1", "port": 2525,
            "user_env": "SMTP_USER", "password_env": "SMTP_PASSWORD", "from": SENDER, **kw}


def test_the_hook_and_a_relative_ca_file(server: Controller, inbox: Inbox, ca_file: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    config = {"notifiers": [table(port=server.port, ca_file=ca_file.name),
                            {"name": "log", "kind": "log"}]}
    pm = make_plugin_manager(blocked=["webhook", "wecom", "dingtalk"])
    (ch,) = [n for n in notifiers(config, pm, ca_file.parent) if isinstance(n, SmtpChannel)]
    assert ch.send([sample_message()]) == [None]
    assert len(inbox.mails) == 1


@pytest.mark.parametrize("kw,path,words", [
    ({"password": "x"}, "$.notifiers[name=mail].password", "secrets are not accepted"),
    ({"user_env": "NO_SUCH_VARIABLE"}, "$.notifiers[name=mail].user_env", "NO_SUCH_VARIABLE"),
    ({"starttls": False}, "$.notifiers[name=mail].starttls", "STARTTLS"),
    ({"starttls": "yes"}, "$.notifiers[name=mail].starttls", "true or false"),
    ({"port": 70000}, "$.notifiers[name=mail].port", "number"),
    ({"port": 25.5}, "$.notifiers[name=mail].port", "whole"),
    ({"from": "desk"}, "$.notifiers[name=mail].from", "e-mail address"),
    ({"host": ""}, "$.notifiers[name=mail].host", "host"),
    ({"ca_file": "missing.pem"}, "$.notifiers[name=mail].ca_file", "no such file"),
    ({"to": "x@y.example"}, "$.notifiers[name=mail].to", "unknown key"),
])
def test_refusals_name_the_key(kw: dict[str, object], path: str, words: str) -> None:
    with pytest.raises(SecretError) as info:
        channel_from_table(table(**kw), environ=ENV)
    assert str(info.value).startswith(path + ":") and words in str(info.value)


def test_user_and_password_go_together_and_host_and_from_are_required() -> None:
    t = table()
    del t["password_env"]
    with pytest.raises(ChannelConfigError, match=r"name=mail\]\.password_env: user_env and"):
        channel_from_table(t, environ=ENV)
    for key in ("host", "from"):
        t = table()
        del t[key]
        with pytest.raises(ChannelConfigError, match=rf"name=mail\]\.{key}: required"):
            channel_from_table(t, environ=ENV)
