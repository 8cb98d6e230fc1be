"""Exit codes of the ``propdesk`` command and the errors that carry them.

Every failure reaches the person at the desk as one or two lines on stderr
that name the field, value or rule and what would be accepted, and as a
stable exit code (the table below, also in ``docs/cli.md``).  A traceback
is printed only for an internal error and only when ``PROPDESK_DEBUG=1``.

This module imports nothing heavy: the CLI's start-up path uses it.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """The documented exit codes."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    INVALID_INPUT = 3
    NOT_FOUND = 4
    CONFLICT = 5
    PERMISSION = 6
    RULE_REFUSED = 7
    CONFIG = 8
    STORAGE = 9
    BATCH_REFUSED = 10
    AUDIT_FAILED = 11
    INTERRUPTED = 130


EXIT_CODE_DOCS: dict[ExitCode, tuple[str, str]] = {
    ExitCode.OK: ("success", "成功"),
    ExitCode.INTERNAL: (
        "a bug (run again with PROPDESK_DEBUG=1 and report the traceback)",
        "程序缺陷（设置 PROPDESK_DEBUG=1 重试并报告）",
    ),
    ExitCode.USAGE: (
        "unknown command or option, missing argument, a value click refuses (not a number, "
        "not one of an option's choices), no acting person (--as)",
        "未知命令或选项、缺少参数、未指明操作人（--as）",
    ),
    ExitCode.INVALID_INPUT: (
        "a value of the wrong type or form (time, amount, JSON, phone number, ticket id), "
        "too long, not a known category or choice, control characters in text, a time "
        "ahead of the clock",
        "类型或格式错误（时间、金额、JSON、电话号码、工单号）、超长、不在可选值内、"
        "文本含控制字符、时间晚于当前时间",
    ),
    ExitCode.NOT_FOUND: ("no such ticket or person", "无此工单或人员"),
    ExitCode.CONFLICT: (
        "the ticket id is taken, or someone else changed the ticket meanwhile",
        "工单号已被使用，或工单已被他人修改",
    ),
    ExitCode.PERMISSION: (
        "the acting person may not do this (or see personal data)",
        "操作人无权执行此操作（或查看个人信息）",
    ),
    ExitCode.RULE_REFUSED: (
        "refused by a rule of the desk: wrong state, time order, fee schedule …",
        "业务规则拒绝：状态不允许、时间顺序、收费标准等",
    ),
    ExitCode.CONFIG: (
        "no configuration file, a syntax error, an unknown key or a wrong type",
        "找不到配置文件、语法错误、未知键或类型错误",
    ),
    ExitCode.STORAGE: (
        "the database cannot be opened or reached",
        "无法打开或连接数据库",
    ),
    ExitCode.BATCH_REFUSED: (
        "at least one line of the batch file was refused (the others were applied)",
        "批量导入时至少一行被拒绝（其余各行已生效）",
    ),
    ExitCode.AUDIT_FAILED: (
        "audit: the event log's hash chain does not verify (tampering or corruption)",
        "审计失败：事件日志哈希链校验不通过（被篡改或损坏）",
    ),
    ExitCode.INTERRUPTED: ("Ctrl-C", "已中断（Ctrl-C）"),
}

# DomainError codes by exit code; any other domain code is a rule refusal.
_INVALID = frozenset({
    "invalid_value", "invalid_type", "invalid_choice", "required", "too_long", "naive_time",
    "invalid_money", "invalid_quantity", "unknown_category", "not_amendable",
    "control_character", "invalid_ticket_id", "invalid_phone", "future_time",
})
_NOT_FOUND = frozenset({"unknown_ticket", "unknown_person"})
_CONFLICT = frozenset({"duplicate_ticket", "conflict", "command_id_reused"})
_PERMISSION = frozenset({"forbidden"})


def exit_code_for(domain_code: str) -> ExitCode:
    """The exit code of a refusal with the given :class:`DomainError` code."""
    if domain_code in _INVALID:
        return ExitCode.INVALID_INPUT
    if domain_code in _NOT_FOUND:
        return ExitCode.NOT_FOUND
    if domain_code in _CONFLICT:
        return ExitCode.CONFLICT
    if domain_code in _PERMISSION:
        return ExitCode.PERMISSION
    return ExitCode.RULE_REFUSED


HINTS_ZH: dict[str, str] = {
    "initialise a new store (propdesk init in another folder)":
        "请在另一个文件夹中用 propdesk init 初始化新存储",
    "e.g. Asia/Shanghai, Asia/Hong_Kong, Europe/London":
        "例如 Asia/Shanghai、Asia/Hong_Kong、Europe/London",
    "a refusal in a simulation is a bug of the scenario or the simulator (R-91)":
        "模拟中出现拒绝说明场景或模拟器有缺陷（R-91）",
    "pass --ticket ID": "请用 --ticket 指定工单号",
}
"""Chinese of the hints that commands give only in English."""


class CliError(Exception):
    """An error the CLI reports itself: both languages, an exit code, an optional hint."""

    def __init__(
        self,
        exit_code: ExitCode,
        en: str,
        zh: str | None = None,
        *,
        hint_en: str = "",
        hint_zh: str = "",
        code: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(en)
        self.exit_code = exit_code
        self.en = en
        self.zh = zh or en
        self.hint_en = hint_en
        self.hint_zh = hint_zh or HINTS_ZH.get(hint_en, hint_en)
        self.code = code or exit_code.name.lower()
        self.details = details or {}

    def message(self, lang: str) -> str:
        """The message (and hint, on a second line) in ``lang``."""
        text = self.zh if lang == "zh" else self.en
        hint = self.hint_zh if lang == "zh" else self.hint_en
        return f"{text}\n{hint}" if hint else text

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written with ``--json``."""
        return {
            "code": self.code,
            "exit_code": int(self.exit_code),
            "message": self.en,
            "message_zh": self.zh,
            **({"hint": self.hint_en} if self.hint_en else {}),
            **self.details,
        }


def exit_code_table(lang: str = "en") -> list[tuple[int, str, str]]:
    """``(code, name, meaning)`` rows for the docs and ``propdesk --help``."""
    i = 1 if lang == "zh" else 0
    return [(int(c), c.name.lower(), EXIT_CODE_DOCS[c][i]) for c in ExitCode]


def config_error(path: str, reason: str, file: Any = None) -> CliError:
    """A configuration error naming the key's path and what is wrong; the hint says
    where to fix it (the file, when known) rather than to run the check that failed."""
    en, zh = config_hint(path, file)
    return CliError(ExitCode.CONFIG, f"configuration {path}: {reason}",
                    f"配置错误 {path}：{reason}", code="config",
                    hint_en=en, hint_zh=zh, details={"path": path})


def config_hint(path: str, file: Any = None) -> tuple[str, str]:
    """``(en, zh)``: edit ``path`` in ``file`` (docs/configuration.md), then check again."""
    where_en = f" in {file}" if file else ""
    where_zh = f"（{file}）" if file else ""
    key = path if path != "$" else "the file"
    key_zh = path if path != "$" else "配置文件"
    return (f"edit {key}{where_en} (docs/configuration.md describes every key), then "
            "check again with: propdesk config check",
            f"请修改{where_zh} {key_zh}（各键说明见 docs/configuration.md），改后可用 "
            "propdesk config check 复查")
