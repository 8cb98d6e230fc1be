"""A notifier plugin the tests register: kind ``testhttp`` POSTs each message's
payload as JSON to ``url`` (a real local HTTP server the test starts).

The tests install it through an entry point (a ``.dist-info`` folder on
``PYTHONPATH``), exactly as a distribution would, so ``propdesk watch`` runs
it in a subprocess.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from propdesk.channels import DeliveryError, Message, refuse_inline_secrets
from propdesk.hookspecs import hookimpl
from propdesk.plugins import ConfigKeyError, check_keys

KIND = "testhttp"


class HttpChannel:
    kind = KIND
    batch_size = 1

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url

    def send(self, messages: Sequence[Message]) -> Sequence[DeliveryError | None]:
        out: list[DeliveryError | None] = []
        for m in messages:
            body = json.dumps(m.payload(), ensure_ascii=False).encode("utf-8")
            request = urllib.request.Request(
                self.url, data=body, method="POST",
                headers={"content-type": "application/json", "webhook-id": m.id})
            try:
                with urllib.request.urlopen(request, timeout=60):
                    out.append(None)
            except urllib.error.HTTPError as exc:
                after = exc.headers.get("Retry-After")
                out.append(DeliveryError(f"HTTP {exc.code}",
                                         retry_after=float(after) if after else None,
                                         permanent=exc.code in (400, 404, 410)))
            except OSError as exc:
                out.append(DeliveryError(f"{type(exc).__name__}: {exc}"))
        return out

    def close(self) -> None:
        pass


@hookimpl
def propdesk_notifiers(config: Mapping[str, Any], config_dir: Path) -> list[HttpChannel]:
    out = []
    for table in config.get("notifiers") or []:
        if table.get("kind") != KIND:
            continue
        where = f"$.notifiers[name={table['name']}]"
        refuse_inline_secrets(table, path=where)
        check_keys(table, ("name", "kind", "url"), where=where)
        if not str(table.get("url", "")).startswith("http://127.0.0.1:"):
            raise ConfigKeyError(f"{where}.url", "a local http URL is required")
        out.append(HttpChannel(table["name"], table["url"]))
    return out


@hookimpl
def propdesk_notifier_kinds() -> list[str]:
    return [KIND]
