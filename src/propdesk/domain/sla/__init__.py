"""The SLA engine: the time standards S-1 … S-14 (docs/sla.md) and their evaluation.

- :mod:`~propdesk.domain.sla.rules`: the rule table (:data:`RULES`), as data;
- :mod:`~propdesk.domain.sla.milestones`: what the rules read of a ticket
  (cycles, named milestones, series and conditions);
- :mod:`~propdesk.domain.sla.engine`: a community's rules (:class:`SlaRules`)
  compiled into clocks (:func:`clocks`) and outcomes (:func:`outcome_at`,
  :func:`evaluate`, :func:`statuses`);
- :mod:`~propdesk.domain.sla.index`: what falls due when
  (:class:`DeadlineIndex`, S-21).

Everything is pure: the time of evaluation is an argument.  The names below
are the package's API.
"""

from propdesk.domain.sla.engine import (
    UNDECIDED,
    Outcome,
    RuleClock,
    SlaRules,
    clocks,
    evaluate,
    outcome_at,
    outcome_to_dict,
    statuses,
    whole_seconds,
)
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
from propdesk.domain.sla.rules import (
    BREACHED,
    MET,
    NA,
    PENDING,
    RULE_BY_ID,
    RULES,
    DeadlineKind,
    Per,
    Rule,
    Status,
    check_rules,
)

__all__ = [
    "BREACHED",
    "CONDITIONS",
    "MET",
    "MILESTONES",
    "NA",
    "OCCURRENCES",
    "PENDING",
    "RULES",
    "RULE_BY_ID",
    "UNDECIDED",
    "Alert",
    "AlertKey",
    "AlertKind",
    "Condition",
    "CycleView",
    "DeadlineIndex",
    "DeadlineKind",
    "Milestone",
    "MilestoneFn",
    "OccurrenceFn",
    "Occurrences",
    "Outcome",
    "Per",
    "Rule",
    "RuleClock",
    "SlaRules",
    "Status",
    "alerts_for",
    "check_rules",
    "clocks",
    "cycle_views",
    "evaluate",
    "outcome_at",
    "outcome_to_dict",
    "statuses",
    "terminal_at",
    "whole_seconds",
]
