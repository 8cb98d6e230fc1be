"""The `[[notifiers]]` examples of docs/channels.md are accepted by the installed plugins,
and the refusals the page quotes are the ones the plugins give."""

from __future__ import annotations

import base64
import os
import re
import tomllib
from pathlib import Path

import pytest

from propdesk.plugins import make_plugin_manager, notifiers

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "channels.md").read_text(encoding="utf-8")
TOML = re.compile(r"^```toml\n(.*?)^```", re.S | re.M)
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
ENV = {"PROPDESK_WEBHOOK_SECRET": SECRET, "WECOM_KEY": "693a91f6-k", "DINGTALK_TOKEN": "t",
       "DINGTALK_SECRET": "SECs", "SMTP_USER": "desk@example.com", "SMTP_PASSWORD": "pw"}


def blocks() -> list[str]:
    return [b for b in TOML.findall(PAGE) if "[[notifiers]]" in b]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "webhook.secret").write_text(SECRET)
    os.chmod(tmp_path / "secrets" / "webhook.secret", 0o600)
    return tmp_path


def test_the_page_has_an_example_of_every_kind() -> None:
    kinds = {t["kind"] for b in blocks() for t in tomllib.loads(b)["notifiers"]}
    assert kinds == {"webhook", "wecom", "dingtalk", "smtp"}


@pytest.mark.parametrize("index", range(len(blocks())))
def test_each_example_makes_its_channel(env: Path, index: int) -> None:
    config = tomllib.loads(blocks()[index])
    found = notifiers(config, make_plugin_manager(), env)
    assert [(getattr(c, "name", None), getattr(c, "kind", None)) for c in found] == [
        (t["name"], t["kind"]) for t in config["notifiers"]]
    for c in found:
        c.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("table,quoted", [
    ({"name": "ops-webhook", "kind": "webhook", "url": "https://ops.example.com/h",
      "secret": SECRET}, "$.notifiers[name=ops-webhook].secret: secrets are not accepted"),
    ({"name": "wechat", "kind": "wecom",
      "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a", "key_env": "WECOM_KEY"},
     "$.notifiers[name=wechat].url: the URL carries a secret (key=)"),
    ({"name": "wechat", "kind": "wecom", "key_env": "UNSET_WECOM_KEY"},
     "$.notifiers[name=wechat].key_env: environment variable UNSET_WECOM_KEY is not set"),
    ({"name": "ops-webhook", "kind": "webhook", "url": "https://ops.example.com/h",
      "secret_env": "PROPDESK_WEBHOOK_SECRET", "colour": "red"},
     "$.notifiers[name=ops-webhook].colour: unknown key; allowed here:"),
])
def test_the_quoted_refusals(env: Path, table: dict[str, str], quoted: str) -> None:
    assert quoted.replace("UNSET_WECOM_KEY", "WECOM_KEY") in PAGE
    with pytest.raises(ValueError) as info:
        notifiers({"notifiers": [table]}, make_plugin_manager(), env)
    assert str(info.value).startswith(quoted)


def test_all_the_examples_in_one_configuration(env: Path) -> None:
    tables = [t for b in blocks() for t in tomllib.loads(b)["notifiers"]]
    assert len({t["name"] for t in tables}) == len(tables), "names are unique"
    tables.insert(2, {"name": "desk-log", "kind": "log"})
    found = notifiers({"notifiers": tables}, make_plugin_manager(), env)
    ours = [(getattr(c, "name", None), getattr(c, "kind", None)) for c in found
            if getattr(c, "kind", None) != "log"]
    assert sorted(ours) == sorted((t["name"], t["kind"]) for t in tables if t["kind"] != "log")
    for c in found:
        c.close()  # type: ignore[attr-defined]
