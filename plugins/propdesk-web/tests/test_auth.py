"""Sign-in pieces: the session secret's sources, expiry, password hashes."""

from __future__ import annotations

import base64
import json
import stat
import time
import warnings
from pathlib import Path
from typing import Any

import itsdangerous
import pytest
from propdesk_web.auth import (
    SECRET_NAME,
    check_password,
    csrf_ok,
    csrf_token,
    hash_password,
    session_secret,
)

from propdesk.cli.errors import CliError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def test_secret_generated_owner_only_and_reused(tmp_path: Path) -> None:
    first = session_secret(tmp_path, environ={})
    path = tmp_path / SECRET_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32 and session_secret(tmp_path, environ={}) == first


def test_secret_from_the_environment_or_a_file(tmp_path: Path) -> None:
    assert session_secret(tmp_path, {"PROPDESK_WEB_SECRET": "k" * 40}) == "k" * 40
    with pytest.raises(CliError, match="at least 32"):
        session_secret(tmp_path, {"PROPDESK_WEB_SECRET": "short"})
    named = tmp_path / "secret"
    named.write_text("f" * 40 + "\n")
    named.chmod(0o644)
    with pytest.raises(CliError, match="readable by others"):
        session_secret(tmp_path, {"PROPDESK_WEB_SECRET_FILE": str(named)})
    named.chmod(0o600)
    assert session_secret(tmp_path, {"PROPDESK_WEB_SECRET_FILE": str(named)}) == "f" * 40
    with pytest.raises(CliError, match="does not exist"):
        session_secret(tmp_path, {"PROPDESK_WEB_SECRET_FILE": str(tmp_path / "none")})
    assert not (tmp_path / SECRET_NAME).exists()


def test_password_hashes() -> None:
    h = hash_password("a long password")
    assert h.startswith("$argon2id$") and h != hash_password("a long password")
    assert check_password(h, "a long password")
    assert not check_password(h, "another one")
    assert not check_password(None, "a long password")
    assert not check_password("not a hash", "a long password")


def test_csrf_token_bound_to_the_session() -> None:
    s = {"p": "desk-wang", "exp": 100}
    token = csrf_token("k" * 40, s)
    assert csrf_ok("k" * 40, s, token)
    assert not csrf_ok("k" * 40, {"p": "eng-zhao", "exp": 100}, token)
    assert not csrf_ok("j" * 40, s, token) and not csrf_ok("k" * 40, s, None)


def _cookie(secret: str, session: dict[str, Any]) -> str:
    data = base64.b64encode(json.dumps(session).encode())
    return itsdangerous.TimestampSigner(secret).sign(data).decode()


def test_an_expired_or_forged_session_must_sign_in_again(web_app: Any) -> None:
    with TestClient(web_app, base_url="http://127.0.0.1") as client:
        client.cookies.set("propdesk_session",
                           _cookie("s" * 40, {"p": "desk-wang", "exp": int(time.time()) + 60}))
        assert client.get("/board", follow_redirects=False).status_code == 200
        client.cookies.set("propdesk_session",
                           _cookie("s" * 40, {"p": "desk-wang", "exp": int(time.time()) - 1}))
        assert client.get("/board", follow_redirects=False).status_code == 303
        client.cookies.set("propdesk_session",
                           _cookie("x" * 40, {"p": "desk-wang", "exp": int(time.time()) + 60}))
        assert client.get("/board", follow_redirects=False).status_code == 303
        client.cookies.set("propdesk_session",
                           _cookie("s" * 40, {"p": "ghost", "exp": int(time.time()) + 60}))
        assert client.get("/board", follow_redirects=False).status_code == 303


def test_secure_cookies_behind_tls(site: Path) -> None:
    import re

    from propdesk_web.app import create_app
    from propdesk_web.clock import FileClock

    from propdesk.cli.state import load_checked, open_configured_store

    from .conftest import PASSWORD

    config = load_checked(site / "propdesk.toml")
    store = open_configured_store(config, create=False)
    app = create_app(config, store, clock=FileClock(site / "clock"), secret="s" * 40,
                     secure_cookies=True)
    with TestClient(app, base_url="https://127.0.0.1") as client:
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        resp = client.post("/login", data={"person": "desk-wang", "password": PASSWORD,
                                           "csrf": token.group(1)}, follow_redirects=False)
        assert resp.status_code == 303 and "secure" in resp.headers["set-cookie"].lower()
    store.close()
