"""The CLI's context object: configuration, acting person, language, desk, output.

Everything is loaded on first use, so ``propdesk --help`` and usage errors
never touch the configuration or the database.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from propdesk.cli.errors import CliError, ExitCode, config_error
from propdesk.domain.durations import text_seconds

if TYPE_CHECKING:
    from rich.console import Console

    from propdesk.desk import Desk
    from propdesk.domain.config import Config
    from propdesk.ports import Clock, EventStore

CONFIG_NAME = "propdesk.toml"
APP_NAME = "propdesk"


class Overrides:
    """What tests and the demo inject through ``ctx.obj``: a clock, a store, a width."""

    def __init__(self, clock: Clock | None = None,
                 store_factory: Callable[[Config], EventStore] | None = None,
                 width: int | None = None) -> None:
        self.clock = clock
        self.store_factory = store_factory
        self.width = width


def user_config_path() -> Path:
    """The per-user configuration file (``~/.config/propdesk/propdesk.toml`` on Linux)."""
    import click

    return Path(click.get_app_dir(APP_NAME)) / CONFIG_NAME


def locale_lang() -> str | None:
    """``zh`` or ``en`` from ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG``, else ``None``."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            low = value.lower()
            if low.startswith("zh"):
                return "zh"
            if low.startswith("en"):
                return "en"
            return None
    return None


class App:
    """``ctx.obj`` of every propdesk command."""

    def __init__(self, *, config_path: str | None, user: str | None, lang: str | None,
                 overrides: Overrides | None = None,
                 sources: dict[str, str] | None = None) -> None:
        self._config_arg = config_path
        self.user = user
        self._lang = lang
        self.overrides = overrides or Overrides()
        self._instant: datetime | None = None
        self.sources = sources or {}
        self.json_mode = False
        self.cache: dict[str, Any] = {}
        self._config: Config | None = None
        self._raw: dict[str, Any] | None = None
        self._desk: Desk | None = None
        self._store: EventStore | None = None
        self._out: Console | None = None
        self._err: Console | None = None

    def set_global(self, name: str, value: str) -> None:
        """A global option given after the command (``config_path``, ``user``, ``lang``):
        it replaces the one given before it, and nothing loaded yet is kept."""
        if name == "config_path":
            self._config_arg = value
            self._config = None
            self._raw = None
        elif name == "user":
            self.user = value
        elif name == "lang":
            self._lang = value
        else:
            raise ValueError(f"not a global option: {name}")
        self.sources[name] = "commandline"

    # ------------------------------------------------------------ configuration

    def config_location(self) -> tuple[Path | None, str, list[Path]]:
        """``(path or None, source, paths looked at)``; source is ``option``, ``env``,
        ``cwd``, ``user`` or ``none``."""
        if self._config_arg:
            src = self.sources.get("config_path", "commandline")
            return Path(self._config_arg), "env" if src == "environment" else "option", []
        looked = [Path.cwd() / CONFIG_NAME, user_config_path()]
        if looked[0].is_file():
            return looked[0], "cwd", looked
        if looked[1].is_file():
            return looked[1], "user", looked
        return None, "none", looked

    def config_path(self) -> Path:
        """The configuration file to use; a :class:`CliError` when there is none."""
        path, _src, looked = self.config_location()
        if path is not None and self._config_arg and not path.exists():
            run = init_command(path)
            raise CliError(
                ExitCode.CONFIG, f"the configuration file {path} does not exist",
                f"配置文件 {path} 不存在", code="no_config",
                hint_en=f"create it with: {run}", hint_zh=f"可用 {run} 生成初始配置",
            )
        if path is None:
            raise CliError(
                ExitCode.CONFIG,
                "no configuration file: looked at " + ", ".join(map(str, looked)),
                "找不到配置文件，已查找：" + "、".join(map(str, looked)),
                hint_en="create one with `propdesk init`, or pass --config PATH "
                        "(or set PROPDESK_CONFIG)",
                hint_zh="请运行 propdesk init 生成，或使用 --config PATH（或 PROPDESK_CONFIG）",
                code="no_config",
            )
        return path

    @property
    def config(self) -> Config:
        """The checked configuration (plugin tables included)."""
        if self._config is None:
            config = load_config_for_cli(self.config_path())
            self._check_user(config)
            self._config = config
        return self._config

    def _check_user(self, config: Config) -> None:
        """Refuse an acting person (``--as`` / ``PROPDESK_USER``) who is not on the
        roster, whatever the command (reads included)."""
        if not self.user or self.user in config.person_by_id:
            return
        import difflib

        option = "PROPDESK_USER" if self.sources.get("user") == "environment" else "--as"
        close = difflib.get_close_matches(self.user, list(config.person_by_id), n=1)
        ids = ", ".join(list(config.person_by_id)[:12])
        raise CliError(
            ExitCode.NOT_FOUND, f"{option}: no person {self.user!r} in the roster",
            f"{option}：人员名册中没有 {self.user!r}", code="unknown_person",
            hint_en=f"did you mean {close[0]!r}?" if close else f"people: {ids}",
            hint_zh=f"是否应为 {close[0]!r}？" if close else f"人员：{ids}",
            details={"field": option, "value": self.user})

    def raw_config(self) -> dict[str, Any]:
        """The configuration file's TOML as parsed (for ``config show``)."""
        if self._raw is None:
            import tomllib

            path = self.config_location()[0]
            try:
                self._raw = tomllib.loads(path.read_text("utf-8")) if path else {}
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                self._raw = {}
        return self._raw

    # ---------------------------------------------------------------- language

    @property
    def lang(self) -> str:
        """``zh`` or ``en``: --lang / PROPDESK_LANG, the configuration, the locale, zh."""
        return self.lang_and_source()[0]

    def lang_and_source(self) -> tuple[str, str]:
        if self._lang:
            src = self.sources.get("lang", "commandline")
            return self._lang, "env" if src == "environment" else "option"
        path, _src, _looked = self.config_location()
        if path is not None:
            community = self.raw_config().get("community")
            value = community.get("lang") if isinstance(community, dict) else None
            if value in ("zh", "en"):
                return str(value), "config"
        found = locale_lang()
        if found:
            return found, "locale"
        return "zh", "default"

    def t(self, zh: str, en: str) -> str:
        """The text in the current language."""
        return zh if self.lang == "zh" else en

    # -------------------------------------------------------------- the desk

    @property
    def clock(self) -> Clock:
        if self.overrides.clock is None:
            from propdesk.adapters.clock import SystemClock

            self.overrides.clock = SystemClock()
        return self.overrides.clock

    def now(self) -> datetime:
        """The current time; while a command is being built, the one instant
        taken for it (so ``--received-at now`` and the default ``--at`` agree)."""
        return self._instant or self.clock.now().replace(microsecond=0)

    def hold_now(self) -> datetime:
        """Take the instant of the command being built: every ``now`` of its
        options, and its own time when ``--at`` is not given, is this instant
        (to the second: people enter and read times to the second)."""
        self._instant = self.clock.now().replace(microsecond=0)
        return self._instant

    def store(self, *, create: bool = False) -> EventStore:
        """The event store the configuration chooses; it must already exist unless
        ``create`` (``import`` creates the store it restores into)."""
        if self._store is None:
            config = self.config
            if self.overrides.store_factory is not None:
                self._store = self.overrides.store_factory(config)
            else:
                self._store = open_configured_store(config, create=create,
                                                    config_file=self.config_path())
        return self._store

    @property
    def desk(self) -> Desk:
        if self._desk is None:
            from propdesk.desk import future_tolerance

            self._desk = cli_desk_class()(self.config, self.store(), clock=self.clock,
                                          future_tolerance=future_tolerance(self.config))
        return self._desk

    def close(self) -> None:
        if self._store is not None and self.overrides.store_factory is None:
            self._store.close()
        self._store = None
        self._desk = None

    # ---------------------------------------------------------- acting person

    def require_user(self, given: str | None = None) -> str:
        """The acting person (``--by``, ``--as`` or ``PROPDESK_USER``); usage error if none."""
        user = given or self.user
        if not user:
            raise CliError(
                ExitCode.USAGE, "who is acting? pass --as PERSON (or set PROPDESK_USER)",
                "请指明操作人：--as 人员编号（或设置 PROPDESK_USER）", code="no_user",
                hint_en="people: " + self.people_hint(), hint_zh="人员：" + self.people_hint())
        return user

    def people_hint(self) -> str:
        try:
            ids = [p.id for p in self.config.people]
        except Exception:
            return "(see propdesk.toml [[people]])"
        return ", ".join(ids[:12]) + (" …" if len(ids) > 12 else "")

    # ------------------------------------------------------------------ output

    @property
    def out(self) -> Console:
        """Rich console on stdout (data)."""
        if self._out is None:
            self._out = make_console(sys.stdout, self.overrides.width)
        return self._out

    @property
    def err(self) -> Console:
        """Rich console on stderr (messages, progress)."""
        if self._err is None:
            self._err = make_console(sys.stderr, self.overrides.width)
        return self._err

    def emit_json(self, data: Any) -> None:
        """One JSON document on stdout."""
        import json

        import click

        from propdesk.masking import json_safe

        click.echo(json_safe(json.dumps(data, ensure_ascii=False, indent=2)))

    def message(self, zh: str, en: str) -> None:
        """A message for the person, on stderr."""
        import click

        from propdesk.masking import neutralise

        click.echo(neutralise(self.t(zh, en)), err=True)

    # ------------------------------------------------------------------ times

    def parse_time(self, text: str, option: str) -> datetime:
        """An operator's time: ``now``, ``-5m``, ``09:05``, ``2026-03-02 09:05`` (local),
        or ISO 8601 with an offset."""
        return parse_time(text, option, self.now(), self.config.zone)

    def local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.config.zone)


def cli_desk_class() -> type[Desk]:
    """The Desk of the command line: its refusals name fields as options
    (``--schedule-shown``, not ``schedule_shown``)."""
    from propdesk.desk import Desk, Result
    from propdesk.domain.commands import Command
    from propdesk.domain.errors import DomainError

    class CliDesk(Desk):
        def handle(self, command: Command, *, expected_version: int | None = None) -> Result:
            try:
                return super().handle(command, expected_version=expected_version)
            except DomainError as err:
                raise err.for_options() from None

    return CliDesk


def make_console(file: Any, width: int | None) -> Console:
    """A rich console whose every piece of text is neutralised
    (:func:`propdesk.masking.neutralise`): tickets' texts cannot carry terminal
    controls or bidirectional overrides into a table, ``show`` or the board."""
    from rich.console import Console
    from rich.segment import Segment

    from propdesk.masking import neutralise

    class NeutralConsole(Console):
        def render(self, renderable: Any, options: Any = None) -> Any:
            for seg in super().render(renderable, options):
                if seg.control is None and seg.text:
                    safe = neutralise(seg.text)
                    if safe is not seg.text and safe != seg.text:
                        seg = Segment(safe, seg.style, seg.control)
                yield seg

    if width is None and not (hasattr(file, "isatty") and file.isatty()):
        width = int(os.environ.get("COLUMNS", "0") or 0) or 160
    return NeutralConsole(file=file, width=width, soft_wrap=False, highlight=False)


def load_config_for_cli(path: Path) -> Config:
    """:func:`load_checked`, its errors worded for the person (both languages)."""
    from propdesk.domain.errors import ConfigError, reason_zh

    try:
        return load_checked(path)
    except ConfigError as exc:
        err = config_error(exc.path, exc.reason)
        err.zh = f"配置错误 {exc.path}：{reason_zh(exc.reason)}"
        raise err from None


def load_checked(path: Path) -> Config:
    """Load ``path`` with the tables installed plugins own, and let them check theirs."""
    from propdesk.config import load_config
    from propdesk.domain.errors import ConfigError
    from propdesk.domain.sla import SlaRules
    from propdesk.plugins import config_tables

    tables = config_tables()
    config = load_config(path, extra_tables=tuple(tables))
    SlaRules.from_config(config)  # refuses unknown rule ids and informational rules
    for name, table in tables.items():
        if name in config.extra:
            value = config.extra[name]
            if not isinstance(value, dict):
                raise ConfigError(f"$.{name}", "expected a table")
            try:
                table.check(value)
            except ValueError as exc:
                text = str(exc)
                where, _, reason = text.partition(": ")
                raise ConfigError(where if where.startswith("$") else f"$.{name}",
                                  reason or text) from None
    return config


def init_command(config_file: Path | None) -> str:
    """The ``propdesk init`` command line that acts on ``config_file``."""
    if config_file is None or config_file.absolute() == Path.cwd() / CONFIG_NAME:
        return "propdesk init"
    return f"propdesk --config {config_file} init"


def open_configured_store(config: Config, *, create: bool,
                          config_file: Path | None = None) -> EventStore:
    """Open the configured store; without ``create`` a missing SQLite file is an error
    whose hint is the ``init`` that creates it (``config_file`` is named in it)."""
    from propdesk.plugins import open_store

    storage = dict(config.storage)
    if storage.get("backend", "sqlite") == "sqlite":
        path = storage.get("path", "propdesk.db")
        if isinstance(path, str) and path != ":memory:":
            full = Path(config.base_dir) / Path(path).expanduser()
            if create:
                full.parent.mkdir(parents=True, exist_ok=True)
            elif not full.exists():
                run = init_command(config_file)
                raise CliError(
                    ExitCode.STORAGE, f"the database {full} does not exist",
                    f"数据库 {full} 不存在", code="storage_unavailable",
                    hint_en=f"create it with: {run} (the configuration is kept as it is; "
                            "or check $.storage.path)",
                    hint_zh=f"可运行 {run} 创建（配置文件保持不变；或检查 $.storage.path）")
    return open_store(storage, Path(config.base_dir))


# ---------------------------------------------------------------------- times

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
TIME_FORMS = ("now, -5m (5 minutes ago), +30m, -1h30m, 09:05 (today), 2026-03-02 09:05 (local "
              "time), 2026-03-02 (midnight), 2026-03-02T09:05:00+08:00")
TIME_FORMS_ZH = ("now、-5m（5分钟前）、+30m、-1h30m、09:05（今天）、2026-03-02 09:05（本地时间）、"
                 "2026-03-02（零点）、2026-03-02T09:05:00+08:00")


def parse_time(text: str, option: str, now: datetime, zone: Any) -> datetime:
    """Parse an operator's time in the community's ``zone``; :class:`CliError` if unclear."""
    value = text.strip()
    local_now = now.astimezone(zone)
    if value.lower() == "now":
        return local_now
    # a relative time: a sign, then a duration of the one grammar (propdesk.domain.durations)
    seconds = text_seconds(value[1:]) if value[:1] in ("+", "-") else None
    if seconds is not None:
        delta = timedelta(seconds=seconds)
        return local_now - delta if value[0] == "-" else local_now + delta
    m = _CLOCK.match(value)
    if m:
        h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if h < 24 and mi < 60 and s < 60:
            return local_now.replace(hour=h, minute=mi, second=s, microsecond=0)
    else:
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            dt = None
        if dt is not None:
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=zone)
            return dt
    raise CliError(
        ExitCode.INVALID_INPUT,
        f"{option}: {text!r} is not a time; accepted: {TIME_FORMS}",
        f"{option}：{text!r} 不是有效时间；可用格式：{TIME_FORMS_ZH}",
        code="invalid_time", details={"field": option, "value": text},
    )
