"""The root ``propdesk`` group: global options, lazy command loading, error handling.

``ctx.obj`` is an :class:`~propdesk.cli.state.App` (configuration, acting
person, language, the desk, the consoles).  Every exception a command lets
out is turned into a message on stderr and a documented exit code here
(:mod:`propdesk.cli.errors`); nothing prints a traceback.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from typing import Any

import click

from propdesk import __version__, version_text
from propdesk.cli.errors import (
    CliError,
    ExitCode,
    config_error,
    config_hint,
    exit_code_for,
    exit_code_table,
)
from propdesk.cli.registry import COMMANDS, SECTIONS


class LazyGroup(click.Group):
    """A group whose commands are imported on first use from :data:`COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for _s, name, _t, _h in COMMANDS] + list(plugin_commands())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for _section, name, target, text in COMMANDS:
            if name == cmd_name:
                command = load_command(name, target)
                command.short_help = text  # the registry's line, as `propdesk --help` shows
                add_global_options(command)
                return command
        extra = plugin_commands().get(cmd_name)  # asked only for names not built in
        if extra is not None:
            add_global_options(extra)
        return extra

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the registry's short help, without importing anything."""
        for section, title in SECTIONS.items():
            rows = [(name, text) for s, name, _t, text in COMMANDS if s == section]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
        extra = plugin_commands()
        if extra:
            with formatter.section("Plugins 插件"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit=80))
                                    for name, cmd in extra.items()])

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Exit codes 退出码"):
            formatter.write_dl([(str(code), f"{name}: {text}")
                                for code, name, text in exit_code_table("en")])

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("\ninterrupted 已中断", err=True)
            ctx.exit(int(ExitCode.INTERRUPTED))
        except Exception as exc:
            code = report_exception(ctx, exc)
            ctx.exit(int(code))


def plugin_commands() -> dict[str, click.Command]:
    """Commands installed plugins add (``propdesk_cli_commands``), built-in names left
    out; an error of the plugins' is reported as a message, never a traceback."""
    from propdesk.plugins import PluginError, cli_commands

    builtin = {name for _s, name, _t, _h in COMMANDS}
    try:
        found = cli_commands()
    except PluginError as exc:
        raise click.ClickException(str(exc)) from None
    for name in found:
        if name in builtin:
            raise click.ClickException(f"a plugin offers the command {name!r}, "
                                       "which is built in")
    return found


def load_command(name: str, target: str) -> click.Command:
    """Import ``module:attribute``; a function attribute is called with the name."""
    module_name, attr = target.split(":")
    obj = getattr(importlib.import_module(module_name), attr)
    if isinstance(obj, click.Command):
        return obj
    command = obj(name)
    assert isinstance(command, click.Command)
    return command


def as_cli_error(exc: BaseException) -> CliError | None:
    """The :class:`CliError` of a known exception, or ``None`` for a bug."""
    if isinstance(exc, CliError):
        return exc
    from propdesk.domain.errors import ConfigError, DomainError

    if isinstance(exc, DomainError):
        return CliError(exit_code_for(exc.code), exc.message("en"), exc.message("zh"),
                        code=exc.code, details={"params": exc.to_dict()["params"]})
    if isinstance(exc, ConfigError):
        return config_error(exc.path, exc.reason)
    from propdesk.plugins import ConfigKeyError, PluginError

    if isinstance(exc, ConfigKeyError):
        return config_error(exc.path, str(exc).removeprefix(f"{exc.path}: "))
    if isinstance(exc, PluginError):
        return CliError(ExitCode.CONFIG, str(exc), f"插件错误：{exc}", code="plugin")
    from propdesk.ports import ConcurrencyConflict, StoreError

    if isinstance(exc, ConcurrencyConflict):
        return CliError(ExitCode.CONFLICT, str(exc), f"工单 {exc.ticket} 已被他人修改，请重试",
                        code="conflict")
    if isinstance(exc, StoreError):
        zh = getattr(exc, "message_zh", None)  # a store may say it in Chinese too
        return CliError(ExitCode.STORAGE, str(exc), zh if isinstance(zh, str) else
                        f"存储不可用：{exc}", code=exc.code)
    from propdesk.backup import BackupError

    if isinstance(exc, BackupError):
        return CliError(ExitCode.INVALID_INPUT, str(exc), f"导入文件有误：{exc.zh}",
                        code="transfer")
    if isinstance(exc, OSError) and exc.filename is not None:
        return CliError(ExitCode.INVALID_INPUT, f"{exc.filename}: {exc.strerror}",
                        f"{exc.filename}：{exc.strerror}", code="file")
    return None


def report_exception(ctx: click.Context, exc: BaseException) -> ExitCode:
    """Write ``exc`` to stderr (text, or JSON under ``--json``); return its exit code."""
    from propdesk.cli.state import App

    app = ctx.obj if isinstance(ctx.obj, App) else None
    lang = app.lang if app is not None else "en"
    err = as_cli_error(exc)
    if err is not None and app is not None:
        localize_times(err, app)
        if err.code == "config" and "path" in err.details:
            err.hint_en, err.hint_zh = config_hint(str(err.details["path"]),
                                                   app.config_location()[0])
    if err is None:
        if os.environ.get("PROPDESK_DEBUG", "") not in ("", "0"):
            import traceback

            traceback.print_exception(exc, file=sys.stderr)
        err = CliError(
            ExitCode.INTERNAL, f"internal error: {type(exc).__name__}: {exc}",
            f"内部错误：{type(exc).__name__}: {exc}", code="internal",
            hint_en="this is a bug; run again with PROPDESK_DEBUG=1 and report the traceback",
            hint_zh="这是程序缺陷；请设置 PROPDESK_DEBUG=1 重试并报告",
        )
    if app is not None and app.json_mode:
        import json

        click.echo(json.dumps({"error": err.to_dict()}, ensure_ascii=False), err=True)
    else:
        prefix = "错误" if lang == "zh" else "error"
        click.echo(f"{prefix} [{err.exit_code.name.lower()}]: {err.message(lang)}", err=True)
    return err.exit_code


_UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00")


def localize_times(err: CliError, app: Any) -> None:
    """Show the UTC times of domain messages in the community's zone (R-32)."""
    try:
        zone = app.config.zone
    except Exception:  # no usable configuration: keep UTC
        return
    from datetime import datetime

    def local(m: re.Match[str]) -> str:
        return datetime.fromisoformat(m.group(0)).astimezone(zone).isoformat()

    err.en = _UTC_TIME.sub(local, err.en)
    err.zh = _UTC_TIME.sub(local, err.zh)


def _lang_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return value.lower() if value else None


# ------------------------------------------------------------ global options after a command

class GlobalOption(click.Option):
    """``--config``, ``--as`` or ``--lang`` given after the command (``propdesk record …
    --as desk-wang``): its value goes to the root context's :class:`App`, as if it had been
    given before the command.  Given in both places, the one after the command wins."""

    global_option = True
    """Marks the option for the reference (``docs/cli.md`` lists it once, not per command)."""


def _set_global(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is None:
        return
    from propdesk.cli.state import App

    app = ctx.find_root().obj
    if isinstance(app, App) and param.name is not None:
        app.set_global(param.name, value.lower() if param.name == "lang" else value)


def global_options() -> list[click.Option]:
    """Fresh copies of the global options for one command (processed first: eager)."""
    common: dict[str, Any] = {"expose_value": False, "callback": _set_global,
                              "is_eager": True}
    return [
        GlobalOption(["--config", "config_path"], metavar="PATH",
                     help="Configuration file (global option, also before the command).",
                     **common),
        GlobalOption(["--as", "user"], metavar="PERSON",
                     help="Who acts (global option, also before the command).", **common),
        GlobalOption(["--lang"], type=click.Choice(["zh", "en"], case_sensitive=False),
                     help="Language of labels and messages (global option, also before the "
                          "command).", **common),
    ]


def add_global_options(command: click.Command) -> None:
    """Accept the global options after ``command`` and each of its subcommands.

    A command that has an option of the same name keeps its own (``init --lang``
    is the language written into the new configuration, and also that of its
    messages).  Adding twice adds nothing."""
    taken = {opt for p in command.params for opt in getattr(p, "opts", ())}
    for option in global_options():
        if not taken.intersection(option.opts):
            command.params.append(option)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"],
                                              "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="propdesk",
                      message=version_text())
@click.option("--config", "config_path", metavar="PATH", envvar="PROPDESK_CONFIG",
              help="Configuration file [env PROPDESK_CONFIG; default ./propdesk.toml, then "
                   "the user's config directory].")
@click.option("--as", "user", metavar="PERSON", envvar="PROPDESK_USER",
              help="Who acts: a person id of the roster [env PROPDESK_USER].")
@click.option("--lang", type=click.Choice(["zh", "en"], case_sensitive=False),
              envvar="PROPDESK_LANG", callback=_lang_callback,
              help="Language of labels and messages [env PROPDESK_LANG; default: the "
                   "configuration's community.lang, then the locale].")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, user: str | None,
        lang: str | None) -> None:
    """propdesk: the front desk of a residential community (首接负责制).

    Tickets are recorded, dispatched, followed and called back with the
    commands below; every read command has --json (data on stdout,
    messages on stderr).  The options --config, --as and --lang may also
    follow the command (propdesk record … --as desk-wang).
    """
    from propdesk.cli.state import App, Overrides

    overrides = ctx.obj if isinstance(ctx.obj, Overrides) else Overrides()
    sources = {
        name: ctx.get_parameter_source(name) for name in ("config_path", "user", "lang")
    }
    ctx.obj = App(config_path=config_path, user=user, lang=lang, overrides=overrides,
                  sources={k: (v.name.lower() if v else "default") for k, v in sources.items()})
    ctx.call_on_close(ctx.obj.close)
