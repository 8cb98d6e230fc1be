"""The ``webhook`` channel: one signed JSON POST per notice (Standard Webhooks).

Headers ``webhook-id`` (the message id, the same on every retry),
``webhook-timestamp`` (seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed by the decoded
``whsec_…`` secret, signed with the ``standardwebhooks`` reference library).
The body is :meth:`propdesk.channels.Message.payload` as compact UTF-8 JSON.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook

from propdesk.channel_kit import (
    DEFAULT_TIMEOUT,
    Clock,
    HttpPoster,
    check_table,
    number,
    send_each,
    status_result,
    table_path,
    tables_of_kind,
    utc_now,
    whole,
)
from propdesk.channels import DeliveryError, Message, SecretError, secret
from propdesk.hookspecs import hookimpl

KIND = "webhook"
KEYS = ("url", "secret_env", "timeout", "concurrency")
"""The table's keys besides ``name`` and ``kind`` (``secret_file`` may replace ``secret_env``)."""
DEFAULT_CONCURRENCY = 4
"""Notices of one batch in flight at once (over as many kept-alive connections)."""


def signer(value: str, *, path: str) -> Webhook:
    """A Standard Webhooks signer for a ``whsec_<base64>`` secret (refused otherwise)."""
    if not value.startswith("whsec_"):
        raise SecretError(f"{path}: the secret must look like whsec_<base64> "
                          f"(密钥格式应为 whsec_ 加 base64)")
    try:
        return Webhook(value)
    except Exception as exc:  # binascii.Error, EmptyWebhookSecretError
        raise SecretError(f"{path}: the part after whsec_ is not valid base64 "
                          f"(whsec_ 之后应为 base64): {type(exc).__name__}") from None


def webhook_id(message_id: str) -> str:
    """The ``webhook-id`` header: the message id, percent-encoded (UTF-8) unless plain ASCII.

    A header is ASCII; ticket ids may be Chinese.  The body carries the id as it is.
    """
    if message_id.isascii() and message_id.isprintable() and " " not in message_id:
        return message_id
    return urllib.parse.quote(message_id, safe="")


class WebhookChannel:
    """A configured webhook receiver."""

    kind = KIND

    def __init__(self, name: str, url: str, secret_value: str, *,
                 timeout: float = DEFAULT_TIMEOUT, clock: Clock = time.time,
                 secret_path: str = "$.notifiers[name=?].secret_env",
                 concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.name = name
        self.concurrency = concurrency
        self._pool: ThreadPoolExecutor | None = None
        self.url = url
        self.clock = clock
        self._signer = signer(secret_value, path=secret_path)
        self._poster = HttpPoster(timeout=timeout, clock=clock)

    @staticmethod
    def body(message: Message) -> bytes:
        """The JSON body of a message (compact, UTF-8)."""
        return json.dumps(message.payload(), ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")

    def headers(self, message: Message, body: bytes) -> dict[str, str]:
        """The Standard Webhooks headers for ``body``, signed now."""
        when = utc_now(self.clock).replace(microsecond=0)
        wid = webhook_id(message.id)
        return {
            "content-type": "application/json",
            "user-agent": "propdesk-webhook",
            "webhook-id": wid,
            "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": self._signer.sign(wid, when, body.decode("utf-8")),
        }

    def _deliver(self, message: Message) -> DeliveryError | None:
        body = self.body(message)
        answer = self._poster.post(self.url, body, self.headers(message, body))
        if isinstance(answer, DeliveryError):
            return answer
        return status_result(answer.status, answer.headers, answer.body, self.clock())

    def send(self, messages: Sequence[Message]) -> list[DeliveryError | None]:
        if self.concurrency > 1 and len(messages) > 1 and self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="webhook")
        return send_each(messages, self._deliver, pool=self._pool, window=self.concurrency)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        self._poster.close()


def channel_from_table(table: Mapping[str, Any], config_dir: Path = Path("."), *,
                       environ: Mapping[str, str] | None = None,
                       clock: Clock = time.time) -> WebhookChannel:
    """The channel one ``[[notifiers]]`` table of kind ``webhook`` describes."""
    checked = check_table(table, keys=KEYS, required=("url",), config_dir=config_dir)
    path = table_path(table)
    key = "secret_env" if "secret_env" in checked else "secret_file"
    return WebhookChannel(
        checked["name"], checked["url"],
        secret(checked, "secret_env", path=path, environ=environ),
        timeout=number(checked, "timeout", DEFAULT_TIMEOUT, low=0.1, high=300),
        clock=clock, secret_path=f"{path}.{key}",
        concurrency=whole(checked, "concurrency", DEFAULT_CONCURRENCY, low=1, high=16))


@hookimpl
def propdesk_notifiers(config: Mapping[str, Any], config_dir: Path) -> list[WebhookChannel]:
    """One :class:`WebhookChannel` per ``[[notifiers]]`` table of kind ``webhook``."""
    return [channel_from_table(t, config_dir) for t in tables_of_kind(config, KIND)]


@hookimpl
def propdesk_notifier_kinds() -> list[str]:
    """The ``[[notifiers]]`` kind this plugin offers."""
    return [KIND]
