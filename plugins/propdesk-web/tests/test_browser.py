"""End-to-end tests in a real headless Chromium (the distribution's ``chromium``),
driven by Playwright, against ``propdesk serve`` started as a subprocess on a
free loopback port over a real SQLite store.

They skip only outside CI when the browser or Playwright is missing; in CI
(``CI=true``) a missing browser is a failure.  With ``PROPDESK_SCREENSHOTS=1``
they write the screenshots of the docs to ``docs/img/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from .conftest import PASSWORD, ROOT, T0, cli_env, run_cli, set_clock

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("PROPDESK_SCREENSHOTS", "") == "1"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if _in_ci():
            pytest.fail("playwright is not installed (pip install playwright)")
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if _in_ci():
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(site: Path) -> Iterator[str]:
    """``propdesk serve`` on a free port, its clock in ``site/clock``."""
    port = _free_port()
    env = {**cli_env(site), "PROPDESK_CLOCK_FILE": str(site / "clock"),
           "PROPDESK_WEB_SECRET": "t" * 48, "PROPDESK_LANG": "zh"}
    proc = subprocess.Popen([sys.executable, "-m", "propdesk", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                proc.kill()
                pytest.fail(f"propdesk serve did not start: {out}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def sign_in(browser: Any, base: str, person: str, viewport: dict[str, int] | None = None
            ) -> Any:
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                  locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(base + "/login")
    page.fill("#person", person)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def shot(page: Any, name: str) -> None:
    if SHOTS:
        folder = ROOT / "docs" / "img"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / name), full_page=True)


def act(page: Any, cmd: str, **fields: str) -> None:
    """Fill and submit the form of ``cmd`` on the page (ticket page or a my-work card)."""
    form = page.locator(f"form[data-cmd={cmd}]").first
    details = form.locator("details")
    if details.count() and not details.evaluate("el => el.open"):
        details.locator("summary").click()
    for name, value in fields.items():
        field = form.locator(f"[name='{name}']")
        tag = field.evaluate("el => el.tagName + ':' + (el.type || '')")
        if tag.startswith("SELECT"):
            field.select_option(value)
        elif tag.endswith("checkbox"):
            field.check()
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_sign_in_is_required_everywhere(browser: Any, server: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    for path in ("/board", "/intake", "/my", "/stats", "/t/20260302-001"):
        page.goto(server + path)
        assert "/login" in page.url
        assert page.locator("#password").is_visible()
    context.close()


def test_a_whole_ticket(browser: Any, server: str, site: Path) -> None:
    desk = sign_in(browser, server, "desk-wang")
    # intake: the S-1 clock runs while typing; all the record's fields
    desk.goto(server + "/intake")
    assert desk.locator("#s1-clock").inner_text() != "…"
    desk.select_option("#rec-source", "owner_call")
    desk.fill("#rec-content", "厨房水管漏水")
    desk.select_option("#rec-mode", "immediate")
    desk.fill("#rec-location", "5-1-1202")
    desk.fill("#rec-contact", "李女士")
    desk.fill("#rec-phone", "13800138000")
    desk.fill("#rec-reply", "师傅十分钟内到")  # the owner is answered at once (S-2)
    desk.select_option("#rec-category", "engineering")
    desk.click("button[accesskey=r]")
    desk.wait_for_url("**/t/*")
    tid = desk.url.rsplit("/", 1)[1]
    assert desk.locator("#ticket-state").inner_text() == "已录入"
    # the next step is the first button: dispatch
    first = desk.locator("section.actions form").first
    assert first.get_attribute("data-cmd") == "dispatch"
    act(desk, "dispatch", to="eng-zhao")
    assert desk.locator("#ticket-state").inner_text() == "已派单"

    # the technician on a phone-sized window: masked phone, then the steps
    tech = sign_in(browser, server, "eng-zhao", PHONE)
    tech.goto(server + "/my")
    card = tech.locator(f"#card-{tid}")
    assert card.locator(".phone").inner_text() == "138****8000"
    for cmd, fields in (("confirm", {}), ("acknowledge", {}), ("arrive", {}),
                        ("diagnose", {"diagnosis": "阀门老化"}),
                        ("plan", {"fees-0-code": "E01", "fees-0-qty": "1"})):
        act(tech, cmd, **fields)
        assert tech.locator("#refusal").count() == 0, tech.locator("#refusal").inner_text()
    shot(tech, "web-my-work.png")
    # agreeing a plan with fees without showing the schedule is refused, in the CLI's words
    act(tech, "agree")
    refusal = tech.locator("#refusal").inner_text()
    assert "收费标准" in refusal
    act(tech, "agree", schedule_shown="1")
    act(tech, "complete", charge="30.00")
    act(tech, "accept", signer="李女士", owner_copy="1")
    assert tech.locator(f"#card-{tid}").count() == 0  # no longer the technician's open work

    # back at the desk: return, callback, close
    desk.goto(server + f"/t/{tid}")
    act(desk, "return")
    shot(desk, "web-ticket.png")
    act(desk, "callback", fixed="yes", satisfaction="satisfied", charge_ok="yes")
    act(desk, "close")
    assert desk.locator("#ticket-state").inner_text() == "已关闭"
    shown = run_cli(site, "--as", "desk-wang", "show", tid, "--json")
    assert '"state": "closed"' in shown.stdout


def test_board_turns_red_when_the_clock_passes_a_deadline(
        browser: Any, server: str, site: Path) -> None:
    at = T0.isoformat()
    tid = run_cli(site, "--as", "desk-wang", "record", "--source", "owner_call",
                  "--mode", "immediate", "--content", "电梯困人", "--location", "3-1",
                  "--at", at, "--received-at", at).stdout.strip()
    if SHOTS:  # more tickets on the board of the docs' screenshot
        for content, mode in (("燃气味道", "emergency"), ("楼道灯不亮", "immediate")):
            run_cli(site, "--as", "desk-wang", "record", "--source", "owner_call", "--mode",
                    mode, "--content", content, "--location", "6-2-0801", "--at", at,
                    "--received-at", at)
    # S-3: classified and read back within 2 minutes of the record
    set_clock(site, T0 + timedelta(seconds=100))  # past 80 %: a warning
    desk = sign_in(browser, server, "desk-wang")
    desk.goto(server + "/board")
    row = desk.locator(f"#row-{tid}")
    assert "level-warn" in (row.get_attribute("class") or "")
    assert "预警" in row.locator(".mark").inner_text()
    set_clock(site, T0 + timedelta(seconds=118))
    desk.reload()
    # the countdown ticks in the browser and turns the row red at the deadline
    desk.wait_for_selector(f"#row-{tid}.level-breach", timeout=15_000)
    assert "超时" in desk.locator(f"#row-{tid} .mark").inner_text()
    set_clock(site, T0 + timedelta(minutes=5))
    desk.reload()  # and the server says so too
    assert "level-breach" in (desk.locator(f"#row-{tid}").get_attribute("class") or "")
    shot(desk, "web-board.png")


def test_an_update_from_the_cli_appears_on_an_open_board(
        browser: Any, server: str, site: Path) -> None:
    desk = sign_in(browser, server, "desk-wang")
    desk.goto(server + "/board")
    desk.wait_for_selector("#board[data-live='1']")
    at = (T0 + timedelta(seconds=5)).isoformat()
    tid = run_cli(site, "--as", "desk-wang", "record", "--source", "owner_call",
                  "--mode", "emergency", "--content", "消防报警", "--location", "9-1",
                  "--at", at, "--received-at", at).stdout.strip()
    desk.wait_for_selector(f"#row-{tid}", timeout=15_000)
    # emergencies on top
    assert desk.locator("table.board tbody tr").first.get_attribute("id") == f"row-{tid}"
    run_cli(site, "--as", "desk-wang", "dispatch", tid, "--category", "fire", "--to",
            "sec-sun", "--at", at)
    desk.wait_for_selector(f"#row-{tid}[data-state='dispatched']", timeout=15_000)


def test_a_post_without_the_csrf_token_is_refused(browser: Any, server: str) -> None:
    desk = sign_in(browser, server, "desk-wang")
    resp = desk.request.post(server + "/intake", form={
        "source": "owner_call", "mode": "immediate", "content": "无令牌"})
    assert resp.status == 403
    desk.goto(server + "/board")
    assert "无令牌" not in desk.content()


def test_statistics(browser: Any, server: str, site: Path) -> None:
    at = T0.isoformat()
    for content in ("楼道灯不亮", "咨询停车费"):
        run_cli(site, "--as", "desk-wang", "record", "--source", "owner_call", "--mode",
                "immediate", "--content", content, "--location", "2-2", "--at", at,
                "--received-at", at)
    set_clock(site, T0 + timedelta(hours=2))
    manager = sign_in(browser, server, "mgr-gao")
    manager.goto(server + "/stats?start=2026-03-01&end=2026-03-31")
    assert manager.locator("#kpi tr[data-key='K-1']").count() == 1
    assert manager.locator("svg.chart rect").count() >= 1
    shot(manager, "web-stats.png")
    with manager.expect_download() as info:
        manager.select_option("#format", "csv")
        manager.fill("#rperiod", "2026-03")
        manager.click("button[accesskey=d]")
    path = info.value.path()
    assert path is not None and "K-1" in Path(path).read_bytes().decode("utf-8-sig")
