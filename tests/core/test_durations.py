"""The one duration grammar (propdesk.domain.durations, docs/configuration.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propdesk.cli.errors import CliError
from propdesk.cli.state import parse_time
from propdesk.domain.durations import (
    UNITS,
    exact_seconds,
    format_duration,
    text_seconds,
    whole_seconds,
)


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90), ("2m", 120), ("1h30m", 5400), ("1h 30m", 5400), (" 1h30m ", 5400),
    ("1.5h", 5400), ("2d", 172800), ("1d2h3m4s", 93784), ("0s", 0), ("0.5s", Fraction(1, 2)),
    ("0.1h", 360), ("1h0.5m", 3630),
])
def test_accepted_texts(text: str, seconds: Fraction | int) -> None:
    assert exact_seconds(text) == seconds
    assert text_seconds(text) == float(seconds)
    assert whole_seconds(text) == (seconds if Fraction(seconds).denominator == 1 else None)


@pytest.mark.parametrize("text", [
    "", " ", "90", "1.5", "h", "1x", "30m1h", "1h1h", "1 h", "-5m", "1.h", ".5h", "1H",
    "off", "1h30", "5ms",
])
def test_refused_texts(text: str) -> None:
    assert exact_seconds(text) is None and text_seconds(text) is None
    assert whole_seconds(text) is None


@given(st.integers(min_value=0, max_value=10**9))
def test_format_then_parse_is_the_identity(seconds: int) -> None:
    text = format_duration(seconds)
    assert whole_seconds(text) == seconds
    assert format_duration(whole_seconds(text) or 0) == text


components = st.fixed_dictionaries({}, optional={
    u: st.tuples(st.integers(0, 10**6), st.one_of(st.none(), st.integers(0, 999)))
    for u in UNITS})


@given(components.filter(bool), st.sampled_from(["", " ", "  "]))
def test_any_text_of_the_grammar_gives_its_sum(parts: dict[str, tuple[int, int | None]],
                                                 blank: str) -> None:
    text = blank + blank.join(
        f"{whole}{'' if frac is None else f'.{frac:03d}'}{u}"
        for u, (whole, frac) in sorted(parts.items(), key=lambda p: list(UNITS).index(p[0])))
    expected = sum((Fraction(whole) + (Fraction(frac, 1000) if frac is not None else 0))
                   * UNITS[u] for u, (whole, frac) in parts.items())
    assert exact_seconds(text + blank) == expected


def test_negative_seconds_have_no_text() -> None:
    with pytest.raises(ValueError, match="not negative"):
        format_duration(-1)


NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("text", "delta"), [
    ("-5m", -timedelta(minutes=5)), ("+30m", timedelta(minutes=30)),
    ("-1h30m", -timedelta(minutes=90)), ("-1.5h", -timedelta(minutes=90)),
    ("+2d", timedelta(days=2)), ("-1h 30m", -timedelta(minutes=90)),
])
def test_the_cli_relative_times_use_the_grammar(text: str, delta: timedelta) -> None:
    assert parse_time(text, "--at", NOW, ZONE) == NOW + delta


@pytest.mark.parametrize("text", ["-", "+", "-5", "--5m", "-5x"])
def test_the_cli_refuses_a_relative_time_outside_the_grammar(text: str) -> None:
    with pytest.raises(CliError):
        parse_time(text, "--at", NOW, ZONE)


def test_simulate_erlang_reads_its_service_time_with_the_grammar() -> None:
    import json

    from click.testing import CliRunner

    from propdesk.cli.simulate import simulate

    def erlang(spec: str) -> dict[str, float]:
        res = CliRunner().invoke(simulate, ["--erlang", spec, "--json"])
        assert res.exit_code == 0, res.output
        return dict(json.loads(res.output))

    assert erlang("40/h,1.5m,2")["service_s"] == 90.0
    assert erlang("40/h,1m 30s,2") == erlang("40/h,90s,2")
    res = CliRunner().invoke(simulate, ["--erlang", "40/h,2x,2"])
    assert res.exit_code != 0
    assert '--erlang: expected a duration such as "90s", "2m" or "1h30m", got \'2x\'' in str(
        res.exception) + res.output
