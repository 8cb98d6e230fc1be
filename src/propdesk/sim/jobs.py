"""The simulator's records and timings: a job (the simulator's side of one
ticket), a running statistic of waits, and the engine's priorities and leads."""

from __future__ import annotations

from typing import Final

from propdesk.domain.model import Ticket
from propdesk.sim.draws import Sampler
from propdesk.sim.scenario import Stream

__all__ = ["CONTACT_LEAD", "DRAIN_LIMIT", "EARLY", "LEAVE_LEAD", "P_ARRIVAL", "P_DUTY",
           "P_WORK", "Q_CALL", "Q_CALLBACK", "Q_DISPATCH", "Q_EMERGENCY", "Job", "Stat"]

# heap priorities at equal times: roster changes, then work, then new calls
P_DUTY: Final = 0
P_WORK: Final = 1
P_ARRIVAL: Final = 2
# desk queue classes
Q_EMERGENCY: Final = 0
Q_CALL: Final = 1
Q_DISPATCH: Final = 2
Q_CALLBACK: Final = 3

CONTACT_LEAD: Final = 20 * 60.0
"""Appointments: the assignee calls the owner this long before (S-6 asks 15 min)."""
LEAVE_LEAD: Final = 15 * 60.0
"""Appointments: the work order joins the assignee's queue this long before."""
EARLY: Final = 4 * 60.0
"""Appointments: aim to arrive this long before (S-8's window is 3–5 min)."""
DRAIN_LIMIT = 30 * 86400.0
"""With ``drain``, a run that still has open tickets this long after the horizon
is stuck (work queued for a department that is never on duty): it fails."""


class Job:
    """The simulator's side of one ticket."""

    __slots__ = (
        "appointment",
        "arrival",
        "assignee",
        "category",
        "counted",
        "desk",
        "durations",
        "emergency",
        "id",
        "no_show_done",
        "priority",
        "queued_at",
        "resume",
        "stream",
        "ticket",
    )

    def __init__(self, jid: str, stream: Stream, arrival: float,
                 durations: dict[str, Sampler]) -> None:
        self.id = jid
        self.stream = stream
        self.arrival = arrival
        self.category = stream.category
        self.durations = durations
        self.ticket: Ticket | None = None
        self.counted: str | None = None
        """Who holds the ticket's open work order, as the routing counts have it."""
        self.emergency = False
        self.appointment: float | None = None
        self.desk = False
        self.assignee = ""
        self.priority = 1
        self.queued_at = 0.0
        self.resume = False
        self.no_show_done = False


class Stat:
    """Count, sum, sum of squares and maximum of a series of waits (seconds)."""

    __slots__ = ("max", "n", "sum", "sum2")

    def __init__(self) -> None:
        self.n = 0
        self.sum = 0.0
        self.sum2 = 0.0
        self.max = 0.0

    def add(self, x: float) -> None:
        self.n += 1
        self.sum += x
        self.sum2 += x * x
        if x > self.max:
            self.max = x

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {"n": self.n, "mean_s": round(self.mean, 3), "max_s": round(self.max, 3)}
