"""``init``, ``config show``, ``config check`` and ``plugins``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.state import CONFIG_NAME, App, load_checked, open_configured_store

pass_app = click.make_pass_decorator(App)


def starter_toml(name: str, timezone: str, lang: str, db: str = "propdesk.db") -> str:
    """The commented starter configuration with the given values filled in."""
    from importlib.resources import files

    text = (files("propdesk.cli") / "data" / "starter.toml").read_text("utf-8")
    for key, value in (("name", name), ("timezone", timezone), ("lang", lang), ("db", db)):
        text = text.replace("{" + key + "}", json.dumps(value, ensure_ascii=False))
    return text


def write_config(target: Path, text: str, *, force: bool) -> None:
    if target.exists() and not force:
        raise CliError(ExitCode.CONFLICT, f"{target} already exists",
                       f"{target} 已存在", code="exists",
                       hint_en="pass --force to overwrite it (the database is kept)",
                       hint_zh="如需覆盖请加 --force（数据库保留）")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


@click.command("init")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="海德花园", show_default=True, help="The community's name.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True,
              help="The community's time zone (IANA name).")
@click.option("--lang", "cfg_lang", type=click.Choice(["zh", "en"]), default="zh",
              show_default=True, help="Language of labels and messages.")
@click.option("--force", is_flag=True, help="Overwrite an existing propdesk.toml.")
@pass_app
def init(app: App, folder: Path | None, name: str, timezone: str, cfg_lang: str,
         force: bool) -> None:
    """Write a commented starter propdesk.toml and create the SQLite store.

    FOLDER defaults to the current folder (or the file --config names).  The
    starter describes a small community: four departments, a roster with
    day and night shifts, a fee schedule and two assets; edit it to yours.
    """
    from propdesk.config import parse_config
    from propdesk.domain.errors import ConfigError

    if folder is not None:
        target = folder / CONFIG_NAME
    elif app.sources.get("config_path") in ("commandline", "environment") and app._config_arg:
        target = Path(app._config_arg)
    else:
        target = Path.cwd() / CONFIG_NAME
    text = starter_toml(name, timezone, cfg_lang)
    try:
        parse_config(text, base_dir=target.parent)
    except ConfigError as exc:
        option = {"$.community.timezone": "--timezone", "$.community.name": "--name"}.get(
            exc.path, exc.path)
        raise CliError(ExitCode.INVALID_INPUT, f"{option}: {exc.reason}",
                       f"{option}：{exc.reason}", code="invalid_value",
                       hint_en="e.g. Asia/Shanghai, Asia/Hong_Kong, Europe/London") from None
    write_config(target, text, force=force)
    config = load_checked(target)
    store = open_configured_store(config, create=True)
    store.close()
    click.echo(str(target))
    app.message(
        f"已生成配置 {target} 并创建数据库。下一步：编辑人员与排班，然后\n"
        f"  propdesk --config {target} --as desk-wang record --source owner_call "
        f"--mode immediate --content 厨房水管漏水 --location 5-1-1202",
        f"wrote {target} and created the database. Next: edit the roster and shifts, then\n"
        f"  propdesk --config {target} --as desk-wang record --source owner_call "
        f"--mode immediate --content 'kitchen pipe leaking' --location 5-1-1202")


@click.group("config")
def config() -> None:
    """Show or check the configuration."""


def settings(app: App) -> list[dict[str, Any]]:
    """Every setting in effect with its value and source."""
    rows: list[dict[str, Any]] = []
    path, src, _looked = app.config_location()
    rows.append({"key": "config", "value": str(path) if path else None, "source": {
        "option": "--config", "env": "PROPDESK_CONFIG", "cwd": "./propdesk.toml",
        "user": "user config directory", "none": "not found"}[src]})
    lang, lang_src = app.lang_and_source()
    rows.append({"key": "lang", "value": lang, "source": {
        "option": "--lang", "env": "PROPDESK_LANG", "config": "$.community.lang",
        "locale": "locale (LANG)", "default": "default"}[lang_src]})
    user_src = app.sources.get("user")
    rows.append({"key": "as", "value": app.user, "source": "--as" if user_src == "commandline"
                 else "PROPDESK_USER" if user_src == "environment" else "not set"})
    cfg = app.config
    raw = app.raw_config()

    def src_of(*keys: str) -> str:
        node: Any = raw
        for k in keys:
            if not isinstance(node, dict) or k not in node:
                return "default"
            node = node[k]
        return "file"

    for field in ("name", "timezone", "meeting_time", "lang", "households", "areas"):
        rows.append({"key": f"community.{field}", "value": _plain(getattr(cfg.community, field)),
                     "source": src_of("community", field)})
    for key, value in cfg.storage.items():
        rows.append({"key": f"storage.{key}", "value": _plain(value),
                     "source": src_of("storage", key)})
    for table in ("categories", "departments", "people", "shifts", "fees", "assets"):
        rows.append({"key": table, "value": len(getattr(cfg, table)),
                     "source": src_of(table) if table != "categories" or "categories" in raw
                     else "default"})
    for field in ("content", "note", "other"):
        rows.append({"key": f"limits.{field}", "value": getattr(cfg.limits, field),
                     "source": src_of("limits", field)})
    rows.append({"key": "sla.warn_at", "value": cfg.sla.warn_at,
                 "source": src_of("sla", "warn_at")})
    for rule, allowance in sorted(cfg.sla.allowances.items()):
        rows.append({"key": f"sla.{rule}", "value": "off" if allowance is None else allowance,
                     "source": "file"})
    for name in cfg.extra:
        rows.append({"key": name, "value": "(plugin table)", "source": "file"})
    return rows


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@pass_app
def config_show(app: App, as_json: bool) -> None:
    """Show the settings in effect, each with where it comes from."""
    app.json_mode = as_json
    rows = settings(app)
    if as_json:
        app.emit_json(rows)
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold")
    for head in (app.t("设置", "setting"), app.t("值", "value"), app.t("来源", "source")):
        table.add_column(head)
    for row in rows:
        value = row["value"]
        text = "-" if value is None else (
            ", ".join(map(str, value)) if isinstance(value, list) else str(value))
        table.add_row(row["key"], Text(text), Text(row["source"], style="dim"))
    app.out.print(table)


def check_storage_table(storage: Any) -> None:
    """The ``[storage]`` table names an installed backend and only keys it declares."""
    from propdesk.plugins import DEFAULT_BACKEND, ConfigKeyError, check_keys, store_backends

    table = dict(storage)
    name = table.pop("backend", DEFAULT_BACKEND)
    backends = store_backends()
    if name not in backends:
        raise ConfigKeyError("$.storage.backend", f"unknown storage backend {name!r}; "
                             f"installed: {', '.join(backends)}")
    if backends[name].keys:
        check_keys(table, backends[name].keys)


@config.command("check")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@click.option("--storage", "check_storage", is_flag=True,
              help="Also open the store the configuration names.")
@pass_app
def config_check(app: App, as_json: bool, check_storage: bool) -> None:
    """Check the configuration file (syntax, keys, types, references between tables)."""
    app.json_mode = as_json
    cfg = app.config
    check_storage_table(cfg.storage)
    from propdesk.cli.watch import configured_channels

    for channel in configured_channels(app):  # each kind's plugin checks its keys and secrets
        channel.close()
    if check_storage:
        open_configured_store(cfg, create=False).close()
    summary = {"ok": True, "path": str(app.config_path()), "people": len(cfg.people),
               "departments": len(cfg.departments), "shifts": len(cfg.shifts),
               "fees": len(cfg.fees), "assets": len(cfg.assets)}
    if as_json:
        app.emit_json(summary)
        return
    app.message(
        f"配置正确：{summary['path']}（{summary['people']} 人，{summary['departments']} 个部门，"
        f"{summary['shifts']} 个班次，{summary['fees']} 个收费项目）",
        f"configuration ok: {summary['path']} ({summary['people']} people, "
        f"{summary['departments']} departments, {summary['shifts']} shifts, "
        f"{summary['fees']} fee items)")


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@pass_app
def plugins(app: App, as_json: bool) -> None:
    """List installed plugins, storage backends, output formats and config tables."""
    from propdesk import plugins as p

    app.json_mode = as_json
    pm = p.default_plugin_manager()
    data: dict[str, list[Any]] = {
        "plugins": sorted(name for name, _plugin in pm.list_name_plugin() if name),
        "stores": [{"name": b.name, "description": b.description, "keys": list(b.keys)}
                   for b in p.store_backends().values()],
        "formats": [{"name": r.name, "media_type": r.media_type, "description": r.description}
                    for r in p.renderers().values()],
        "config_tables": [{"name": t.name, "description": t.description}
                          for t in p.config_tables().values()],
        "notifier_kinds": p.notifier_kinds(),
    }
    if as_json:
        app.emit_json(data)
        return
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column(app.t("类型", "kind"))
    table.add_column(app.t("名称", "name"))
    table.add_column(app.t("说明", "description"))
    for name in data["plugins"]:
        table.add_row("plugin", name, "")
    for b in data["stores"]:
        table.add_row("store", b["name"], b["description"])
    for r in data["formats"]:
        table.add_row("format", r["name"], f"{r['media_type']} {r['description']}".strip())
    for t in data["config_tables"]:
        table.add_row("config table", t["name"], t["description"])
    for kind in data["notifier_kinds"]:
        table.add_row("notifier", kind, app.t("[[notifiers]] 通知渠道类型", "a [[notifiers]] kind"))
    app.out.print(table)
