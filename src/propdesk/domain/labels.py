"""Operator-facing labels in Simplified Chinese and English.

Everything a desk operator reads (states, commands, roles, sources, modes,
answers) has both labels, kept as data in ``labels.toml`` beside this module
(one file for translators); error texts live in :mod:`.errors`.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any, Final, Literal

Lang = Literal["zh", "en"]

Labels = dict[str, tuple[str, str]]
"""A table of labels: key -> (Chinese, English)."""


def _catalog() -> dict[str, Any]:
    """``labels.toml`` beside this module: the tables of labels, as data."""
    text = resources.files("propdesk.domain").joinpath("labels.toml").read_text("utf-8")
    return tomllib.loads(text)


CATALOG: Final = _catalog()
"""Every table of ``labels.toml`` (the label tables below, the next steps'
reasons of :mod:`.guidance` and the error reasons' Chinese of :mod:`.errors`)."""


def _labels(table: str) -> Labels:
    return {key: (zh, en) for key, (zh, en) in CATALOG[table].items()}


STATE_LABELS: Final = _labels("state")
COMMAND_LABELS: Final = _labels("command")
ROLE_LABELS: Final = _labels("role")
SOURCE_LABELS: Final = _labels("source")
MODE_LABELS: Final = _labels("mode")
SATISFACTION_LABELS: Final = _labels("satisfaction")
NEXT_STEP_LABELS: Final = _labels("next_step")
"""Why a step comes next, by command name (:func:`.guidance.step_reason`)."""


def label(table: Labels, key: str, lang: Lang = "zh") -> str:
    """The label of ``key`` in ``lang``; the key itself when unknown."""
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]
