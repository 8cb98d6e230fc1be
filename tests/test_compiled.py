"""The build under test is the one the test run asked for (docs/speed.md).

``scripts/test`` runs the suite on the Python sources, then (with
``PROPDESK_TEST_COMPILED=1``, as CI does) once more on the build compiled
with mypyc; ``PROPDESK_EXPECT_COMPILED`` says which, so a second pass that
silently imported the sources again would fail here.
"""

from __future__ import annotations

import os

import propdesk


def test_the_build_under_test_is_the_expected_one() -> None:
    expected = os.environ.get("PROPDESK_EXPECT_COMPILED", "0") == "1"
    assert propdesk.compiled() is expected, (
        f"expected the {'compiled' if expected else 'Python'} build; "
        f"propdesk.domain.decide comes from {propdesk.__file__!r}'s package")


def test_compiled_modules_come_together() -> None:
    # a build is compiled as a whole: the rules, the SLA engine and the simulator
    from propdesk.domain import decide, fold, sla
    from propdesk.sim import engine

    kinds = {m.__name__: not str(m.__file__).endswith(".py")
             for m in (decide, fold, sla, engine)}
    assert set(kinds.values()) == {propdesk.compiled()}, kinds


def test_the_makers_know_which_build_runs() -> None:
    # the hot constructors take the way that is fastest in each build (_fast)
    from propdesk.domain import _fast

    assert _fast.COMPILED is propdesk.compiled()
