"""The plugin manager: built-ins through the hooks, entry points, blocking, errors."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pluggy
import pytest

from propdesk import hookspecs
from propdesk.adapters.memory import MemoryStore
from propdesk.adapters.sqlite import SQLiteStore
from propdesk.plugins import (
    AUTOLOAD_ENV,
    BLOCK_ENV,
    ConfigKeyError,
    PluginError,
    make_plugin_manager,
    open_store,
    store_names,
)

ROOT = Path(__file__).resolve().parents[2]


def install_fake_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str
) -> None:
    """A distribution on sys.path announcing ``name`` in the ``propdesk`` group."""
    (tmp_path / f"{name}_mod.py").write_text(body, encoding="utf-8")
    info = tmp_path / f"{name}_dist-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}-dist\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[propdesk]\n{name} = {name}_mod\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(AUTOLOAD_ENV, raising=False)
    monkeypatch.delenv(BLOCK_ENV, raising=False)
    sys.modules.pop(f"{name}_mod", None)


STORE_PLUGIN = """
from propdesk.hookspecs import StoreBackend, hookimpl
from propdesk.adapters.memory import MemoryStore

@hookimpl
def propdesk_store_backends():
    return [StoreBackend(name={name!r}, open=lambda table, base: MemoryStore())]
"""


def test_builtins_are_registered_through_the_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    pm = make_plugin_manager()
    assert {"memory", "sqlite"} <= {name for name, _ in pm.list_name_plugin()}
    assert store_names(pm) == ["memory", "sqlite"]


def test_open_store_by_name(tmp_path: Path) -> None:
    pm = make_plugin_manager(autoload=False)
    store = open_store({"backend": "sqlite", "path": "sub.db"}, tmp_path, pm)
    assert isinstance(store, SQLiteStore)
    assert Path(store.path) == tmp_path / "sub.db"
    store.close()
    default = open_store({}, tmp_path, pm)
    assert isinstance(default, SQLiteStore)
    assert Path(default.path) == tmp_path / "propdesk.db"
    default.close()
    assert isinstance(open_store({"backend": "memory"}, tmp_path, pm), MemoryStore)


@pytest.mark.parametrize(
    ("table", "path", "text"),
    [
        ({"backend": "nosuch"}, "$.storage.backend", "installed: memory, sqlite"),
        ({"backend": 3}, "$.storage.backend", "installed: memory, sqlite"),
        ({"backend": "sqlite", "pth": "x"}, "$.storage.pth", "allowed here: busy_timeout, path"),
        ({"backend": "sqlite", "synchronous": "off"}, "$.storage.synchronous", "'full'"),
        ({"backend": "sqlite", "busy_timeout": "5s"}, "$.storage.busy_timeout", "milliseconds"),
        ({"backend": "sqlite", "path": ""}, "$.storage.path", "non-empty"),
        ({"backend": "memory", "path": "x"}, "$.storage.path", "unknown key"),
    ],
)
def test_bad_storage_tables_name_the_key(
    tmp_path: Path, table: dict[str, object], path: str, text: str
) -> None:
    pm = make_plugin_manager(autoload=False)
    with pytest.raises(ConfigKeyError) as info:
        open_store(table, tmp_path, pm)
    assert info.value.path == path
    assert text in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_entry_point_plugins_load_and_can_be_blocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_plugin(tmp_path, monkeypatch, "fakestore", STORE_PLUGIN.format(name="fake"))
    assert "fake" in store_names(make_plugin_manager())
    assert "fake" not in store_names(make_plugin_manager(autoload=False))
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    assert "fake" not in store_names(make_plugin_manager())
    monkeypatch.delenv(AUTOLOAD_ENV)
    monkeypatch.setenv(BLOCK_ENV, "fakestore, sqlite")
    names = store_names(make_plugin_manager())
    assert "fake" not in names
    assert "sqlite" not in names


def test_duplicate_store_names_are_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_plugin(tmp_path, monkeypatch, "clash", STORE_PLUGIN.format(name="sqlite"))
    pm = make_plugin_manager()
    with pytest.raises(PluginError, match=r"'sqlite' is offered twice \(by sqlite and clash\)"):
        store_names(pm)


def test_misspelt_hooks_are_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (
        "from propdesk.hookspecs import hookimpl\n"
        "@hookimpl\ndef propdesk_store_backend():\n    return []\n"
    )
    install_fake_plugin(tmp_path, monkeypatch, "typo", body)
    with pytest.raises(pluggy.PluginValidationError, match="propdesk_store_backend"):
        make_plugin_manager()


def test_importing_plugins_loads_nothing() -> None:
    import subprocess

    code = (
        "import sys, propdesk.plugins, propdesk.hookspecs, propdesk.testing.fixtures;"
        "print(sorted(m for m in ('sqlite3', 'psycopg', 'hypothesis', 'propdesk_postgres',"
        " 'propdesk.adapters.sqlite') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_hook_is_documented() -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    hooks = [name for name in dir(hookspecs) if name.startswith("propdesk_")]
    assert len(hooks) >= 5
    for name in hooks:
        assert re.search(rf"`{name}\b", docs), f"hook {name} missing from docs/plugins.md"
        assert getattr(hookspecs, name).__doc__, f"hook {name} has no docstring"
