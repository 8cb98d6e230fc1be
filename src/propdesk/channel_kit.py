"""What the notifier plugins share: configuration checks, one HTTP POST, the rate limit.

The notifier plugins (``propdesk-webhook``, ``propdesk-wecom``,
``propdesk-dingtalk``, ``propdesk-smtp``) build their channels
(:class:`propdesk.channels.Channel`) from ``[[notifiers]]`` tables with the
helpers here, so every plugin refuses the same mistakes with the same paths
(``$.notifiers[name=ops].url``):

- :func:`tables_of_kind`, :func:`check_table`, :func:`table_path` — the
  plugin's tables of the configuration, unknown keys, inline secrets (also a
  URL carrying ``key=`` or ``access_token=``), ``*_file`` paths relative to the
  configuration's folder;
- :class:`HttpPoster` — one POST with a timeout over a kept-alive
  :mod:`httpx` connection pool, answering ``None`` or a
  :class:`~propdesk.channels.DeliveryError` (2xx delivered; 408, 429, 5xx and
  network errors retryable; other statuses permanent; ``Retry-After`` read as
  seconds or an HTTP date);
- :class:`TokenBucket` and :class:`RobotChannel` — a chat robot's rate limit
  (20 messages a minute for WeCom and DingTalk) with the messages that would
  exceed it merged into one digest that they all share the result of.

Time comes from a clock callable (seconds, like :func:`time.time`) so the
rate limit is tested without sleeping.
"""

from __future__ import annotations

import abc
import json
import math
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import attrs

from propdesk.channels import (
    DeliveryError,
    Message,
    Recipient,
    SecretError,
    refuse_inline_secrets,
)
from propdesk.plugins import ConfigKeyError

Clock = Callable[[], float]
"""Seconds since the epoch, like :func:`time.time` (tests pass a fake one)."""

DEFAULT_TIMEOUT = 10.0
"""Seconds one request may take (connect, write, read) unless ``timeout`` says otherwise."""

SECRET_QUERY_KEYS = frozenset({"key", "access_token", "token", "secret", "sign", "password"})
"""URL query parameters that carry a secret: a configured ``url`` must not hold them."""


ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,47}")
"""What an ``…_env`` key may hold: an environment variable's name."""


class ChannelConfigError(ConfigKeyError, SecretError):
    """A ``[[notifiers]]`` table a plugin refuses; ``path`` is the key's path."""


# --- configuration -----------------------------------------------------------------------


def table_path(table: Mapping[str, Any]) -> str:
    """The table's configuration path, ``$.notifiers[name=ops]``."""
    return f"$.notifiers[name={table.get('name', '?')}]"


def tables_of_kind(config: Mapping[str, Any], kind: str) -> Iterator[Mapping[str, Any]]:
    """The ``[[notifiers]]`` tables of ``config`` whose ``kind`` is ``kind``."""
    tables = config.get("notifiers") or ()
    if not isinstance(tables, Sequence) or isinstance(tables, str):
        raise ChannelConfigError("$.notifiers", "an array of tables is required "
                                                "(应为 [[notifiers]] 表数组)")
    for i, table in enumerate(tables):
        if not isinstance(table, Mapping):
            raise ChannelConfigError(f"$.notifiers[{i}]", "a table is required (应为表)")
        if table.get("kind") == kind:
            yield table


def check_table(table: Mapping[str, Any], *, keys: Sequence[str], required: Sequence[str] = (),
                config_dir: Path = Path(".")) -> dict[str, Any]:
    """``table`` checked and copied: only ``name``, ``kind`` and ``keys``; no inline secret.

    A secret key ``x_env`` in ``keys`` also allows ``x_file`` (an owner-only
    file, made absolute against ``config_dir`` here).  ``required`` keys must
    be present; a ``url`` must be http(s) and carry no secret in its query.
    """
    path = table_path(table)
    name = table.get("name")
    if not isinstance(name, str) or not name:
        raise ChannelConfigError(f"{path}.name", "a non-empty string is required (name 必填)")
    allowed = {"name", "kind", *keys}
    allowed |= {k.removesuffix("_env") + "_file" for k in keys if k.endswith("_env")}
    for key in table:
        if key not in allowed:
            refuse_inline_secrets({key: table[key]}, path=path)
            raise ChannelConfigError(f"{path}.{key}",
                                     f"unknown key; allowed here: {', '.join(sorted(allowed))} "
                                     f"(未知的键)")
    for key in required:
        if key not in table:
            raise ChannelConfigError(f"{path}.{key}", "required (必填)")
    out = dict(table)
    for key, value in table.items():
        if key.endswith("_env") and not (isinstance(value, str) and ENV_NAME.fullmatch(value)):
            # not echoed: a value that is no variable's name may be the secret itself
            raise ChannelConfigError(f"{path}.{key}",
                                     "the name of an environment variable is required "
                                     "(letters, digits and _, at most 48), not the secret "
                                     "itself (应为环境变量名，而非密钥本身)")
        if key.endswith("_file"):
            if not isinstance(value, str) or not value:
                raise ChannelConfigError(f"{path}.{key}", "a file path is required (应为文件路径)")
            out[key] = str(config_dir / value)
    if "url" in table:
        check_url(table["url"], path=f"{path}.url")
    return out


def check_url(url: Any, *, path: str) -> str:
    """``url`` when it is an http(s) URL without a secret in its query; else refused."""
    if not isinstance(url, str) or not url:
        raise ChannelConfigError(path, "a URL is required (应为 URL)")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChannelConfigError(path, f"an http:// or https:// URL is required, not {url!r} "
                                       f"(应为 http/https 地址)")
    if parts.password:
        raise ChannelConfigError(path, "a URL must not carry a password; secrets come from "
                                       "the environment (地址中不得包含密码)")
    carried = sorted(k for k, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
                     if k.lower() in SECRET_QUERY_KEYS)
    if carried:
        raise ChannelConfigError(path, f"the URL carries a secret ({', '.join(carried)}=); "
                                       f"name an environment variable instead "
                                       f"(地址中不得包含密钥，请用 *_env 指定环境变量)")
    return url


def number(table: Mapping[str, Any], key: str, default: float, *, low: float,
           high: float) -> float:
    """``table[key]`` as a number in ``[low, high]`` (``default`` when absent)."""
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not low <= value <= high:
        raise ChannelConfigError(f"{table_path(table)}.{key}",
                                 f"a number from {low:g} to {high:g} is required "
                                 f"(应为 {low:g}–{high:g} 之间的数)")
    return float(value)


def whole(table: Mapping[str, Any], key: str, default: int, *, low: int, high: int) -> int:
    """``table[key]`` as a whole number in ``[low, high]`` (``default`` when absent)."""
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ChannelConfigError(f"{table_path(table)}.{key}",
                                 f"a whole number from {low} to {high} is required "
                                 f"(应为 {low}–{high} 之间的整数)")
    return value


def choice(table: Mapping[str, Any], key: str, options: Sequence[str]) -> str:
    """``table[key]``, one of ``options`` (the first when absent)."""
    value = table.get(key, options[0])
    if value not in options:
        raise ChannelConfigError(f"{table_path(table)}.{key}",
                                 f"one of {', '.join(options)} is required "
                                 f"(可选值：{'、'.join(options)})")
    return str(value)


# --- HTTP --------------------------------------------------------------------------------


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """A ``Retry-After`` header as seconds from ``now``: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def status_result(status: int, headers: Mapping[str, str], body: bytes,
                  now: float) -> DeliveryError | None:
    """What an HTTP answer means for delivery (see the module docstring)."""
    if 200 <= status < 300:
        return None
    snippet = body[:200].decode("utf-8", "replace").strip()
    reason = f"HTTP {status}" + (f": {snippet}" if snippet else "") + f" (接收方返回 {status})"
    wait = retry_after_seconds(headers.get("retry-after"), now)
    if status in (429, 503) and wait is not None:
        return DeliveryError(reason, retry_after=wait)
    if status in (408, 429) or status >= 500:
        return DeliveryError(reason)
    return DeliveryError(reason, permanent=True)


@attrs.frozen
class Answer:
    """A receiver's answer to one POST."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class HttpPoster:
    """POSTs over one kept-alive :class:`httpx.Client` (close it with :meth:`close`).

    httpx rather than :mod:`urllib`: a connection pool with keep-alive (a
    storm of notices reuses connections), one timeout for connect, write and
    read, and no redirects followed (a robot's answer is taken as given).
    """

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, clock: Clock = time.time) -> None:
        import httpx  # (on first use: httpx imports its command line's rich and click)

        self.clock = clock
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer | DeliveryError:
        """POST ``body``; the answer, or a retryable error when the receiver was not reached."""
        import httpx

        try:
            r = self._client.post(url, content=body, headers=dict(headers))
        except httpx.LocalProtocolError as exc:  # what we would send is not valid HTTP
            return DeliveryError(f"cannot send: {exc} (无法发送)", permanent=True)
        except httpx.TimeoutException as exc:
            return Unreachable(f"timeout: {type(exc).__name__} (请求超时)")
        except httpx.HTTPError as exc:
            return Unreachable(f"network error: {type(exc).__name__}: {exc} (网络错误)")
        except (httpx.InvalidURL, ValueError) as exc:  # a header or URL that cannot be sent
            return DeliveryError(f"cannot send: {type(exc).__name__}: {exc} (无法发送)",
                                 permanent=True)
        return Answer(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content)

    def close(self) -> None:
        self._client.close()


class Unreachable(DeliveryError):
    """The receiver was not reached (network error, timeout): retryable."""


def not_attempted(error: DeliveryError) -> DeliveryError:
    """The error for the messages after one that stopped a batch (same wait, not permanent)."""
    return DeliveryError(f"not attempted after: {error.reason} (未发送)",
                         retry_after=error.retry_after)


def stops_batch(error: DeliveryError) -> bool:
    """True when later messages to the same receiver would fail the same way.

    A receiver that asked to wait, or that could not be reached, is not sent
    the rest of the batch now (they are retried later); a permanent refusal
    concerns one message only.
    """
    return error.retry_after is not None or isinstance(error, Unreachable)


def send_each(messages: Sequence[Message],
              deliver: Callable[[Message], DeliveryError | None], *,
              pool: ThreadPoolExecutor | None = None,
              window: int = 1) -> list[DeliveryError | None]:
    """``deliver`` each message; after one that :func:`stops_batch`, the rest wait.

    With a ``pool``, ``window`` messages at a time are in flight together (in
    order of the sequence; a receiver sees them in about that order); a
    window's messages all finish, the next window starts only when none of
    them stopped the batch.
    """
    results: list[DeliveryError | None] = []
    stop: DeliveryError | None = None
    step = max(1, window) if pool is not None else 1
    for start in range(0, len(messages), step):
        chunk = messages[start:start + step]
        if stop is not None:
            results.extend(not_attempted(stop) for _ in chunk)
            continue
        answers = list(pool.map(deliver, chunk)) if pool is not None and len(chunk) > 1 \
            else [deliver(m) for m in chunk]
        for error in answers:
            if stop is None and error is not None and stops_batch(error):
                stop = error
        results.extend(answers)
    return results


# --- the rate limit and the digest -------------------------------------------------------


class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``capacity`` per ``period`` seconds.

    The time is the ``clock``'s (seconds); a new bucket is full.
    """

    def __init__(self, capacity: int = 20, period: float = 60.0, *,
                 clock: Clock = time.time) -> None:
        if capacity < 1 or period <= 0:
            raise ValueError("capacity >= 1 and period > 0 are required")
        self.capacity = capacity
        self.rate = capacity / period
        self.clock = clock
        self._tokens = float(capacity)
        self._at = clock()

    def _refill(self) -> None:
        now = self.clock()
        if now > self._at:
            self._tokens = min(float(self.capacity), self._tokens + (now - self._at) * self.rate)
        self._at = max(self._at, now)

    def available(self) -> int:
        """Whole tokens there now."""
        self._refill()
        return math.floor(self._tokens + 1e-9)

    def take(self) -> bool:
        """Take one token when there is one."""
        if self.available() < 1:
            return False
        self._tokens -= 1
        return True

    def wait(self) -> float:
        """Seconds until the next token (0 when one is there)."""
        self._refill()
        return max(0.0, (1 - self._tokens) / self.rate)

    def drain(self) -> None:
        """Empty the bucket (the receiver said we are too fast)."""
        self._refill()
        self._tokens = min(self._tokens, 0.0)


@attrs.frozen
class Batch:
    """What one robot request carries: one message, or a digest of several."""

    indices: tuple[int, ...]
    """Positions of the carried messages in the ``send`` call (they share the result)."""
    title: str
    text: str
    recipients: tuple[Recipient, ...]

    @property
    def is_digest(self) -> bool:
        return len(self.indices) > 1


def single(index: int, message: Message) -> Batch:
    """One message as its own request (its text without a first line repeating the title)."""
    lines = message.text.splitlines()
    text = "\n".join(lines[1:]) if lines and lines[0].strip() == message.title.strip() \
        else message.text
    return Batch((index,), message.title, text, message.recipients)


def digest_line(message: Message) -> str:
    """One message's line in a digest: its title and the first line of its text."""
    first = message.text.strip().splitlines()[0] if message.text.strip() else ""
    line = f"- {message.title}" + (f"：{first}" if first and first != message.title else "")
    return line if len(line) <= 200 else line[:199] + "…"


def merged(messages: Sequence[tuple[int, Message]]) -> Batch:
    """One digest of ``messages``: a line each, the people addressed each once."""
    people: dict[str, Recipient] = {}
    for _, m in messages:
        for r in m.recipients:
            people.setdefault(r.id, r)
    n = len(messages)
    return Batch(tuple(i for i, _ in messages), f"合并通知 {n} 条 / {n} notices merged",
                 "\n".join(digest_line(m) for _, m in messages), tuple(people.values()))


def digest(messages: Sequence[tuple[int, Message]],
           fits: Callable[[Batch], bool]) -> tuple[Batch | None, list[int]]:
    """The largest digest of the first of ``messages`` that ``fits``; and who is left out.

    A lone message goes as itself.  Binary search over the count (a digest
    grows with every message), so a storm of thousands stays cheap.
    """
    if not messages:
        return None, []
    if len(messages) == 1:
        return single(*messages[0]), []
    low, high = 1, len(messages)  # a digest of ``low`` messages is always taken
    while low < high:
        mid = (low + high + 1) // 2
        if fits(merged(messages[:mid])):
            low = mid
        else:
            high = mid - 1
    chosen = merged(messages[:low]) if low > 1 else single(*messages[0])
    return chosen, [i for i, _ in messages[low:]]


class RobotChannel(abc.ABC):
    """A chat robot's channel: a rate limit, digests, and one request per batch.

    ``send`` takes as many tokens as it sends requests.  When the messages
    outnumber the tokens, the last token carries a digest of all the messages
    that would exceed the limit (as many as :meth:`fits` the robot's size
    limit; the rest wait for the next token).  Subclasses render and post a
    :class:`Batch` in :meth:`deliver`.
    """

    rate_limited_after = 60.0
    """Seconds to wait when the robot answers that we are too fast."""

    def __init__(self, name: str, kind: str, *, bucket: TokenBucket,
                 poster: HttpPoster) -> None:
        self.name = name
        self.kind = kind
        self.bucket = bucket
        self.poster = poster

    @abc.abstractmethod
    def deliver(self, batch: Batch) -> DeliveryError | None:
        """Render and post one batch."""

    @abc.abstractmethod
    def fits(self, batch: Batch) -> bool:
        """True when the batch, rendered, is within the robot's size limit."""

    def plan(self, messages: Sequence[Message]) -> tuple[list[Batch], list[int]]:
        """The batches to send now, and the positions that must wait for tokens."""
        tokens = self.bucket.available()
        indexed = list(enumerate(messages))
        if len(indexed) <= tokens:
            return [single(i, m) for i, m in indexed], []
        if tokens == 0:
            return [], [i for i, _ in indexed]
        batches = [single(i, m) for i, m in indexed[:tokens - 1]]
        together, left = digest(indexed[tokens - 1:], self.fits)
        if together is not None:
            batches.append(together)
        return batches, left

    def send(self, messages: Sequence[Message]) -> list[DeliveryError | None]:
        results: list[DeliveryError | None] = [None] * len(messages)
        batches, left = self.plan(messages)
        stop: DeliveryError | None = None
        for batch in batches:
            if stop is not None:
                error: DeliveryError | None = not_attempted(stop)
            elif not self.bucket.take():
                error = DeliveryError("rate limit (频率限制)", retry_after=self.bucket.wait())
            else:
                error = self.deliver(batch)
                if error is not None and error.retry_after is not None:
                    self.bucket.drain()
                if error is not None and stops_batch(error):
                    stop = error
            for i in batch.indices:
                results[i] = error
        for i in left:
            results[i] = DeliveryError("rate limit: 20 messages a minute (频率限制：每分钟 20 条)",
                                       retry_after=max(self.bucket.wait(), 1.0))
        return results

    def close(self) -> None:
        self.poster.close()


def robot_answer(answer: Answer, *, rate_codes: Sequence[int], retry_codes: Sequence[int],
                 wait: float, now: float) -> DeliveryError | None:
    """A WeCom or DingTalk robot's answer: HTTP status first, then JSON ``errcode``.

    ``errcode`` 0 is delivered; ``rate_codes`` mean too fast (wait ``wait``
    seconds); ``retry_codes`` are the robot's own transient failures; any
    other code refuses this message (permanent: the same body fails again).
    """
    http = status_result(answer.status, answer.headers, answer.body, now)
    if http is not None:
        return http
    try:
        doc = json.loads(answer.body)
        code = int(doc.get("errcode", -999))
        msg = str(doc.get("errmsg", ""))
    except (ValueError, TypeError, AttributeError):
        return DeliveryError(f"unreadable answer: {answer.body[:100]!r} (应答无法解析)")
    if code == 0:
        return None
    reason = f"errcode {code}: {msg} (机器人返回错误 {code})"
    if code in rate_codes:
        return DeliveryError(reason, retry_after=wait)
    if code in retry_codes:
        return DeliveryError(reason)
    return DeliveryError(reason, permanent=True)


def mobiles(recipients: Sequence[Recipient]) -> list[str]:
    """The recipients' mobiles, each once, in order."""
    return list(dict.fromkeys(r.mobile for r in recipients if r.mobile))


def utc_now(clock: Clock) -> datetime:
    """The clock's time as an aware UTC datetime."""
    return datetime.fromtimestamp(clock(), UTC)
