"""Issue 19, blocker 1: a hand-written configuration gets a working desk with
``propdesk init`` and nothing else; ``init --force`` keeps a backup; ``import``
creates the store it restores into; every hint that names ``init`` is true."""

from __future__ import annotations

import re
import secrets
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.cli.cli_support import RECORD, T0

from propdesk.adapters.clock import ManualClock
from propdesk.cli import cli
from propdesk.cli.setupcmds import starter_toml
from propdesk.cli.state import Overrides
from propdesk.config import parse_config

HEAD = re.compile(r"\b[0-9a-f]{64}\b")


def invoke(*args: str, expect: int | None = 0, lang: str = "en") -> Result:
    result = CliRunner().invoke(cli, ["--lang", lang, *args],
                                obj=Overrides(clock=ManualClock(T0)), catch_exceptions=False)
    if expect is not None:
        assert result.exit_code == expect, (
            f"exit {result.exit_code}, expected {expect}\nstdout: {result.stdout}\n"
            f"stderr: {result.stderr}")
    assert "Traceback" not in result.output
    return result


def hand_written(folder: Path, db: str = "data/desk.db") -> Path:
    """A community's own file: the starter's people, another store path, own comments."""
    text = starter_toml("滨江小区", "Asia/Shanghai", "zh", db=db)
    text = "# 滨江小区 — written by hand, keep my comments\n" + text.replace(
        'name = "滨江小区"', 'name   =   "滨江小区"   # aligned by hand')
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "propdesk.toml"
    path.write_bytes(text.encode("utf-8"))
    return path


def follow_hint(stderr: str) -> Result:
    """Run the ``propdesk … init`` command a hint names, exactly as written."""
    match = re.search(r"(propdesk(?: --config \S+)? init)", stderr)
    assert match, stderr
    return invoke(*shlex.split(match.group(1))[1:])


def test_init_keeps_a_hand_written_file_and_creates_its_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = hand_written(tmp_path / "binjiang")
    before = config.read_bytes()
    monkeypatch.chdir(config.parent)
    missing = invoke("--as", "desk-wang", *RECORD, expect=9)
    assert "data/desk.db does not exist" in missing.stderr
    assert "create it with: propdesk init" in missing.stderr

    result = follow_hint(missing.stderr)  # `propdesk init`, in the configuration's folder
    assert config.read_bytes() == before
    assert (config.parent / "data" / "desk.db").is_file()
    assert not (config.parent / "propdesk.db").exists()
    assert "was left as it is" in result.stderr
    assert f"created the database: SQLite {config.parent / 'data' / 'desk.db'}" in result.stderr
    assert list(config.parent.glob("*.bak-*")) == []

    invoke("--as", "desk-wang", *RECORD)
    again = invoke("init")  # a second init keeps the store and its tickets
    assert "the database exists and was kept" in again.stderr
    assert config.read_bytes() == before
    assert '"ticket": "A1"' in invoke("--as", "desk-wang", "show", "A1", "--json").stdout


def test_init_with_config_creates_the_store_beside_that_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = hand_written(tmp_path / "elsewhere" / "conf")
    before = config.read_bytes()
    monkeypatch.chdir(tmp_path)
    missing = invoke("--config", str(config), "list", expect=9)
    assert f"create it with: propdesk --config {config} init" in missing.stderr
    follow_hint(missing.stderr)
    assert config.read_bytes() == before
    assert (config.parent / "data" / "desk.db").is_file()
    assert not (tmp_path / "data").exists() and not (tmp_path / "propdesk.toml").exists()
    invoke("--config", str(config), "list")
    # the options of a new file are refused politely, not applied to this one
    named = invoke("--config", str(config), "init", "--name", "Other")
    assert "--name only apply to a new file" in named.stderr
    assert config.read_bytes() == before


def test_init_in_chinese(tmp_path: Path) -> None:
    config = hand_written(tmp_path / "zh")
    result = invoke("--config", str(config), "init", lang="zh")
    assert "已存在，未作改动" in result.stderr and "已创建数据库" in result.stderr


def test_init_leaves_a_broken_file_alone_and_names_the_key(tmp_path: Path) -> None:
    config = hand_written(tmp_path / "broken")
    config.write_text(config.read_text("utf-8").replace('role = "desk"', 'role = "boss"', 1),
                      encoding="utf-8")
    before = config.read_bytes()
    result = invoke("--config", str(config), "init", expect=8)
    assert "$.people[0].role" in result.stderr or "$.people[id=desk-wang].role" in result.stderr
    assert config.read_bytes() == before
    assert not (config.parent / "data").exists()


def test_init_force_keeps_a_backup_and_the_configured_store(tmp_path: Path) -> None:
    config = hand_written(tmp_path / "force")
    before = config.read_bytes()
    invoke("--config", str(config), "init")
    invoke("--config", str(config), "--as", "desk-wang", *RECORD)
    result = invoke("--config", str(config), "init", "--force")
    backups = list(config.parent.glob("propdesk.toml.bak-*"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == before
    assert backups[0].name == "propdesk.toml.bak-20260302T010000Z"
    assert f"the old file is kept as {backups[0]}" in result.stderr
    assert config.read_bytes() != before
    assert 'path = "data/desk.db"' in config.read_text("utf-8")
    assert not (config.parent / "propdesk.db").exists()
    assert "the database exists and was kept" in result.stderr
    invoke("--config", str(config), "--as", "desk-wang", "show", "A1")
    # a second --force on the same second does not overwrite the first backup
    invoke("--config", str(config), "init", "--force")
    assert len(list(config.parent.glob("propdesk.toml.bak-*"))) == 2
    assert backups[0].read_bytes() == before


def test_init_force_over_a_broken_file_keeps_it_and_says_so(tmp_path: Path) -> None:
    config = tmp_path / "broken" / "propdesk.toml"
    config.parent.mkdir()
    config.write_bytes(b"[community\nname = 'x'\n")
    result = invoke("--config", str(config), "init", "--force")
    [backup] = config.parent.glob("propdesk.toml.bak-*")
    assert backup.read_bytes() == b"[community\nname = 'x'\n"
    assert "the old file did not load" in result.stderr
    assert (config.parent / "propdesk.db").is_file()


def test_init_force_keeps_another_backend_in_the_new_file() -> None:
    storage = {"backend": "postgres", "dsn": "host=db.example user=desk dbname=\"pd\"",
               "schema": "binjiang", "pool_size": 2, "connect_timeout": 2.5}
    text = starter_toml("滨江", "Asia/Shanghai", "zh", storage=storage)
    assert dict(parse_config(text).storage) == storage
    plain = starter_toml("滨江", "Asia/Shanghai", "zh", storage={"backend": "sqlite",
                                                                "path": "x/y.db"})
    assert parse_config(plain).storage == {"backend": "sqlite", "path": "x/y.db"}


def test_a_missing_config_file_names_the_init_that_writes_it(tmp_path: Path) -> None:
    config = tmp_path / "new" / "propdesk.toml"
    missing = invoke("--config", str(config), "list", expect=8)
    assert f"{config} does not exist" in missing.stderr
    follow_hint(missing.stderr)
    assert config.is_file() and (config.parent / "propdesk.db").is_file()
    invoke("--config", str(config), "list")


def test_no_config_at_all_names_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    missing = invoke("list", expect=8)
    assert "propdesk init" in missing.stderr
    follow_hint(missing.stderr)
    invoke("list")


def test_import_creates_a_configured_sqlite_store(tmp_path: Path) -> None:
    source = hand_written(tmp_path / "source")
    invoke("--config", str(source), "init")
    invoke("--config", str(source), "--as", "desk-wang", *RECORD)
    dump = tmp_path / "backup.jsonl"
    exported = invoke("--config", str(source), "--as", "desk-wang", "export", "-o", str(dump))
    head = HEAD.search(exported.stderr)
    assert head, exported.stderr

    target = hand_written(tmp_path / "target", db="restored/new.db")
    before = target.read_bytes()
    result = invoke("--config", str(target), "import", str(dump))
    assert (target.parent / "restored" / "new.db").is_file()
    assert head.group(0) in result.stderr
    verified = invoke("--config", str(target), "audit", "verify")
    assert head.group(0) in verified.stderr  # the full head hash, to compare with a kept one
    assert target.read_bytes() == before
    invoke("--config", str(target), "--as", "desk-wang", "show", "A1")
    again = invoke("--config", str(target), "import", str(dump), expect=5)
    assert "import needs an empty store" in again.stderr
    assert "propdesk init" not in again.stderr


def test_a_refused_import_leaves_no_store_behind(tmp_path: Path) -> None:
    target = hand_written(tmp_path / "target", db="restored/deeper/new.db")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"not": "an export"}\n', encoding="utf-8")
    invoke("--config", str(target), "import", str(bad), expect=3)
    assert not (target.parent / "restored").exists()
    zh = invoke("--config", str(target), "import", str(bad), expect=3, lang="zh")
    assert "导入文件有误：第 1 行不是导出文件中的事件" in zh.stderr
    assert not (target.parent / "restored").exists()


def test_audit_verify_prints_the_full_head_hash(tmp_path: Path) -> None:
    config = hand_written(tmp_path / "audit")
    invoke("--config", str(config), "init")
    invoke("--config", str(config), "--as", "desk-wang", *RECORD)
    result = invoke("--config", str(config), "audit", "verify")
    data = invoke("--config", str(config), "audit", "verify", "--json").stdout
    full = re.search(r'"head_hash": "([0-9a-f]{64})"', data)
    assert full and full.group(1) in result.stderr
    assert full.group(1) in invoke("--config", str(config), "audit", "verify",
                                   lang="zh").stderr


@pytest.mark.postgres
def test_init_creates_the_configured_postgresql_schema(tmp_path: Path,
                                                       propdesk_pg_dsn: str) -> None:
    psycopg = pytest.importorskip("psycopg", reason="propdesk-postgres is not installed")
    schema = f"propdesk_test_init_{secrets.token_hex(4)}"
    config = tmp_path / "pg" / "propdesk.toml"
    config.parent.mkdir()
    text = starter_toml("滨江", "Asia/Shanghai", "zh",
                        storage={"backend": "postgres", "dsn": propdesk_pg_dsn,
                                 "schema": schema, "connect_timeout": 5})
    config.write_text(text, encoding="utf-8")
    before = config.read_bytes()
    try:
        result = invoke("--config", str(config), "init")
        assert f"PostgreSQL schema {schema}" in result.stderr
        assert config.read_bytes() == before
        with psycopg.connect(propdesk_pg_dsn) as conn:
            found = conn.execute("SELECT 1 FROM information_schema.schemata "
                                 "WHERE schema_name = %s", (schema,)).fetchone()
        assert found is not None
        invoke("--config", str(config), "--as", "desk-wang", *RECORD)
        invoke("--config", str(config), "--as", "desk-wang", "show", "A1")
    finally:
        with psycopg.connect(propdesk_pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
