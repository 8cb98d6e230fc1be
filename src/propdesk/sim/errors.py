"""Errors of the simulator."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario that does not validate; ``path`` names the key (``$.durations.repair.mean``)."""

    code = "scenario"

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class SimulationError(RuntimeError):
    """The Desk refused a generated command: a bug in the scenario or the simulator
    (R-91).  The run stops; the message names the command and the refusal."""

    code = "simulation"
