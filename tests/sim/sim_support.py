"""Helpers of the simulation tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "scenarios"
GOLDEN = Path(__file__).resolve().parent / "golden"


def scenario_text(extra: str = "", **overrides: str) -> str:
    """A minimal valid scenario, with sections replaced by ``overrides``."""
    parts = {
        "scenario": '[scenario]\nname = "t"\nstart = "2026-03-02"\ndays = 1\n',
        "roster": "[roster]\ndesk = 1\n[roster.staff]\nengineering = 1\n",
        "arrivals": "[arrivals]\nper_day = 20\n[arrivals.streams.repair]\n"
                    'category = "engineering"\n',
    }
    parts.update(overrides)
    return "\n".join(parts.values()) + "\n" + extra


GOLDEN_CASES = {
    # name: (scenario file, seed, days)
    "reference-s1-d2": ("reference.toml", 1, 2),
    "busy-night-s7-d1": ("busy-night.toml", 7, 1),
}


def write_case(name: str, out: Path) -> list[Path]:
    """Run a golden case and write its outputs into ``out``."""
    from propdesk.sim.run import simulate, write_outputs
    from propdesk.sim.scenario import load_scenario

    file, seed, days = GOLDEN_CASES[name]
    sc = load_scenario(EXAMPLES / file)
    result = simulate(sc, seed, days=days, log=True, outcomes=True)
    return write_outputs(result, out)


if __name__ == "__main__":  # python -m tests.sim.sim_support OUT: used by the tests
    import sys

    for case in GOLDEN_CASES:
        write_case(case, Path(sys.argv[1]) / case)
