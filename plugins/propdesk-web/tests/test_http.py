"""The web desk over plain HTTP (Starlette's TestClient on the real app and a real
SQLite store): headers, sign-in, CSRF, rate limits, permissions, actions."""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # Starlette's note that httpx will be replaced
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from .conftest import PASSWORD, run_cli


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def sign_in(client: TestClient, person: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post("/login", data={"person": person, "password": password,
                                       "csrf": csrf_of(page.text)}, follow_redirects=False)


@pytest.fixture
def client(web_app: Any) -> Any:
    with TestClient(web_app, base_url="http://127.0.0.1") as c:
        yield c


def record(client: TestClient, **fields: str) -> str:
    page = client.get("/intake")
    data = {"csrf": csrf_of(page.text), "source": "owner_call", "mode": "immediate",
            "content": "厨房水管漏水", "location": "5-1-1202", "contact": "李女士",
            "phone": "13800138000", **fields}
    resp = client.post("/intake", data=data, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return str(resp.headers["location"]).rsplit("/", 1)[1]


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/login", "/static/desk.js", "/board"):
        resp = client.get(path, follow_redirects=False)
        csp = resp.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert resp.headers["x-frame-options"] == "DENY"
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["referrer-policy"] == "same-origin"


def test_no_inline_script_in_any_page(client: TestClient) -> None:
    sign_in(client, "desk-wang")
    tid = record(client)
    for path in ("/login", "/board", "/intake", f"/t/{tid}", "/stats", "/my"):
        html = client.get(path).text
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert scripts and all('src="/static/' in attrs and not body.strip()
                               for attrs, body in scripts), path
        assert not re.search(r"<[^>]+\son[a-z]+=", html), path
        assert not re.search(r"<[^>]+\sstyle=", html), path  # style-src 'self' too


@pytest.mark.parametrize("path", ["/", "/board", "/board/rows", "/intake", "/my", "/stats",
                                  "/t/X1", "/intake/search?q=5-1", "/stats/report"])
def test_sign_in_required_everywhere(client: TestClient, path: str) -> None:
    resp = client.get(path, follow_redirects=False)
    assert resp.status_code in (303, 401)
    if resp.status_code == 303:
        assert resp.headers["location"].startswith("/login?next=")


def test_events_need_sign_in(client: TestClient) -> None:
    assert client.get("/events").status_code == 401


def test_post_without_csrf_is_refused_and_writes_nothing(client: TestClient, site: Path) -> None:
    sign_in(client, "desk-wang")
    resp = client.post("/intake", data={"source": "owner_call", "mode": "immediate",
                                        "content": "x"}, follow_redirects=False)
    assert resp.status_code == 403
    assert "reload the page" in resp.text or "刷新页面" in resp.text
    bad = client.post("/intake", data={"csrf": "0" * 64, "content": "x"})
    assert bad.status_code == 403
    assert "20260302" not in client.get("/board").text
    # the login form is protected too
    client.cookies.clear()
    assert client.post("/login", data={"person": "desk-wang", "password": PASSWORD}
                       ).status_code == 403


def test_htmx_header_carries_the_token(client: TestClient) -> None:
    sign_in(client, "desk-wang")
    tid = record(client)
    token = csrf_of(client.get(f"/t/{tid}").text)
    resp = client.post(f"/t/{tid}/do/classify", data={"category": "engineering"},
                       headers={"x-csrf-token": token}, follow_redirects=False)
    assert resp.status_code == 303


def test_wrong_password_and_rate_limit(client: TestClient) -> None:
    assert sign_in(client, "desk-wang", "wrong password").status_code == 401
    assert sign_in(client, "nobody", PASSWORD).status_code == 401
    for _ in range(4):
        sign_in(client, "eng-liu", "wrong")
    # the fifth failure for one person blocks even the right password for a while
    sign_in(client, "eng-liu", "wrong")
    blocked = sign_in(client, "eng-liu")
    assert blocked.status_code == 429
    assert "Too many" in blocked.text or "次数过多" in blocked.text
    assert sign_in(client, "desk-wang").status_code == 303  # others are not blocked


def test_rate_limit_per_address(client: TestClient) -> None:
    for i in range(20):
        sign_in(client, f"someone-{i}", "wrong")
    assert sign_in(client, "desk-wang").status_code == 429


def test_session_cookie_carries_only_person_and_expiry(client: TestClient) -> None:
    import base64
    import json

    resp = sign_in(client, "desk-wang")
    cookie = resp.cookies["propdesk_session"]
    payload = json.loads(base64.b64decode(cookie.split(".")[0] + "=="))
    assert set(payload) == {"p", "exp"}
    assert "httponly" in resp.headers["set-cookie"].lower()
    assert "samesite=strict" in resp.headers["set-cookie"].lower()


def test_passwords_are_salted_hashes_in_the_store(site: Path) -> None:
    from propdesk.adapters.sqlite import SQLiteStore

    store = SQLiteStore(site / "propdesk.db")
    first, second = store.credential("desk-wang"), store.credential("eng-zhao")
    store.close()
    assert first and second and first.startswith("$argon2id$") and first != second
    assert PASSWORD not in first
    assert "propdesk.toml" not in first and PASSWORD not in (site / "propdesk.toml").read_text()


def test_passwd_refuses_unknown_person_and_short_password(site: Path) -> None:
    bad = run_cli(site, "passwd", "nobody", stdin="long enough\n", check=False)
    assert bad.returncode == 4 and "nobody" in bad.stderr
    short = run_cli(site, "passwd", "desk-wang", stdin="short\n", check=False)
    assert short.returncode == 3 and "8" in short.stderr


def test_refusal_shows_the_cli_text(client: TestClient, site: Path) -> None:
    sign_in(client, "desk-wang")
    tid = record(client)
    token = csrf_of(client.get(f"/t/{tid}").text)
    resp = client.post(f"/t/{tid}/do/close?lang=en", data={"csrf": token})
    assert resp.status_code == 422
    cli = run_cli(site, "--as", "desk-wang", "close", tid, check=False)
    cli_text = cli.stderr.split(": ", 1)[1].strip()
    assert cli_text in html.unescape(resp.text)  # "ticket … is recorded: 'close' is not allowed"
    zh = client.post(f"/t/{tid}/do/close?lang=zh", data={"csrf": token})
    assert "不能执行" in zh.text


def test_permissions_of_a_technician(client: TestClient) -> None:
    sign_in(client, "desk-wang")
    tid = record(client)
    client.post("/logout", data={"csrf": csrf_of(client.get("/board").text)})
    sign_in(client, "eng-liu")
    page = client.get(f"/t/{tid}")
    assert 'action="/t/' + tid + '/do/dispatch"' not in page.text
    token = csrf_of(page.text)
    resp = client.post(f"/t/{tid}/do/dispatch", data={"csrf": token, "category": "engineering",
                                                      "to": "eng-zhao"})
    assert resp.status_code == 403
    assert "may not" in resp.text or "无权" in resp.text
    assert client.get("/stats").status_code == 403


def test_phone_masked_and_reveal_recorded(client: TestClient, site: Path) -> None:
    sign_in(client, "desk-wang")
    tid = record(client)
    page = client.get(f"/t/{tid}").text
    assert "138****8000" in page and "13800138000" not in page
    shown = client.post(f"/t/{tid}/reveal", data={"csrf": csrf_of(page)})
    assert "13800138000" in shown.text
    out = run_cli(site, "--as", "desk-wang", "export")
    assert '"kind":"reveal"' in out.stdout.replace(" ", "") and '"desk-wang"' in out.stdout


def test_a_technician_not_on_the_ticket_may_not_reveal(client: TestClient) -> None:
    sign_in(client, "desk-wang")
    tid = record(client)
    client.post("/logout", data={"csrf": csrf_of(client.get("/board").text)})
    sign_in(client, "eng-liu")
    page = client.get(f"/t/{tid}").text
    assert "138****8000" in page and f'action="/t/{tid}/reveal"' not in page
    resp = client.post(f"/t/{tid}/reveal", data={"csrf": csrf_of(page)})
    assert resp.status_code == 403 and "13800138000" not in resp.text


def test_intake_validation_beside_the_field(client: TestClient) -> None:
    sign_in(client, "desk-wang")
    page = client.get("/intake")
    resp = client.post("/intake", data={"csrf": csrf_of(page.text), "source": "owner_call",
                                         "mode": "appointment", "content": "约明天修"})
    assert resp.status_code == 422 and 'id="refusal"' in resp.text  # no field named
    long = client.post("/intake", data={"csrf": csrf_of(page.text), "source": "owner_call",
                                         "mode": "immediate", "content": "漏" * 2001})
    assert long.status_code == 422
    beside = re.search(r'(?s)<div class="field invalid">.*?id="rec-content-err"[^>]*>([^<]+)',
                       long.text)
    assert beside and "2000" in beside.group(1)
    assert 'aria-invalid="true" aria-describedby="rec-content-err"' in long.text


def test_search_of_earlier_tickets(client: TestClient) -> None:
    sign_in(client, "desk-wang")
    tid = record(client, location="7-2-0301")
    hits = client.get("/intake/search?q=7-2-03").text
    assert tid in hits
    assert tid in client.get("/intake/search?q=13800138000").text
    assert tid not in client.get("/intake/search?q=9-9-9").text


def test_language_switch_is_kept(client: TestClient) -> None:
    sign_in(client, "desk-wang")
    assert "看板" in client.get("/board").text
    assert "Board" in client.get("/board?lang=en").text
    assert "Board" in client.get("/board").text


def test_report_download_in_the_cli_format(client: TestClient, site: Path) -> None:
    sign_in(client, "desk-wang")
    record(client)
    resp = client.get("/stats/report?kind=monthly&period=2026-03&format=csv")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    cli = subprocess_bytes(site, "report", "monthly", "--period", "2026-03", "--format", "csv")
    assert resp.content.splitlines()[:3] == cli.splitlines()[:3]
    stats = client.get("/stats?start=2026-03-01&end=2026-03-31")
    assert "K-1" in stats.text and "<svg" in stats.text


def subprocess_bytes(site: Path, *args: str) -> bytes:
    import subprocess
    import sys

    from .conftest import cli_env

    env = {**cli_env(site), "PROPDESK_LANG": "zh", "PROPDESK_CLOCK_FILE": ""}
    return subprocess.run([sys.executable, "-m", "propdesk", *args], capture_output=True,
                          env=env, check=True, timeout=120).stdout


def test_history_in_local_time_and_plain_words(client: TestClient) -> None:
    sign_in(client, "desk-wang")
    tid = record(client, category="engineering")
    token = csrf_of(client.get(f"/t/{tid}").text)
    client.post(f"/t/{tid}/do/dispatch", data={"csrf": token, "to": "eng-zhao"})
    page = html.unescape(client.get(f"/t/{tid}").text)
    history = page[page.index('class="history"'):]
    assert "2026-03-02 09:00:00" in history and "+00:00" not in history  # local time
    assert "派单" in history and "处理人: 赵师傅 (eng-zhao)" in history
    assert "分类: 工程" in history and "服务方式: 即时服务" in history
    assert "routing" not in history and "138****8000" in history
