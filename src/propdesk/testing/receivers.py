"""A real HTTP receiver on 127.0.0.1 for testing notifier plugins, and a personal-data scan.

:class:`HttpReceiver` is a threaded :mod:`http.server` (HTTP/1.1, keep-alive)
started by a test.  It records every byte it receives, checks each request
with the test's ``verify`` function (a signature, a robot key …) and answers
as scripted: ``fail(2)`` answers the next two verified requests with 500,
``throttle(30)`` with 429 and ``Retry-After: 30``; ``fail_matching(match, 2)``
answers the next two verified requests ``match`` accepts with 500;
``hold()`` keeps the next verified request unanswered until ``release()``
(a delivery in flight); otherwise ``ok``.

:func:`standard_webhooks_verifier` checks Standard Webhooks signatures;
:class:`SmtpReceiver` is a real SMTP server (aiosmtpd) that requires STARTTLS
and a login, as a company's mail server does.

:func:`personal_data_found` looks for the test fixtures' owner phones and
names in what a receiver got, decoded every way a channel may encode text
(UTF-8, percent-encoding, JSON ``\\u`` escapes, MIME encoded words and
base64/quoted-printable e-mail parts).
"""

from __future__ import annotations

import base64
import email
import email.message
import email.policy
import hashlib
import hmac
import re
import socket
import ssl
import threading
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs

from propdesk.channels import Message, Recipient
from propdesk.masking import mask_phone

FIXTURE_OWNER_PHONES = ("13800000000", "13700000000", "13900000000", "13600000000")
"""Owners' phone numbers used by propdesk's test fixtures (never sent in full)."""
FIXTURE_OWNER_NAMES = ("李女士", "王先生", "张先生", "赵女士", "赵先生")
"""Owners' names used by propdesk's test fixtures (never sent)."""


@attrs.frozen
class Request:
    """One request as received."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes
    raw: bytes
    """The request line, the headers and the body as they came in."""


Reply = tuple[int, Mapping[str, str], bytes]
"""Status, headers and body of an answer."""


class HttpReceiver:
    """An HTTP server on 127.0.0.1 (a free port) that records, verifies and answers.

    ``verify(request)`` returns ``None`` when the request is acceptable, or a
    reason; a refused request is answered by ``reject(reason)`` (default 401).
    Accepted requests take the next scripted reply, else ``ok(request)``.
    """

    def __init__(self, *, verify: Callable[[Request], str | None] = lambda r: None,
                 ok: Callable[[Request], Reply] = lambda r: (200, {}, b""),
                 reject: Callable[[str], Reply] = lambda why: (401, {}, why.encode())) -> None:
        self.verify = verify
        self.ok = ok
        self.reject = reject
        self.requests: list[Request] = []
        """Every request received, in order."""
        self.accepted: list[Request] = []
        """The requests answered with ``ok`` (delivered)."""
        self.refused: list[tuple[Request, str]] = []
        """Requests ``verify`` refused, with the reason."""
        self._script: deque[Reply] = deque()
        self._matching: list[tuple[Callable[[Request], bool], list[int], Reply]] = []
        self._hold: tuple[Callable[[Request], bool], int] | None = None
        self.holding = threading.Event()
        """Set once a held request is waiting (see :meth:`hold`)."""
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail(self, times: int, status: int = 500, headers: Mapping[str, str] | None = None,
             body: bytes = b"") -> None:
        """Answer the next ``times`` verified requests with ``status``."""
        with self._lock:
            self._script.extend([(status, dict(headers or {}), body)] * times)

    def throttle(self, retry_after: str, status: int = 429) -> None:
        """Answer the next verified request with ``status`` and ``Retry-After``."""
        self.fail(1, status, {"Retry-After": retry_after})

    def script(self, *replies: Reply) -> None:
        """Answer the next verified requests with these replies, in order."""
        with self._lock:
            self._script.extend(replies)

    def fail_matching(self, match: Callable[[Request], bool], times: int,
                      status: int = 500) -> None:
        """Answer the next ``times`` verified requests that ``match`` accepts with ``status``."""
        with self._lock:
            self._matching.append((match, [times], (status, {}, b"")))

    def hold(self, match: Callable[[Request], bool] = lambda r: True,
             status: int = 500) -> None:
        """Keep the next verified request that ``match`` accepts unanswered until
        :meth:`release`, then answer it with ``status`` (:attr:`holding` is set
        while it waits)."""
        with self._lock:
            self._hold = (match, status)

    def release(self) -> None:
        """Let a held request be answered."""
        self._released.set()

    def blobs(self) -> list[bytes]:
        """Every byte received, one blob per request."""
        with self._lock:
            return [r.raw for r in self.requests]

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            try:
                why = self.verify(request)
            except Exception as exc:  # a malformed request: refused, and the test sees why
                why = f"verify raised {type(exc).__name__}: {exc}"
            if why is not None:
                self.refused.append((request, why))
                return self.reject(why)
            for match, left, reply in self._matching:
                if left[0] > 0 and match(request):
                    left[0] -= 1
                    return reply
            held = 0
            if self._hold is not None and self._hold[0](request):
                held, self._hold = self._hold[1], None
            if not held and self._script:
                return self._script.popleft()
            if not held:
                self.accepted.append(request)
        if held:
            self.holding.set()
            self._released.wait(120)
            return held, {}, b""
        return self.ok(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                parts = urllib.parse.urlsplit(self.path)
                head = (self.requestline + "\r\n" + str(self.headers)).encode("utf-8",
                                                                              "surrogateescape")
                request = Request(
                    method=self.command, path=parts.path,
                    query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body, raw=head + body)
                status, headers, out = receiver._answer(request)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> HttpReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> HttpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _decodings(blob: bytes) -> Iterable[str]:
    text = blob.decode("utf-8", "replace")
    yield text
    yield urllib.parse.unquote_plus(text)
    yield _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    message = email.message_from_bytes(blob, policy=email.policy.default)
    for key, value in message.items():
        yield f"{key}: {value}"
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            content = part.get_content()
        except (LookupError, ValueError, AttributeError):
            continue
        yield content if isinstance(content, str) else repr(content)


def personal_data_found(blobs: Iterable[bytes],
                        needles: Iterable[str] = FIXTURE_OWNER_PHONES + FIXTURE_OWNER_NAMES
                        ) -> list[str]:
    """The ``needles`` found in any of ``blobs``, each decoded every way a channel encodes."""
    wanted = list(needles)
    found: set[str] = set()
    for blob in blobs:
        for text in _decodings(blob):
            digits = re.sub(r"[\s\-]", "", text)
            found.update(n for n in wanted if n in text or n in digits)
    return sorted(found)


STAFF = (
    Recipient("eng-zhao", "赵师傅", "responsible", mobile="13912340001",
              email="zhao@desk.example", chat_id="ZhaoShiFu"),
    Recipient("eng-chief", "钱主管", "supervisor", mobile="13912340002",
              email="qian@desk.example"),
    Recipient("mgr-sun", "孙经理", "manager", mobile="13912340003", chat_id="SunJingLi"),
)
"""Staff with contact points, as ``[[people]]`` would give them (not owners)."""


def sample_message(n: int = 1, *, type: str = "sla.warning", ticket: str | None = None,
                   recipients: tuple[Recipient, ...] = STAFF[:2],
                   owner_phone: str = FIXTURE_OWNER_PHONES[0]) -> Message:
    """A message as the core makes one: ids and states, the location, the owner's phone masked."""
    ticket = ticket or f"A{n}"
    rule, cycle = ("S-5", 1) if type.startswith("sla.") else (None, None)
    title = {"sla.warning": f"{ticket} S-5 即将超时 / due soon",
             "sla.breach": f"{ticket} S-5 已超时 / overdue",
             "emergency": f"{ticket} 紧急事件 / emergency"}.get(type, f"{ticket} {type}")
    text = (f"{title}\n位置 5-1-1202，厨房水管漏水；业主电话 {mask_phone(owner_phone)}\n"
            f"location 5-1-1202, owner's phone {mask_phone(owner_phone)}")
    return Message(id=f"{ticket}:{rule or 'event'}:{cycle or n}:{type}", type=type,
                   ticket=ticket, at=datetime(2026, 3, 2, 9, 4, n % 60, tzinfo=UTC),
                   title=title, text=text, recipients=recipients, rule=rule, cycle=cycle,
                   location="5-1-1202", data={"deadline": "2026-03-02T09:05:00+08:00"})


def standard_webhooks_verifier(key: bytes) -> Callable[[Request], str | None]:
    """A ``verify`` for :class:`HttpReceiver`: the Standard Webhooks check with
    the secret ``key`` (the bytes after ``whsec_``), written out from the scheme:
    ``webhook-signature`` holds ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""

    def verify(request: Request) -> str | None:
        wid = request.headers.get("webhook-id")
        ts = request.headers.get("webhook-timestamp")
        sig = request.headers.get("webhook-signature")
        if not (wid and ts and sig):
            return "missing webhook headers"
        if not ts.isdigit():
            return "timestamp is not whole seconds"
        mac = hmac.new(key, f"{wid}.{ts}.".encode() + request.body, hashlib.sha256).digest()
        expected = "v1," + base64.b64encode(mac).decode()
        if not any(hmac.compare_digest(expected, s) for s in sig.split(" ")):
            return "bad signature"
        return None

    return verify


@attrs.frozen
class Mail:
    """One e-mail an :class:`SmtpReceiver` accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    tls: bool
    authenticated: bool

    def message(self) -> email.message.EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        return parsed


class SmtpReceiver:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that requires STARTTLS, with a
    certificate from a local test CA (trustme; its PEM written to ``ca_file``),
    and a login ``user``/``password`` before it takes mail.  ``mails`` are the
    e-mails accepted; :meth:`blobs` is every byte of every message received.
    Needs the ``aiosmtpd`` and ``trustme`` packages (the smtp plugin's ``test`` extra)."""

    def __init__(self, ca_file: Path, user: str, password: str) -> None:
        import trustme
        from aiosmtpd.controller import Controller

        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.ca_file = ca_file
        self.mails: list[Mail] = []
        self.attempts: list[bytes] = []
        self._lock = threading.Lock()
        self._credentials = (user.encode(), password.encode())
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, tls_context=context,
            require_starttls=True, authenticator=self._authenticate, auth_require_tls=True,
            auth_required=True)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) \
            and (auth_data.login, auth_data.password) == self._credentials
        return AuthResult(success=ok, handled=ok)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or b""
        with self._lock:
            self.attempts.append(content)
            self.mails.append(Mail(envelope.mail_from, tuple(envelope.rcpt_tos), content,
                                   session.ssl is not None, bool(session.authenticated)))
        return "250 OK"

    def blobs(self) -> list[bytes]:
        """Every message received, and every envelope address."""
        with self._lock:
            return list(self.attempts) + [
                f"{m.mail_from} {' '.join(m.rcpt_tos)}".encode() for m in self.mails]

    def start(self) -> SmtpReceiver:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
