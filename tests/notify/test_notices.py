"""Notices from the core (issue 17): stable ids from their causes, audiences
from the configuration, personal data masked; the configuration's contact
points, ``[notify]`` and ``[[notifiers]]`` checked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import attrs
import pytest
from tests.conftest import EXAMPLE_CONFIG, T0, Driver, at
from tests.notify.support import personal_data_in

from propdesk.adapters.clock import ManualClock
from propdesk.adapters.memory import MemoryStore
from propdesk.adapters.sqlite import SQLiteStore
from propdesk.config import load_config, parse_config
from propdesk.desk import MASKS, Desk
from propdesk.domain import commands as c
from propdesk.domain.config import Config
from propdesk.domain.errors import ConfigError
from propdesk.domain.notices import notices_for
from propdesk.plugins import ConfigKeyError, make_plugin_manager, notifiers


def notice_map(result: object) -> dict[str, tuple[str, ...]]:
    return {n.type: n.to for n in result.notices}  # type: ignore[attr-defined]


def test_ids_come_from_the_cause_and_owner_data_stays_out(desk: Desk,
                                                          drive: Callable[..., Driver]) -> None:
    drive().record(contact="张先生", phone="13912345678", first_receiver="svc-he")
    result = desk.handle(c.Dispatch(ticket="A1", by="desk-wang", at=at(2),
                                    category="engineering"))
    ids = [n.id for n in result.notices]
    assert ids == ["ev:A1:2:work_order", "ev:A1:2:progress"]
    again = notices_for(desk.config, result.ticket, result.events, masks=MASKS)
    assert [n.id for n in again] == ids  # the same cause gives the same id
    order = result.notices[0]
    assert order.to == ("eng-zhao",) and order.data["owner_phone"] == "139****5678"
    assert order.location == "A"  # the area as configured, not the door number
    assert result.notices[1].to == ("svc-he",)  # the first receiver hears of it
    for n in result.notices:
        assert not personal_data_in(repr(attrs.asdict(n)).encode())


def test_emergency_fan_out_is_one_notice_to_area_supervisor_and_managers(
        desk: Desk, drive: Callable[..., Driver]) -> None:
    drive(mode="emergency").record(area="A")
    result = desk.handle(c.Dispatch(ticket="A1", by="desk-wang", at=at(1),
                                    category="engineering"))
    fan_out = notice_map(result)["emergency"]
    assert fan_out == tuple(result.events[0].data["notices"])  # as decided (S-4, R-52)
    assert {"eng-chief", "mgr-gao", "sec-sun"} <= set(fan_out) and "eng-zhao" not in fan_out


def test_inability_goes_to_the_supervisor_and_level_2_to_the_managers(
        desk: Desk, drive: Callable[..., Driver]) -> None:
    d = drive().to("on_site")
    unable = desk.handle(c.UnableToHandle(ticket="A1", by=d.assignee, at=at(30),
                                          reason="需要更换主管道"))
    assert notice_map(unable)["inability"] == ("eng-chief",)  # S-11
    level1 = desk.handle(c.Escalate(ticket="A1", by="desk-wang", at=at(31), level=1,
                                    reason="无法处理"))
    assert notice_map(level1)["escalation"] == ("eng-chief",)  # R-54 level 1
    level2 = desk.handle(c.Escalate(ticket="A1", by="eng-chief", at=at(32), level=2,
                                    reason="需经理会议"))
    assert notice_map(level2)["escalation"] == ("mgr-gao",)  # R-54 level 2


def test_who_receives_what_is_configuration(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text("utf-8") + (
        '\n[notify]\nwork_order = ["assignee", "managers"]\nprogress = []\n')
    config = parse_config(text, base_dir=tmp_path)
    desk = Desk(config, MemoryStore(), clock=ManualClock(T0))
    Driver(desk).record(first_receiver="svc-he")
    result = desk.handle(c.Dispatch(ticket="A1", by="desk-wang", at=at(2),
                                    category="engineering"))
    assert notice_map(result) == {"work_order": ("eng-zhao", "mgr-gao")}


def test_sla_alerts_fire_once_across_desks_on_one_store(tmp_path: Path,
                                                        config: Config) -> None:
    config = attrs.evolve(config, notifiers=({"name": "ops", "kind": "log"},))
    stores = [SQLiteStore(tmp_path / "d.db"), SQLiteStore(tmp_path / "d.db")]
    desks = [Desk(config, s, clock=ManualClock(T0)) for s in stores]
    Driver(desks[0]).record()
    first = desks[0].fire_alerts(at(600))
    assert first and all(n.type.startswith("sla.") for n in first)
    assert all(n.id.startswith("sla:A1:") for n in first)
    assert desks[1].fire_alerts(at(600)) == []  # the fire record is durable and shared
    assert desks[0].fire_alerts(at(601)) == []
    rows = stores[1].outbox_rows()
    assert sorted(r.notice for r in rows) == sorted(n.id for n in first)
    for s in stores:
        s.close()


def test_alerts_older_than_the_catch_up_window_are_recorded_not_sent(
        tmp_path: Path, config: Config) -> None:
    config = attrs.evolve(config, notifiers=({"name": "ops", "kind": "log"},))
    desk = Desk(config, MemoryStore(), clock=ManualClock(T0))
    Driver(desk).record()
    end = at(60 * 48)  # two days late: only what fell due in the last 24 h is sent
    sent = desk.fire_alerts(end)
    assert all(end - n.at <= timedelta(hours=24) for n in sent)
    assert "sla:A1:S-3:1:breach" not in {n.id for n in sent}  # due after 2 min
    assert sorted(r.notice for r in desk.store.outbox_rows()) == sorted(n.id for n in sent)
    fresh = Desk(config, desk.store, clock=ManualClock(T0))  # a restarted watcher
    assert fresh.fire_alerts(end + timedelta(hours=30)) == []  # the old ones were recorded


def test_a_replayed_command_writes_no_second_rows(config: Config) -> None:
    config = attrs.evolve(config, notifiers=({"name": "ops", "kind": "log"},))
    desk = Desk(config, MemoryStore(), clock=ManualClock(T0))
    Driver(desk).record(first_receiver="svc-he")
    cmd = c.Dispatch(ticket="A1", by="desk-wang", at=at(2), category="engineering",
                     command_id="k-1")
    desk.handle(cmd)
    rows = desk.store.outbox_rows()
    assert desk.handle(cmd).replayed
    assert desk.store.outbox_rows() == rows and len(rows) == 3  # record: 1, dispatch: 2


@pytest.mark.parametrize("extra,path", [
    ('mobile = "1380013800"', "$.people[0].mobile"),
    ('email = "wang@"', "$.people[0].email"),
])
def test_contact_points_are_checked(tmp_path: Path, extra: str, path: str) -> None:
    text = EXAMPLE_CONFIG.read_text("utf-8").replace(
        'id = "desk-wang"\n', f'id = "desk-wang"\n{extra}\n', 1)
    with pytest.raises(ConfigError) as err:
        parse_config(text, base_dir=tmp_path)
    assert err.value.path == path


def test_contact_points_are_kept(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text("utf-8").replace(
        'id = "desk-wang"\n',
        'id = "desk-wang"\nmobile = "13700001111"\nemail = "wang@example.com"\n'
        'chat_id = "WangLi"\n', 1)
    person = parse_config(text, base_dir=tmp_path).person_by_id["desk-wang"]
    assert (person.mobile, person.email, person.chat_id) == (
        "13700001111", "wang@example.com", "WangLi")


@pytest.mark.parametrize("table,path", [
    ('[notify]\nwork_order = ["assignee", "janitor"]', "$.notify.work_order[1]"),
    ('[notify]\nsend_fast = true', "$.notify.send_fast"),
    ('[notify]\nmax_attempts = 0', "$.notify.max_attempts"),
    ('[[notifiers]]\nname = "a"\nkind = "log"\n[[notifiers]]\nname = "a"\nkind = "log"',
     "$.notifiers[1].name"),
    ('[[notifiers]]\nname = "a"', "$.notifiers[0].kind"),
])
def test_notify_tables_are_checked(tmp_path: Path, table: str, path: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(EXAMPLE_CONFIG.read_text("utf-8") + "\n" + table + "\n", base_dir=tmp_path)
    assert err.value.path == path


def test_a_kind_nobody_offers_names_the_installed_kinds() -> None:
    pm = make_plugin_manager(autoload=False)
    with pytest.raises(ConfigKeyError) as err:
        notifiers({"notifiers": [{"name": "robot", "kind": "pager"}]}, pm)
    assert err.value.path == "$.notifiers[name=robot].kind"
    assert "installed kinds: log" in str(err.value)


def test_the_log_channel_refuses_unknown_keys_and_inline_secrets() -> None:
    pm = make_plugin_manager(autoload=False)
    with pytest.raises(ConfigKeyError, match=r"\$\.notifiers\[name=l\]\.colour"):
        notifiers({"notifiers": [{"name": "l", "kind": "log", "colour": "red"}]}, pm)
    with pytest.raises(ValueError, match="secrets are not accepted"):
        notifiers({"notifiers": [{"name": "l", "kind": "log", "token": "abc"}]}, pm)


def test_config_check_builds_the_channels(tmp_path: Path) -> None:
    from tests.notify.support import make_community, propdesk

    config = make_community(tmp_path / "desk", None)
    propdesk(config, "config", "check")
    config.write_text(config.read_text("utf-8")
                      + '\n[[notifiers]]\nname = "robot"\nkind = "pager"\n', "utf-8")
    out = propdesk(config, "config", "check", expect=8)
    assert "$.notifiers[name=robot].kind" in out.stderr and "installed kinds:" in out.stderr
    assert load_config(EXAMPLE_CONFIG).notifiers == ()


def test_plugins_lists_the_notifier_kinds(tmp_path: Path) -> None:
    import json

    from tests.notify.support import make_community, propdesk

    config = make_community(tmp_path / "desk", None)
    data = json.loads(propdesk(config, "plugins", "--json").stdout)
    assert {"log", "testhttp"} <= set(data["notifier_kinds"])  # built in; by entry point
    assert "log" in data["plugins"]


def test_apply_says_where_the_notices_of_a_batch_go(tmp_path: Path) -> None:
    from tests.notify.support import make_community, propdesk

    config = make_community(tmp_path / "desk", None)
    batch = tmp_path / "day.jsonl"
    batch.write_text(
        '{"cmd": "record", "ticket": "B1", "by": "desk-wang", "at": "2026-03-02T09:00:30+08:00",'
        ' "received_at": "2026-03-02T09:00:00+08:00", "source": "owner_call", "mode":'
        ' "immediate", "content": "漏水", "area": "A", "first_receiver": "svc-he"}\n'
        '{"cmd": "dispatch", "ticket": "B1", "by": "desk-wang",'
        ' "at": "2026-03-02T09:01:00+08:00", "category": "engineering"}\n', "utf-8")
    out = propdesk(config, "apply", str(batch))
    assert "notices queued: 3 → duty-log (sent by propdesk watch)" in out.stderr
    rows = propdesk(config, "notify", "list", "--json").stdout
    assert "ev:B1:2:work_order" in rows and "ev:B1:2:progress" in rows
