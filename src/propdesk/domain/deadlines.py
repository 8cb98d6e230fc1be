"""The deadline index and the clocks under it, by their earlier module name.

The SLA engine is the package :mod:`propdesk.domain.sla`; the index lives in
:mod:`propdesk.domain.sla.index`.  This module keeps ``from
propdesk.domain.deadlines import DeadlineIndex`` (and the other names that
were defined here) working.
"""

from propdesk.domain.sla.engine import UNDECIDED, RuleClock, clocks, whole_seconds
from propdesk.domain.sla.index import Alert, AlertKey, AlertKind, DeadlineIndex, alerts_for
from propdesk.domain.sla.milestones import (
    CONDITIONS,
    MILESTONES,
    OCCURRENCES,
    Condition,
    CycleView,
    Milestone,
    MilestoneFn,
    OccurrenceFn,
    Occurrences,
    cycle_views,
    terminal_at,
)

__all__ = [
    "CONDITIONS", "MILESTONES", "OCCURRENCES", "UNDECIDED", "Alert", "AlertKey", "AlertKind",
    "Condition", "CycleView", "DeadlineIndex", "Milestone", "MilestoneFn", "OccurrenceFn",
    "Occurrences", "RuleClock", "alerts_for", "clocks", "cycle_views", "terminal_at",
    "whole_seconds",
]
