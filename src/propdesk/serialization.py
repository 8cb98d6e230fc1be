"""The edge where events and commands become text and back.

One canonical JSON form is used for storage, export files and the audit hash
chain: keys sorted, no insignificant white space, UTF-8 (no ``\\u`` escapes
for Chinese).  Structuring of commands and configuration goes through the
cattrs converter in :mod:`propdesk.converter`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

from propdesk.domain.events import Event, iso, parse_iso

_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                              allow_nan=False).encode


def canonical_json(value: Any) -> str:
    """The one canonical JSON text of a JSON-native value (keys sorted, no
    insignificant white space, UTF-8 text rather than ``\\u`` escapes, no NaN)."""
    return _canonical(value)


def event_to_dict(event: Event) -> dict[str, Any]:
    """A JSON-native dict of an event (the export and storage shape)."""
    return {
        "ticket": event.ticket,
        "version": event.version,
        "kind": event.kind,
        "at": iso(event.at),
        "by": event.by,
        "data": dict(event.data),
    }


def event_from_dict(raw: Mapping[str, Any]) -> Event:
    """Inverse of :func:`event_to_dict`; raises ``KeyError``/``ValueError`` on bad input."""
    return Event(
        ticket=str(raw["ticket"]),
        version=int(raw["version"]),
        kind=str(raw["kind"]),
        at=parse_iso(str(raw["at"])),
        by=str(raw["by"]),
        data=dict(raw.get("data") or {}),
    )


GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first event in a log."""


_dumps = encode_basestring  # a str as JSON text, non-ASCII kept (C-accelerated)


def event_json(event: Event, data_text: str | None = None) -> str:
    """The canonical JSON of :func:`event_to_dict` (keys sorted), built from its
    parts; ``data_text`` may pass in the payload's canonical JSON when the
    caller already has it (stores do), so it is not encoded twice."""
    if data_text is None:
        data_text = canonical_json(dict(event.data))
    return (
        '{"at":' + _dumps(iso(event.at)) + ',"by":' + _dumps(event.by)
        + ',"data":' + data_text + ',"kind":' + _dumps(event.kind)
        + ',"ticket":' + _dumps(event.ticket) + ',"version":' + str(int(event.version)) + "}"
    )


def chain_hash(prev_hash: str, event: Event, data_text: str | None = None) -> str:
    """Hash of one log entry: SHA-256 over the previous hash and the event's canonical JSON.

    The chain makes any edit, deletion, reordering or insertion of stored
    events detectable by the stores' audit check.  ``data_text``: see
    :func:`event_json`.
    """
    payload = prev_hash + "\n" + event_json(event, data_text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
