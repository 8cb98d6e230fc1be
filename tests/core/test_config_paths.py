"""Issue 19: configuration errors name the item (``$.people[id=eng-liu].role``, not
``$.people[3].role``) and suggest the nearest valid value (difflib) for unknown keys,
enum values and references; the CLI says so in Chinese too."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.conftest import EXAMPLE_CONFIG

from propdesk.cli import cli
from propdesk.config import parse_config
from propdesk.domain.errors import ConfigError, reason_zh

BASE = EXAMPLE_CONFIG.read_text(encoding="utf-8")
LIU = 'id = "eng-liu"\nname = "刘师傅"\nrole = "responsible"\ndepartment = "engineering"'


def refused(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    return info.value


@pytest.mark.parametrize("change,path,hint", [
    # enum values
    (lambda s: s.replace(LIU, LIU.replace('"responsible"', '"responsibel"')),
     "$.people[id=eng-liu].role", "did you mean 'responsible'?"),
    # references
    (lambda s: s.replace(LIU, LIU.replace('"engineering"', '"enginering"')),
     "$.people[id=eng-liu].department", "did you mean 'engineering'?"),
    (lambda s: s.replace('people = ["desk-chen", "eng-liu", "sec-sun"]',
                         'people = ["desk-chen", "eng-lui", "sec-sun"]'),
     "$.shifts[1].people[1]", "did you mean 'eng-liu'?"),
    (lambda s: s.replace('categories = ["engineering"]', 'categories = ["engineerin"]'),
     "$.departments[id=engineering].categories[0]", "did you mean 'engineering'?"),
    (lambda s: s.replace('end = "08:00"\n', 'end = "08:00"\ndays = ["mon", "thur"]\n', 1),
     "$.shifts[1].days[1]", "did you mean 'thu'?"),
    # unknown keys
    (lambda s: s.replace(LIU, LIU + '\nareass = ["B"]'),
     "$.people[id=eng-liu].areass", "did you mean 'areas'?"),
    (lambda s: s.replace('price = "30.00"', 'price = "30.00"\nuint = "次"', 1),
     "$.fees[code=E01].uint", "did you mean 'unit'?"),
    (lambda s: s + '\n[desk]\nfuture_tolerence = "5m"\n',
     "$.desk.future_tolerence", "did you mean 'future_tolerance'?"),
    (lambda s: s.replace("[sla]", "[slas]"), "$.slas", "did you mean 'sla'?"),
])
def test_the_path_names_the_item_and_the_nearest_value(change, path: str, hint: str) -> None:
    text = change(BASE)
    assert text != BASE
    err = refused(text)
    assert err.path == path, err
    assert hint in err.reason, err


def test_an_item_without_an_id_keeps_its_index() -> None:
    err = refused(BASE.replace('start = "20:00"', 'start = "25:00"'))
    assert err.path == "$.shifts[1].start"


def test_duplicate_ids_name_the_position() -> None:
    err = refused(BASE.replace('id = "eng-liu"', 'id = "eng-zhao"'))
    assert err.path.startswith("$.people[") and "duplicate" in err.reason


def test_reasons_in_chinese() -> None:
    assert reason_zh("unknown person 'eng-lui' (did you mean 'eng-liu'?)") == \
        "未知的人员 'eng-lui'（是否应为 'eng-liu'？）"
    assert reason_zh("unknown key (did you mean 'areas'?)") == "未知键（是否应为 'areas'？）"
    assert reason_zh("'responsibel' is not one of: desk, responsible; did you mean "
                     "'responsible'?") == ("'responsibel' 不是有效值，可选：desk, responsible；"
                                           "是否应为 'responsible'？")
    assert reason_zh("required key is missing") == "缺少必填项"


def test_the_cli_says_it_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "propdesk.toml"
    path.write_text(BASE.replace(LIU, LIU.replace('"responsible"', '"responsibel"')), "utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "--lang", "zh", "list"])
    assert result.exit_code == 8
    assert "$.people[id=eng-liu].role" in result.stderr
    assert "是否应为 'responsible'" in result.stderr and "is not one of" not in result.stderr
