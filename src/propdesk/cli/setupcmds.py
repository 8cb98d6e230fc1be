"""``init``, ``config show``, ``config check`` and ``plugins``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.state import CONFIG_NAME, App, load_checked, open_configured_store

if TYPE_CHECKING:
    from propdesk.domain.config import Config
    from propdesk.domain.coverage import Finding

pass_app = click.make_pass_decorator(App)


def starter_toml(name: str, timezone: str, lang: str, db: str = "propdesk.db",
                 storage: Mapping[str, Any] | None = None) -> str:
    """The commented starter configuration with the given values filled in.

    ``storage`` replaces the starter's ``[storage]`` table (``init --force`` keeps
    the replaced file's store, so the new file names the same database)."""
    from importlib.resources import files

    text = (files("propdesk.cli") / "data" / "starter.toml").read_text("utf-8")
    if storage is not None:
        table = dict(storage)
        if table.get("backend", "sqlite") == "sqlite" and set(table) <= {"backend", "path"}:
            db = str(table.get("path", db))
        else:
            head = text.index("[storage]\n")
            tail = text.index("\n\n", head)
            lines = ["[storage]                         # kept from the replaced file"]
            lines += [f"{key} = {toml_value(value)}" for key, value in table.items()]
            text = text[:head] + "\n".join(lines) + text[tail:]
    for key, value in (("name", name), ("timezone", timezone), ("lang", lang), ("db", db)):
        text = text.replace("{" + key + "}", json.dumps(value, ensure_ascii=False))
    return text


def toml_value(value: Any) -> str:
    """A scalar (or an array of scalars) as TOML; JSON's string escapes are TOML's."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``target`` through a temporary file and a rename: never half a file."""
    import os
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def backup_of(target: Path, now: datetime) -> Path:
    """A free name ``<file>.bak-<UTC time>`` (``-2``, ``-3`` … if taken) beside ``target``."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = target.with_name(f"{target.name}.bak-{stamp}")
    n = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.name}.bak-{stamp}-{n}")
        n += 1
    return candidate


def describe_store(config: Config) -> tuple[str, Path | None]:
    """What the configuration's store is, for messages, and its file when it is SQLite."""
    storage = dict(config.storage)
    backend = str(storage.get("backend", "sqlite"))
    if backend == "sqlite":
        path = storage.get("path", "propdesk.db")
        if isinstance(path, str) and path != ":memory:":
            full = Path(config.base_dir) / Path(path).expanduser()
            return f"SQLite {full}", full
        return f"SQLite {path}", None
    if backend == "postgres":
        return f"PostgreSQL schema {storage.get('schema', 'propdesk')}", None
    return backend, None


def create_store(app: App, config: Config) -> None:
    """Create (or open and migrate) the store ``config`` names, and say which it was."""
    what, file = describe_store(config)
    existed = file is not None and file.exists()
    open_configured_store(config, create=True).close()
    if existed:
        app.message(f"数据库已存在，已检查并保留：{what}",
                    f"the database exists and was kept (checked and up to date): {what}")
    elif file is not None:
        app.message(f"已创建数据库：{what}", f"created the database: {what}")
    else:
        app.message(f"存储已就绪（如不存在则已创建）：{what}",
                    f"the store is ready (created where it was missing): {what}")


def program() -> str:
    """How to type ``propdesk`` in follow-up commands so that it runs from here.

    ``propdesk`` when that name on the PATH is the program running; else the
    path it was started by (``.venv/bin/propdesk`` after the README's commands,
    without activating the environment), or ``python -m propdesk``."""
    import os
    import shutil
    import sys

    argv0 = sys.argv[0] if sys.argv else ""
    here = Path(argv0)
    if here.name == "__main__.py" and here.parent.name == "propdesk":
        return f"{_short(Path(sys.executable))} -m propdesk"
    if not here.name.startswith("propdesk") or not here.is_file():
        return "propdesk"  # embedded (tests, another program): the documented name
    found = shutil.which("propdesk")
    if found and os.path.samefile(found, here):
        return "propdesk"
    return _short(here)


def _short(path: Path) -> str:
    """``path`` relative to the current folder when below it, else absolute."""
    import shlex

    full = path.absolute()
    try:
        text = str(full.relative_to(Path.cwd()))
        text = text if "/" in text or "\\" in text else f"./{text}"
    except ValueError:
        text = str(full)
    return shlex.quote(text)


def _init_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``init --lang`` is also the language of init's own messages."""
    if value is not None:
        value = value.lower()
        app = ctx.find_root().obj
        if isinstance(app, App):
            app.set_global("lang", value)
    return value


@click.command("init")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="海德花园", show_default=True,
              help="The community's name (for a new file).")
@click.option("--timezone", default="Asia/Shanghai", show_default=True,
              help="The community's time zone, IANA name (for a new file).")
@click.option("--lang", "cfg_lang", type=click.Choice(["zh", "en"], case_sensitive=False),
              callback=_init_lang, is_eager=True,
              help="Language of labels and messages, written into a new file [default: zh]; "
                   "also the language of init's messages.")
@click.option("--force", is_flag=True,
              help="Replace an existing configuration file by the starter; the old file is "
                   "kept as FILE.bak-<time> and the new one names the same store.")
@pass_app
def init(app: App, folder: Path | None, name: str, timezone: str, cfg_lang: str | None,
         force: bool) -> None:
    """Create the store of a configuration; write a starter propdesk.toml if there is none.

    The configuration is FOLDER/propdesk.toml, else the file --config (or
    PROPDESK_CONFIG) names, else ./propdesk.toml.  When it exists, it is
    left exactly as it is and the store it configures is created (the SQLite
    file, relative to the configuration's folder, or the PostgreSQL schema);
    an existing store is kept.  When it does not exist, a commented starter
    is written: a small community with four departments, a roster with day
    and night shifts, a fee schedule and two assets; edit it to yours.
    """
    from propdesk.config import parse_config
    from propdesk.domain.errors import ConfigError

    if folder is not None:
        target = folder / CONFIG_NAME
    elif app.sources.get("config_path") in ("commandline", "environment") and app._config_arg:
        target = Path(app._config_arg)
    else:
        target = Path.cwd() / CONFIG_NAME
    if target.exists() and not force:
        config = load_checked(target)  # a bad file is reported with its key; nothing is written
        ctx = click.get_current_context()
        ignored = [f"--{p}" for p in ("name", "timezone")
                   if ctx.get_parameter_source(p) is click.core.ParameterSource.COMMANDLINE]
        click.echo(str(target))
        app.message(f"配置文件 {target} 已存在，未作改动",
                    f"the configuration {target} exists and was left as it is")
        if ignored:
            app.message(f"{'、'.join(ignored)} 只用于新建配置文件，已忽略（替换文件请加 --force）",
                        f"{', '.join(ignored)} only apply to a new file and were ignored "
                        "(--force replaces the file)")
        create_store(app, config)
        return
    old_storage: Mapping[str, Any] | None = None
    backup: Path | None = None
    if target.exists():
        try:
            old_storage = load_checked(target).storage
        except ConfigError:
            old_storage = None  # the replaced file does not load: the starter's store
        backup = backup_of(target, app.clock.now())
        backup.write_bytes(target.read_bytes())
    text = starter_toml(name, timezone, cfg_lang or "zh", storage=old_storage)
    try:
        parse_config(text, base_dir=target.parent)
    except ConfigError as exc:
        option = {"$.community.timezone": "--timezone", "$.community.name": "--name"}.get(
            exc.path, exc.path)
        if backup is not None:
            backup.unlink()
        raise CliError(ExitCode.INVALID_INPUT, f"{option}: {exc.reason}",
                       f"{option}：{exc.reason}", code="invalid_value",
                       hint_en="e.g. Asia/Shanghai, Asia/Hong_Kong, Europe/London",
                       hint_zh="例如 Asia/Shanghai、Asia/Hong_Kong、Europe/London") from None
    write_atomically(target, text.encode("utf-8"))
    config = load_checked(target)
    click.echo(str(target))
    if backup is not None:
        app.message(f"已用初始配置替换 {target}；原文件已备份为 {backup}",
                    f"replaced {target} by the starter; the old file is kept as {backup}")
        if old_storage is None:
            app.message("原文件无法读取，新文件使用初始配置的数据库设置（[storage]）",
                        "the old file did not load, so the new one has the starter's "
                        "[storage] table")
    else:
        app.message(f"已生成初始配置 {target}", f"wrote the starter configuration {target}")
    create_store(app, config)
    cfg = "" if target == Path.cwd() / CONFIG_NAME else f" --config {target}"
    run = program()
    app.message(
        f"下一步：按本小区修改人员与排班（{run}{cfg} config check 检查），然后\n"
        f"  {run}{cfg} --as desk-wang record --source owner_call "
        f"--mode immediate --content 厨房水管漏水 --location 5-1-1202",
        f"Next: edit the people and shifts to your community (check with {run}{cfg} "
        f"config check), then\n"
        f"  {run}{cfg} --as desk-wang record --source owner_call "
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
@click.option("--strict", is_flag=True,
              help="Treat the warnings (a category without a department, hours a department "
                   "has no one on duty) as errors: exit code 8.")
@pass_app
def config_check(app: App, as_json: bool, check_storage: bool, strict: bool) -> None:
    """Check the configuration file (syntax, keys, types, references between tables),
    then what would fail at dispatch: every category no department answers for
    (R-50) and every hour of the week a department has no one on duty (R-51,
    R-53).  Those are warnings; with --strict, errors."""
    from propdesk.domain.coverage import coverage_findings

    app.json_mode = as_json
    cfg = app.config
    check_storage_table(cfg.storage)
    from propdesk.cli.watch import configured_channels

    for channel in configured_channels(app):  # each kind's plugin checks its keys and secrets
        channel.close()
    if check_storage:
        open_configured_store(cfg, create=False, config_file=app.config_path()).close()
    findings = [finding_dict(cfg, f) for f in coverage_findings(cfg)]
    severity = "error" if strict else "warning"
    summary = {"ok": not (strict and findings), "path": str(app.config_path()),
               "people": len(cfg.people), "departments": len(cfg.departments),
               "shifts": len(cfg.shifts), "fees": len(cfg.fees), "assets": len(cfg.assets),
               "warnings": [] if strict else findings, "errors": findings if strict else []}
    if as_json:
        app.emit_json(summary)
    else:
        for f in findings:
            label = app.t("错误" if strict else "警告", severity)
            app.message(f"{label} [{f['path']}]：{f['message_zh']}\n  建议：{f['hint_zh']}",
                        f"{label} [{f['path']}]: {f['message']}\n  hint: {f['hint']}")
    if strict and findings:
        raise CliError(ExitCode.CONFIG,
                       f"{len(findings)} problem(s) in {summary['path']} (--strict)",
                       f"{summary['path']} 有 {len(findings)} 个问题（--strict）",
                       code="config_strict", details={"path": findings[0]["path"]})
    if as_json:
        return
    counts = (f"（{summary['people']} 人，{summary['departments']} 个部门，"
              f"{summary['shifts']} 个班次，{summary['fees']} 个收费项目）",
              f" ({summary['people']} people, {summary['departments']} departments, "
              f"{summary['shifts']} shifts, {summary['fees']} fee items)")
    if findings:
        app.message(f"配置可用，但有 {len(findings)} 个警告：{summary['path']}{counts[0]}",
                    f"configuration usable, with {len(findings)} warning(s): "
                    f"{summary['path']}{counts[1]}")
    else:
        app.message(f"配置正确：{summary['path']}{counts[0]}",
                    f"configuration ok: {summary['path']}{counts[1]}")


def finding_dict(config: Config, finding: Finding) -> dict[str, Any]:
    """A coverage finding with its messages and hint in both languages (R-50 … R-53)."""
    from propdesk.domain.coverage import gaps_text, week_range_text

    if finding.code == "no_department":
        cat = config.category_by_id[finding.subject]
        name_zh, name_en = cat.name, cat.name_en or cat.name
        return {
            "code": finding.code, "path": finding.path, "category": finding.subject,
            "message": f"category {finding.subject} ({name_en}) has no department: "
                       "dispatching it is refused (R-50)",
            "message_zh": f"分类 {finding.subject}（{name_zh}）没有负责部门：派单会被拒绝（R-50）",
            "hint": f'add "{finding.subject}" to the categories of one [[departments]] table',
            "hint_zh": f'在某个 [[departments]] 的 categories 中加入 "{finding.subject}"',
        }
    dept = config.department_by_id[finding.subject]
    name_zh, name_en = dept.name, dept.name_en or dept.name
    return {
        "code": finding.code, "path": finding.path, "department": finding.subject,
        "gaps": [{"text": week_range_text(s, e, "en"), "text_zh": week_range_text(s, e, "zh"),
                  "start_minute": s, "end_minute": e}
                 for s, e in finding.gaps],
        "message": f"{finding.subject} ({name_en}): no one on duty {gaps_text(finding, 'en')}; "
                   "a dispatch then is refused (R-53), an emergency goes to anyone on duty "
                   "in the field (R-52)",
        "message_zh": f"{finding.subject}（{name_zh}）：{gaps_text(finding, 'zh')} 无人值班；"
                      "此时派单会被拒绝（R-53），紧急事项改派任一在岗现场人员（R-52）",
        "hint": f"add a [[shifts]] table for these hours with a person of {finding.subject} "
                f"(people whose department = \"{finding.subject}\")",
        "hint_zh": f"在 [[shifts]] 中为这些时段安排 {finding.subject} 部门的人员"
                   f"（department = \"{finding.subject}\" 的人员）",
    }


BUILTIN_FORMAT_INFO: dict[str, tuple[str, str, str]] = {
    "table": ("text/plain", "终端表格", "a table for the terminal"),
    "json": ("application/json", "完整数据（JSON）", "the whole report as JSON"),
    "csv": ("text/csv", "表格文件（UTF-8，带 BOM，可用 Excel/WPS 打开）",
            "for spreadsheets (UTF-8 with a BOM)"),
    "md": ("text/markdown", "Markdown 文本", "Markdown text"),
    "html": ("text/html", "网页（可打印，季度报告含图表）",
             "a printable page (the quarterly report with its chart)"),
}
"""Media type and description (zh, en) of each built-in report format (``report --format``)."""


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@pass_app
def plugins(app: App, as_json: bool) -> None:
    """List installed plugins, storage backends, output formats and config tables."""
    from propdesk import plugins as p
    from propdesk.cli.reports import BUILTIN_FORMATS

    app.json_mode = as_json
    pm = p.default_plugin_manager()
    builtin = [{"name": name, "media_type": BUILTIN_FORMAT_INFO[name][0],
                "description": app.t(*BUILTIN_FORMAT_INFO[name][1:]), "builtin": True}
               for name in BUILTIN_FORMATS]
    data: dict[str, list[Any]] = {
        "plugins": sorted(name for name, _plugin in pm.list_name_plugin() if name),
        "stores": [{"name": b.name, "description": b.description, "keys": list(b.keys)}
                   for b in p.store_backends().values()],
        "formats": builtin + [{"name": r.name, "media_type": r.media_type,
                               "description": r.description, "builtin": False}
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
        table.add_row(app.t("插件", "plugin"), name, "")
    for b in data["stores"]:
        table.add_row(app.t("存储", "store"), b["name"], b["description"])
    for r in data["formats"]:
        origin = app.t("（内置）", "(built in)") if r["builtin"] else ""
        table.add_row(app.t("格式", "format"), r["name"],
                      f"{r['media_type']} {r['description']} {origin}".strip())
    for t in data["config_tables"]:
        table.add_row(app.t("配置表", "config table"), t["name"], t["description"])
    for kind in data["notifier_kinds"]:
        table.add_row(app.t("通知渠道", "notifier"), kind,
                      app.t("[[notifiers]] 通知渠道类型", "a [[notifiers]] kind"))
    app.out.print(table)
