"""Issue 17 end to end with the REAL channel plugins: a community configured with
``[[notifiers]]`` of kinds ``webhook``, ``wecom``, ``dingtalk``, ``smtp`` and ``log``,
``propdesk record``/``dispatch`` and ``propdesk watch`` run as subprocesses, and
every channel pointed at a real local server started here (an HTTP receiver
that verifies Standard Webhooks signatures, two robot receivers that check the
robot key and the DingTalk sign, an SMTP server with STARTTLS and a login).

Deliveries are counted by notice id per receiver (the webhook's ``id``, the
e-mail's ``Message-ID``, a robot message's title), and every byte any receiver
got is scanned for the owners' phones and names when a test ends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from tests.notify.support import (
    OWNER_NAMES,
    OWNER_PHONES,
    ROOT,
    Watch,
    make_community,
    propdesk,
    wait_for,
)

from propdesk.testing.receivers import (
    FIXTURE_OWNER_NAMES,
    FIXTURE_OWNER_PHONES,
    HttpReceiver,
    Reply,
    Request,
    SmtpReceiver,
    personal_data_found,
    standard_webhooks_verifier,
)

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)  # simulated time: a Monday morning

WEBHOOK_KEY = b"propdesk-e2e-key-0123456789abcdef"
WECOM_KEY = "693a91f6-7aaa-4bc4-97a0-0ec2e2e2e2e2"
DING_TOKEN = "e2e0" * 16
DING_SECRET = "SEC" + "e2e1" * 16
SMTP_USER, SMTP_PASSWORD = "desk@hyde.example", "e2e-pass"
CHANNELS = ("duty-log", "ops-webhook", "wechat-desk", "dingtalk-managers", "mail")


def robot_ok(request: Request) -> Reply:
    return 200, {"content-type": "application/json"}, b'{"errcode":0,"errmsg":"ok"}'


def robot_refused(why: str) -> Reply:
    body = json.dumps({"errcode": 310000, "errmsg": why}).encode()
    return 200, {"content-type": "application/json"}, body


def wecom_verify(request: Request) -> str | None:
    """The robot's key must come in the query (from ``key_env``, never the file)."""
    if request.path != "/cgi-bin/webhook/send" or request.query.get("key") != WECOM_KEY:
        return "invalid webhook url"
    doc = json.loads(request.body)
    return None if doc[doc["msgtype"]]["content"] else "empty content"


def dingtalk_verify(request: Request) -> str | None:
    """DingTalk's checks: the token, a timestamp within the hour, the HMAC sign."""
    q = request.query
    if request.path != "/robot/send" or q.get("access_token") != DING_TOKEN:
        return "token is not exist"
    ts = q.get("timestamp", "")
    if not ts.isdigit() or abs(int(ts) - time.time() * 1000) > 3_600_000:
        return "invalid timestamp"
    mac = hmac.new(DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(), hashlib.sha256)
    return None if q.get("sign") == base64.b64encode(mac.digest()).decode() else "sign not match"


def robot_content(request: Request) -> str:
    doc = json.loads(request.body)
    return str(doc[doc["msgtype"]]["content"])


@attrs.define
class Community:
    """The desk's configuration and the real servers its five channels reach."""

    config: Path
    webhook: HttpReceiver
    wecom: HttpReceiver
    dingtalk: HttpReceiver
    smtp: SmtpReceiver

    def log(self) -> list[dict[str, Any]]:
        path = self.config.parent / "notices.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]

    def notices(self) -> dict[str, str]:
        """Every notice the desk made (the log channel has them all): id -> title."""
        return {n["id"]: n["title"] for n in self.log()}

    def delivered(self) -> dict[str, Counter[str]]:
        """Per channel, how many times each notice id was confirmed by its receiver."""
        titles = self.notices()
        by_digest = {hashlib.sha256(i.encode()).hexdigest()[:32]: i for i in titles}

        def robot(r: HttpReceiver) -> Counter[str]:
            # one message, or a digest with a line per notice: each title counts once
            counts: Counter[str] = Counter()
            for request in list(r.accepted):
                lines = [re.sub(r"^[-*\s]+|[*：:].*$", "", line).strip()
                         for line in robot_content(request).splitlines()]
                counts.update(i for i, t in titles.items() if t in lines)
            return counts

        mail: Counter[str] = Counter()
        for m in list(self.smtp.mails):
            mail[by_digest.get(str(m.message()["Message-ID"]).strip("<>").split("@")[0],
                               "?")] += 1
        return {
            "duty-log": Counter(n["id"] for n in self.log()),
            "ops-webhook": Counter(json.loads(r.body)["id"] for r in list(self.webhook.accepted)),
            "wechat-desk": robot(self.wecom),
            "dingtalk-managers": robot(self.dingtalk),
            "mail": mail,
        }

    def complete(self, ids: set[str] | None = None) -> bool:
        """Every notice (or every one of ``ids``) delivered on every channel."""
        wanted = set(self.notices()) if ids is None else ids
        return bool(wanted) and all(wanted <= set(c) for c in self.delivered().values())

    def outbox(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(
            propdesk(self.config, "notify", "list", "--json").stdout)
        return rows


def contact_points(text: str) -> str:
    """Each ``[[people]]`` table of the example gets a mobile, an e-mail and a chat id."""
    counter = iter(range(1, 100))

    def add(m: re.Match[str]) -> str:
        pid = m.group(1)
        return (f'{m.group(0)}\nmobile = "1550000{next(counter):04d}"\n'
                f'email = "{pid}@hyde.example"\nchat_id = "{pid.replace("-", "")}"')

    return re.sub(r'^id = "([a-z]+-[a-z]+)"$', add, text, flags=re.M)


def notifier_tables(webhook: str, wecom: str, dingtalk: str, smtp_port: int,
                    ca_file: Path) -> str:
    """The four plugins' ``[[notifiers]]`` tables (the log channel's is added by
    ``make_community``), pointed at the local servers."""
    return f"""
[[notifiers]]
name = "ops-webhook"
kind = "webhook"
url = "{webhook}"
secret_env = "E2E_WEBHOOK_SECRET"

[[notifiers]]
name = "wechat-desk"
kind = "wecom"
url = "{wecom}"
key_env = "E2E_WECOM_KEY"
msgtype = "text"

[[notifiers]]
name = "dingtalk-managers"
kind = "dingtalk"
url = "{dingtalk}"
token_env = "E2E_DINGTALK_TOKEN"
secret_env = "E2E_DINGTALK_SECRET"

[[notifiers]]
name = "mail"
kind = "smtp"
host = "127.0.0.1"
port = {smtp_port}
user_env = "E2E_SMTP_USER"
password_env = "E2E_SMTP_PASSWORD"
from = "海德花园物业前台 <desk@hyde.example>"
ca_file = "{ca_file}"
"""


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Community]:
    monkeypatch.setenv("E2E_WEBHOOK_SECRET", "whsec_" + base64.b64encode(WEBHOOK_KEY).decode())
    monkeypatch.setenv("E2E_WECOM_KEY", WECOM_KEY)
    monkeypatch.setenv("E2E_DINGTALK_TOKEN", DING_TOKEN)
    monkeypatch.setenv("E2E_DINGTALK_SECRET", DING_SECRET)
    monkeypatch.setenv("E2E_SMTP_USER", SMTP_USER)
    monkeypatch.setenv("E2E_SMTP_PASSWORD", SMTP_PASSWORD)
    folder = tmp_path / "desk"
    with HttpReceiver(verify=standard_webhooks_verifier(WEBHOOK_KEY)) as webhook, \
            HttpReceiver(verify=wecom_verify, ok=robot_ok, reject=robot_refused) as wecom, \
            HttpReceiver(verify=dingtalk_verify, ok=robot_ok, reject=robot_refused) as ding, \
            SmtpReceiver(tmp_path / "ca.pem", SMTP_USER, SMTP_PASSWORD) as smtp:
        config = make_community(folder, None, log=True)
        text = contact_points(config.read_text("utf-8")) + notifier_tables(
            f"{webhook.url}/hooks/propdesk", f"{wecom.url}/cgi-bin/webhook/send",
            f"{ding.url}/robot/send", smtp.port, smtp.ca_file)
        config.write_text(text, "utf-8")
        community = Community(config, webhook, wecom, ding, smtp)
        yield community
        webhook.release()
    blobs = [*webhook.blobs(), *wecom.blobs(), *ding.blobs(), *smtp.blobs()]
    log = folder / "notices.jsonl"
    if log.exists():
        blobs.append(log.read_bytes())
    assert blobs, "nothing was received"
    leaked = personal_data_found(
        blobs, FIXTURE_OWNER_PHONES + FIXTURE_OWNER_NAMES + OWNER_PHONES + OWNER_NAMES)
    assert leaked == [], f"personal data was sent: {leaked}"
    assert not webhook.refused and not wecom.refused and not ding.refused, \
        "a request failed its receiver's checks"


def local(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def record_emergency(desk: Community, ticket: str, at: datetime | None = None) -> None:
    """An emergency recorded and dispatched by the desk (S-4, R-52), as subprocesses."""
    times = ([] if at is None else ["--at", local(at + timedelta(seconds=20)),
                                    "--received-at", local(at)])
    propdesk(desk.config, "record", "--ticket", ticket, "--source", "owner_call", "--mode",
             "emergency", "--content", "地下车库水管爆裂", "--location", "5-1-1202",
             "--area", "A", "--category", "engineering", "--contact", "张先生",
             "--phone", "13912345678", *times)
    later = [] if at is None else ["--at", local(at + timedelta(seconds=30))]
    out = propdesk(desk.config, "dispatch", ticket, *later)
    assert f"→ {', '.join(CHANNELS)} (sent by propdesk watch)" in out.stderr, out.stderr


def once(desk: Community, at: datetime) -> dict[str, list[dict[str, Any]]]:
    out = propdesk(desk.config, "watch", "--once", "--at", local(at), "--json")
    data: dict[str, list[dict[str, Any]]] = json.loads(out.stdout)
    return data


def patient_webhook(desk: Community) -> None:
    """The webhook client waits 300 s for an answer: a held request stays in flight."""
    text = desk.config.read_text("utf-8")
    desk.config.write_text(text.replace('secret_env = "E2E_WEBHOOK_SECRET"\n',
                                        'secret_env = "E2E_WEBHOOK_SECRET"\ntimeout = 300\n'),
                           "utf-8")
    assert "timeout = 300" in desk.config.read_text("utf-8")


def assert_each_once(desk: Community) -> None:
    """Every notice the desk made confirmed exactly once by every channel's receiver."""
    wanted = Counter(set(desk.notices()))
    assert wanted, "no notice was made"
    for channel, counts in desk.delivered().items():
        assert counts == wanted, (channel, counts, wanted)


def test_the_emergency_fan_out_reaches_all_five_channels_once_within_90_seconds(
        desk: Community) -> None:
    record_emergency(desk, "E1", T0)
    result = once(desk, T0 + timedelta(seconds=31))
    sent = {(d["notice"], d["channel"]) for d in result["deliveries"] if d["ok"]}
    assert {("ev:E1:2:emergency", c) for c in CHANNELS} <= sent
    assert all(d["ok"] for d in result["deliveries"]), result["deliveries"]
    assert once(desk, T0 + timedelta(seconds=32))["deliveries"] == []  # nothing twice
    assert_each_once(desk)
    body = next(json.loads(r.body) for r in desk.webhook.accepted
                if r.headers["webhook-id"] == "ev:E1:2:emergency")
    assert body["type"] == "emergency" and body["ticket"] == "E1"
    people = {p["id"] for p in body["to"]}
    assert {"eng-chief", "mgr-gao"} <= people  # the supervisor and the managers
    assert datetime.fromisoformat(body["at"]) - T0 <= timedelta(seconds=90)  # S-4
    (mail,) = [m for m in desk.smtp.mails
               if m.message()["Message-ID"] == "<" + hashlib.sha256(
                   b"ev:E1:2:emergency").hexdigest()[:32] + "@propdesk>"]
    assert mail.tls and mail.authenticated
    assert {f"{p}@hyde.example" for p in people} == set(mail.rcpt_tos)
    ding = [json.loads(r.body) for r in desk.dingtalk.accepted]
    mentioned = {m for d in ding for m in d["at"]["atMobiles"]}
    chief = re.search(r'id = "eng-chief"\nmobile = "(\d+)"', desk.config.read_text("utf-8"))
    assert chief is not None and chief.group(1) in mentioned
    wecom = [json.loads(r.body)["text"] for r in desk.wecom.accepted]
    assert any(chief.group(1) in t["mentioned_mobile_list"] for t in wecom)


def test_warnings_before_and_breaches_after_their_deadlines_once_each_on_every_channel(
        desk: Community) -> None:
    record_emergency(desk, "E2", T0)  # S-4: 90 s from receipt, warned at 80 %
    warning, breach = "sla:E2:S-4:1:warning", "sla:E2:S-4:1:breach"
    seen: list[set[str]] = []
    for s in (71, 72, 90, 91, 91):
        once(desk, T0 + timedelta(seconds=s))
        seen.append({n for c in desk.delivered().values() for n in c
                     if n.startswith("sla:E2:S-4:")})
    assert seen[0] == set()                 # 71 s: before the warning
    assert seen[1] == {warning}             # 72 s: 80 % of 90 s, on every channel below
    assert seen[2] == {warning}             # 90 s: still in time
    assert seen[3] == {warning, breach}     # 91 s: past the deadline
    assert desk.complete({warning, breach})
    assert_each_once(desk)                  # and a second pass at 91 s sent nothing again


def test_a_webhook_that_fails_twice_then_succeeds_delivers_once_with_one_webhook_id(
        desk: Community) -> None:
    def emergency(r: Request) -> bool:
        return bool(json.loads(r.body)["type"] == "emergency")

    desk.webhook.fail_matching(emergency, 2, status=503)
    watch = Watch(desk.config)
    try:
        wait_for(watch.holding, "the watcher to take the lock")
        record_emergency(desk, "E3")
        wait_for(lambda: desk.complete({"ev:E3:2:emergency", "ev:E3:2:work_order"}),
                 "every channel to deliver, the webhook at its third attempt")
    finally:
        assert watch.stop() == 0
    tries = [r for r in desk.webhook.requests if json.loads(r.body)["id"] == "ev:E3:2:emergency"]
    assert len(tries) == 3
    assert {r.headers["webhook-id"] for r in tries} == {"ev:E3:2:emergency"}
    assert not desk.webhook.refused  # all three signed and verified
    assert_each_once(desk)
    row = next(r for r in desk.outbox()
               if r["notice"] == "ev:E3:2:emergency" and r["channel"] == "ops-webhook")
    assert (row["state"], row["attempts"]) == ("sent", 3)


def test_kill_9_mid_delivery_then_restart_no_duplicate_no_loss_on_any_channel(
        desk: Community) -> None:
    held = "ev:K1:2:emergency"
    patient_webhook(desk)
    desk.webhook.hold(lambda r: bool(json.loads(r.body)["id"] == held))
    watch = Watch(desk.config)
    wait_for(watch.holding, "the watcher to take the lock")
    record_emergency(desk, "K1")
    wait_for(desk.webhook.holding.is_set, "the webhook delivery to be in flight")

    def all_but_the_held_recorded() -> bool:
        rows = desk.outbox()
        return bool(rows) and all(r["state"] == "sent" for r in rows
                                  if (r["notice"], r["channel"]) != (held, "ops-webhook"))

    wait_for(all_but_the_held_recorded, "the other deliveries to be recorded")
    watch.proc.kill()  # kill -9 while the webhook's request is unanswered
    watch.proc.wait(timeout=30)
    desk.webhook.release()
    record_emergency(desk, "K2")  # committed while no watcher runs
    again = Watch(desk.config)
    try:
        wanted = {f"ev:{t}:2:{k}" for t in ("K1", "K2") for k in ("work_order", "emergency")}
        wait_for(lambda: desk.complete(wanted), "every notice on every channel")
    finally:
        assert again.stop() == 0
    assert_each_once(desk)
    assert sum(1 for r in desk.webhook.requests if json.loads(r.body)["id"] == held) == 2
    assert all(r["state"] == "sent" for r in desk.outbox())


def test_a_webhook_delivery_in_flight_does_not_hold_back_the_next_ones(
        desk: Community) -> None:
    """The webhook declares ``concurrency`` (4): while one request waits for its
    answer, the next rows of the storm go out (the outbox's speed fix)."""
    patient_webhook(desk)
    record_emergency(desk, "C1")  # queued while no watcher runs: four webhook rows
    record_emergency(desk, "C2")
    desk.webhook.hold()  # the first request (the oldest row) gets no answer for now
    watch = Watch(desk.config)
    try:
        wait_for(desk.webhook.holding.is_set, "the first delivery to be in flight")
        first = json.loads(desk.webhook.requests[0].body)["id"]
        others = set(desk.notices()) - {first}
        wait_for(lambda: others <= {json.loads(r.body)["id"] for r in desk.webhook.accepted},
                 "the other notices to arrive while the first waits")
        assert desk.webhook.holding.is_set() and first not in desk.delivered()["ops-webhook"]
        desk.webhook.release()  # answered 500: retried, then confirmed
        wait_for(desk.complete, "every notice on every channel")
    finally:
        assert watch.stop() == 0
    assert_each_once(desk)


def test_the_documented_end_to_end_configuration_is_the_one_tested_and_checks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/notifications.md "End to end" shows this file's configuration
    (less the local servers' URLs and CA), and ``propdesk config check`` accepts it."""
    section = (ROOT / "docs" / "notifications.md").read_text("utf-8").split(
        "## End to end", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```toml\n(.*?)```", section, re.S)
    assert found is not None
    documented = tomllib.loads(found.group(1))
    tested = tomllib.loads('[[notifiers]]\nname = "duty-log"\nkind = "log"\n'
                           'path = "notices.jsonl"\n' + notifier_tables(
                               "http://127.0.0.1:1/h", "http://127.0.0.1:1/w",
                               "http://127.0.0.1:1/d", 25, tmp_path / "ca.pem"))
    local_only = {"url", "ca_file", "msgtype"}
    for doc, test in zip(documented["notifiers"], tested["notifiers"], strict=True):
        assert (doc["name"], doc["kind"]) == (test["name"], test["kind"])
        assert set(test) - local_only <= set(doc) <= set(test), (doc, test)
    (person,) = documented["people"]
    assert {"mobile", "email", "chat_id"} <= set(person)
    for name in ("OPS_WEBHOOK_SECRET", "WECOM_KEY", "DINGTALK_TOKEN", "DINGTALK_SECRET",
                 "SMTP_USER", "SMTP_PASSWORD"):
        monkeypatch.setenv(name, "whsec_" + base64.b64encode(WEBHOOK_KEY).decode()
                           if name == "OPS_WEBHOOK_SECRET" else "SEC0123456789abcdef")
    config = make_community(tmp_path / "desk", None, log=False)
    notifiers = found.group(1)[found.group(1).index("[[notifiers]]"):]
    config.write_text(config.read_text("utf-8") + "\n" + notifiers, "utf-8")
    out = propdesk(config, "config", "check")
    assert "Traceback" not in out.stderr


def test_a_429_pauses_the_webhook_even_with_calls_in_flight(tmp_path: Path) -> None:
    """With four calls in flight, a ``Retry-After`` still pauses the channel: the
    rows whose turn comes after it stay pending, untouched, until the pause ends."""
    from propdesk_webhook.plugin import WebhookChannel

    from propdesk.adapters.sqlite import SQLiteStore
    from propdesk.config import load_config
    from propdesk.desk import Desk
    from propdesk.domain import commands as c
    from propdesk.outbox import Deliverer

    path = make_community(tmp_path / "desk", None, log=False)
    path.write_text(path.read_text("utf-8") + notifier_tables(
        "http://127.0.0.1:1/h", "http://127.0.0.1:1/w", "http://127.0.0.1:1/d", 25,
        tmp_path / "ca.pem"), "utf-8")
    config = load_config(path)  # the desk queues a row per notice for each of the four
    store = SQLiteStore(tmp_path / "desk" / "propdesk.db")
    desk = Desk(config, store)
    for i in range(20):  # 40 notices: a work order and a fan-out each
        tid = f"R{i:02d}"
        desk.handle(c.Record(ticket=tid, by="desk-wang", at=T0, received_at=T0,
                             source="owner_call", content="水管爆裂", mode="emergency",
                             area="A", location="B区车库", category="engineering"))
        desk.handle(c.Dispatch(ticket=tid, by="desk-wang", at=T0, category="engineering"))
    with HttpReceiver(verify=standard_webhooks_verifier(WEBHOOK_KEY)) as receiver:
        receiver.throttle("30")
        channel = WebhookChannel("ops-webhook", receiver.url + "/hooks/propdesk",
                                 "whsec_" + base64.b64encode(WEBHOOK_KEY).decode(),
                                 concurrency=4)
        deliverer = Deliverer(store, [channel], config.notify)
        try:
            now = T0 + timedelta(seconds=1)
            first = deliverer.pass_channel(channel, now)
            assert deliverer.paused.get("ops-webhook") == now + timedelta(seconds=30)
            assert len(first) < 20 and len(receiver.requests) == len(first)
            assert deliverer.pass_channel(channel, now + timedelta(seconds=29)) == []
            rest = deliverer.pass_channel(channel, now + timedelta(seconds=31))
            assert len(first) + len(rest) == 41  # the throttled one twice
            assert Counter(json.loads(r.body)["id"] for r in receiver.accepted) == Counter(
                {row.notice: 1 for row in store.outbox_rows() if row.channel == "ops-webhook"})
        finally:
            channel.close()
            store.close()


def test_two_watchers_one_sender_on_every_channel(desk: Community) -> None:
    first = Watch(desk.config)
    wait_for(first.holding, "the first watcher to take the lock")
    second = Watch(desk.config)
    try:
        wait_for(lambda: "waiting to take over" in second.err(), "the second to wait")
        record_emergency(desk, "W1")
        wait_for(desk.complete, "every notice on every channel")
        assert not second.holding()
        assert first.stop() == 0
        wait_for(second.holding, "the second watcher to take over")
        record_emergency(desk, "W2")
        wait_for(lambda: desk.complete({"ev:W2:2:emergency", "ev:W2:2:work_order"}),
                 "delivery by the second")
    finally:
        first.stop()
        assert second.stop() == 0
    assert_each_once(desk)
