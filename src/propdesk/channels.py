"""What a notification channel receives and how it answers (the notifier plugins' contract).

A *channel* is one ``[[notifiers]]`` table of the configuration, made into an
object by the plugin that offers its ``kind`` through the ``propdesk_notifiers``
hook.  propdesk keeps every notice in a durable outbox, one row per (notice,
channel), and hands the due rows of one channel to :meth:`Channel.send` after
the commit.  The channel answers one result per message: ``None`` when the
receiver confirmed it, a :class:`DeliveryError` otherwise (retried later with
backoff; ``permanent`` ends in the dead-letter state at once;
``retry_after`` slows the channel down, as a receiver's ``Retry-After`` asks).

Messages carry ids, states, the location as configured and masked phones:
never an owner's name or full phone number.  The staff's own contact points
(``mobile``, ``email``, ``chat_id`` of ``[[people]]``) are in the recipients,
for channels that address or mention people.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

MESSAGE_TYPES = (
    "emergency",  # S-4, R-52: the emergency fan-out
    "sla.warning",  # S-21: a deadline is near
    "sla.breach",  # S-21: a deadline passed
    "escalation",
    "inability",  # S-11: the assignee cannot handle it
    "work_order",  # the work order for the assignee (dispatch, transfer)
    "progress",  # the first receiver hears of every step
)
"""The ``type`` of a message (the webhook body's ``type``)."""


@attrs.frozen
class Recipient:
    """A person a message is addressed to, with the contact points the configuration gives."""

    id: str
    name: str
    role: str
    mobile: str | None = None
    email: str | None = None
    chat_id: str | None = None


@attrs.frozen
class Message:
    """One notice as a channel sends it.

    ``id`` is stable: derived from what caused the notice (ticket, rule, cycle
    and kind for SLA alerts; the event's sequence for event notices), the same
    on every retry (the ``webhook-id``).  ``title`` and ``text`` are in the
    community's language; ``text`` is plain text without an owner's personal data.
    """

    id: str
    type: str
    ticket: str
    at: datetime
    title: str
    text: str
    recipients: tuple[Recipient, ...] = ()
    rule: str | None = None
    cycle: int | None = None
    location: str | None = None
    data: Mapping[str, Any] = attrs.field(factory=dict)

    def payload(self) -> dict[str, Any]:
        """The JSON-native body every channel may send (webhook, log)."""
        return {
            "id": self.id,
            "type": self.type,
            "ticket": self.ticket,
            "at": self.at.isoformat(),
            "rule": self.rule,
            "cycle": self.cycle,
            "location": self.location,
            "title": self.title,
            "text": self.text,
            "to": [
                {"id": r.id, "name": r.name, "role": r.role} for r in self.recipients
            ],
            "data": dict(self.data),
        }


class DeliveryError(Exception):
    """A message was not delivered.

    ``retry_after``: seconds the receiver asked to wait (HTTP 429 ``Retry-After``,
    a robot's rate-limit answer); ``permanent``: retrying cannot help (a 4xx other
    than 408/429, a refused address), so the row goes to the dead letters at once.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None,
                 permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent


@runtime_checkable
class Channel(Protocol):
    """A configured notification channel (one ``[[notifiers]]`` table)."""

    name: str
    """The table's ``name``: unique in the configuration, the outbox row's channel."""
    kind: str
    """The table's ``kind`` (``webhook``, ``wecom``, ``dingtalk``, ``smtp``, ``log`` …)."""

    def send(self, messages: Sequence[Message]) -> Sequence[DeliveryError | None]:
        """Deliver ``messages`` (one channel's due rows, oldest first).

        Returns one result per message, in order: ``None`` when delivered.  A
        channel may merge several messages into one request (a digest); they
        then share its result.  Must not raise for a failed delivery.
        """
        ...

    def close(self) -> None:
        """Release connections; the channel is not used afterwards."""
        ...


class SecretError(ValueError):
    """A secret is missing, or offered where secrets are refused (its message names the key)."""


def secret(table: Mapping[str, Any], key: str, *, path: str,
           environ: Mapping[str, str] | None = None) -> str:
    """The secret named by ``table[key]``: an environment variable's name.

    ``key`` ends in ``_env`` (``secret_env``, ``key_env`` …).  As an alternative,
    ``table[key[:-4] + "_file"]`` names a file readable by its owner only.  The
    value itself never stands in the configuration or on a command line.
    ``path`` is the table's configuration path (``$.notifiers[name=ops]``) for
    messages.
    """
    env = os.environ if environ is None else environ
    file_key = key.removesuffix("_env") + "_file"
    if key in table:
        var = table[key]
        if not isinstance(var, str) or not var:
            raise SecretError(f"{path}.{key}: the name of an environment variable is required")
        value = env.get(var, "")
        if not value:
            raise SecretError(f"{path}.{key}: environment variable {var} is not set "
                              f"(环境变量 {var} 未设置)")
        return value
    if file_key in table:
        file = Path(str(table[file_key]))
        try:
            mode = file.stat().st_mode
        except OSError as exc:
            raise SecretError(f"{path}.{file_key}: cannot read {file}: {exc.strerror}") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SecretError(f"{path}.{file_key}: {file} must be readable by its owner only "
                              f"(chmod 600; 文件权限过宽)")
        return file.read_text("utf-8").strip()
    raise SecretError(f"{path}: {key} (or {file_key}) is required")


SECRET_WORDS = ("secret", "password", "token", "key")
"""Key names that must never carry a value in a ``[[notifiers]]`` table."""


def refuse_inline_secrets(table: Mapping[str, Any], *, path: str,
                          allowed: Sequence[str] = ()) -> None:
    """Refuse a table that carries a secret's value itself.

    A key whose name contains a secret word is allowed only as ``…_env`` or
    ``…_file`` (or when listed in ``allowed``).
    """
    for k in table:
        if k in allowed or k.endswith(("_env", "_file")):
            continue
        if any(word in k for word in SECRET_WORDS):
            raise SecretError(f"{path}.{k}: secrets are not accepted in the configuration; "
                              f"name an environment variable with {k}_env "
                              f"(配置文件中不得写入密钥，请用 {k}_env 指定环境变量)")


# ------------------------------------------------------------- additions (issue 17 core)

def message_to_json(message: Message) -> str:
    """The whole message as JSON text (the outbox row's body): :meth:`Message.payload`
    plus the recipients' contact points, which channels need to address people."""
    import json

    body = message.payload()
    body["to"] = [attrs.asdict(r) for r in message.recipients]
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def message_from_json(text: str) -> Message:
    """The :class:`Message` written by :func:`message_to_json`."""
    import json

    body = json.loads(text)
    return Message(
        id=body["id"], type=body["type"], ticket=body["ticket"],
        at=datetime.fromisoformat(body["at"]), title=body["title"], text=body["text"],
        recipients=tuple(Recipient(**r) for r in body.get("to", ())),
        rule=body.get("rule"), cycle=body.get("cycle"), location=body.get("location"),
        data=body.get("data") or {},
    )


def batch_size(channel: Channel) -> int:
    """How many messages the outbox hands to one :meth:`Channel.send` call.

    A channel may declare ``batch_size`` (an int attribute; default 1).  The
    outbox marks each row sent right after the call returns, so a crash
    between a receiver's confirmation and that mark can repeat at most one
    call's messages: keep it 1 unless the channel merges messages (a digest).
    """
    size = getattr(channel, "batch_size", 1)
    return size if isinstance(size, int) and size >= 1 else 1
