"""Configuration (docs/configuration.md): loading, defaults, cross-checks and errors
naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import EXAMPLE_CONFIG

from propdesk.config import load_config, parse_config
from propdesk.domain.config import Config
from propdesk.domain.errors import ConfigError

BASE = EXAMPLE_CONFIG.read_text(encoding="utf-8")


def test_example_loads(config: Config) -> None:
    assert config.community.name == "海德花园"
    assert config.department_for("fire") and config.department_for("fire").id == "order"  # type: ignore[union-attr]
    assert str(config.fee_by_code["E03"].price) == "25.50"
    assert [c.id for c in config.categories][:3] == ["complaint", "help", "inquiry"]
    assert config.storage["backend"] == "sqlite"
    assert Path(config.base_dir) == EXAMPLE_CONFIG.parent


def test_empty_file_gives_defaults() -> None:
    cfg = parse_config("")
    assert cfg.community.timezone == "Asia/Shanghai" and len(cfg.categories) == 7
    assert cfg.limits.content == 2000 and cfg.sla.warn_at == 0.8


@pytest.mark.parametrize("edit,path", [
    (lambda s: s.replace('role = "manager"', 'role = "boss"'), "$.people[id=mgr-gao].role"),
    (lambda s: s.replace('price = "30.00"', "price = 30.0"), "$.fees[code=E01].price"),
    (lambda s: s.replace('price = "30.00"', 'price = "-3.00"'), "$.fees[code=E01].price"),
    (lambda s: s.replace('price = "30.00"', 'price = "3.001"'), "$.fees[code=E01].price"),
    (lambda s: s + '\n[bogus]\nx = 1\n', "$.bogus"),
    (lambda s: s.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'),
     "$.community.timezone"),
    (lambda s: s.replace('meeting_time = "09:00"', 'meeting_time = "9am"'),
     "$.community.meeting_time"),
    (lambda s: s.replace('people = ["desk-chen"', 'people = ["desk-ghost"'),
     "$.shifts[1].people[0]"),
    (lambda s: s.replace('start = "20:00"', 'start = "25:00"'), "$.shifts[1].start"),
    (lambda s: s.replace('supervisor = "eng-chief"', 'supervisor = "nobody"'),
     "$.departments[id=engineering].supervisor"),
    (lambda s: s.replace('categories = ["engineering"]', 'categories = ["plumbing"]'),
     "$.departments[id=engineering].categories[0]"),
    (lambda s: s.replace('department = "engineering"\nareas = ["A"]',
                         'department = "plumbing"\nareas = ["A"]'),
     "$.people[id=eng-zhao].department"),
    (lambda s: s.replace('areas = ["A"]', 'areas = "A"'), "$.people[id=eng-zhao].areas"),
    (lambda s: s.replace("warn_at = 0.8", "warn_at = 1.5"), "$.sla.warn_at"),
    (lambda s: s.replace("warn_at = 0.8", 'warn_at = 0.8\nS-5 = "soon"'), "$.sla.S-5"),
    (lambda s: s.replace("warn_at = 0.8", 'warn_at = 0.8\nspeed = "2m"'), "$.sla.speed"),
    (lambda s: s.replace('id = "eng-liu"', 'id = "eng-zhao"'), "$.people[3]"),
    (lambda s: s.replace('name = "赵师傅"', 'name = 7'), "$.people[id=eng-zhao].name"),
    (lambda s: s.replace('days = ', 'days = ') + '\n[[shifts]]\npeople = []\nstart = "08:00"'
     '\nend = "09:00"\ndays = ["monday"]\n', "$.shifts[2].days[0]"),
    (lambda s: s.replace('[storage]\nbackend = "sqlite"', '[storage]\nbackend = 3'),
     "$.storage.backend"),
])
def test_bad_configuration_names_the_key(edit, path: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(edit(BASE))
    assert info.value.path == path, str(info.value)


def test_toml_syntax_error_names_line_and_column() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config('[community]\nname = "x\n')
    assert "line 2" in str(info.value) and "column" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_plugin_tables_are_accepted_when_declared() -> None:
    cfg = parse_config('[webhook]\nurl = "http://127.0.0.1/x"\n', extra_tables={"webhook"})
    assert cfg.extra["webhook"]["url"].startswith("http")


def test_durations_and_off() -> None:
    cfg = parse_config('[sla]\nS-5 = "15m"\nS-4 = "90s"\nS-12 = "off"\nS-9 = "1h30m"\n'
                       'S-3 = 120\n')
    assert cfg.sla.allowances == {"S-5": 900, "S-4": 90, "S-12": None, "S-9": 5400,
                                  "S-3": 120}


def test_shift_crossing_midnight_and_weekdays(config: Config) -> None:
    from datetime import datetime

    from tests.conftest import SHANGHAI

    from propdesk.domain.roster import on_duty

    night = datetime(2026, 3, 3, 2, 30, tzinfo=SHANGHAI)  # Tuesday 02:30
    assert "desk-chen" in on_duty(config, night) and "desk-wang" not in on_duty(config, night)
    cfg = parse_config(BASE.replace('start = "20:00"\nend = "08:00"',
                                    'start = "20:00"\nend = "08:00"\ndays = ["mon"]'))
    assert "desk-chen" in on_duty(cfg, night)           # Monday's night shift, after midnight
    wed = datetime(2026, 3, 4, 2, 30, tzinfo=SHANGHAI)  # Tuesday's night: not rostered
    assert "desk-chen" not in on_duty(cfg, wed)
