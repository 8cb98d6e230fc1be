"""A real HTTP receiver on 127.0.0.1 for testing notifier plugins, and a personal-data scan.

:class:`HttpReceiver` is a threaded :mod:`http.server` (HTTP/1.1, keep-alive)
started by a test.  It records every byte it receives, checks each request
with the test's ``verify`` function (a signature, a robot key …) and answers
as scripted: ``fail(2)`` answers the next two verified requests with 500,
``throttle(30)`` with 429 and ``Retry-After: 30``; otherwise ``ok``.

:func:`personal_data_found` looks for the test fixtures' owner phones and
names in what a receiver got, decoded every way a channel may encode text
(UTF-8, percent-encoding, JSON ``\\u`` escapes, MIME encoded words and
base64/quoted-printable e-mail parts).
"""

from __future__ import annotations

import email
import email.policy
import re
import threading
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
            if self._script:
                return self._script.popleft()
            self.accepted.append(request)
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
