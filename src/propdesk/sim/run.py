"""Running a scenario and its outputs (R-91, R-92).

:func:`simulate` runs every community of a scenario for one seed and
returns a :class:`RunResult`: the SLA outcomes (the production SLA engine,
:mod:`propdesk.domain.sla`) and the indicators K-1 … K-13 (the production
calculators, :mod:`propdesk.domain.kpi`), plus the simulator's own queue
statistics.  :func:`write_outputs` writes ``events.jsonl`` (the
command log as a batch file, docs/batch-format.md), ``sla.json``, ``kpi.json`` (the JSON
shapes of ``propdesk sla --json`` and ``propdesk kpi --json``), ``report.txt``
and the ``propdesk.toml`` the run used.  Everything written is a function
of the scenario and the seed: sorted JSON keys, fixed float formatting, no
wall clock, no hash-ordered iteration.
"""

from __future__ import annotations

import gc
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction
from operator import attrgetter
from pathlib import Path
from typing import Any, Final, TextIO

import attrs

from propdesk.domain import kpi, sla
from propdesk.domain.facts import TicketFacts, ticket_facts
from propdesk.domain.lifecycle import OPEN
from propdesk.domain.model import Ticket
from propdesk.sim.engine import SimulatedCommunity
from propdesk.sim.scenario import Scenario


@attrs.define
class CommunityResult:
    """One community's run: counts, the KPI tally, SLA summary, queue statistics."""

    index: int
    seed: int
    tickets: int
    commands: int
    start: datetime
    end: datetime
    as_of: datetime
    tally: kpi.Tally
    sla_counts: dict[str, dict[str, int]]
    stats: dict[str, Any]
    outcomes: list[dict[str, Any]] | None = None
    log: str | None = None


@attrs.define
class RunResult:
    """All communities of one seed."""

    scenario: Scenario
    seed: int
    days: int
    communities: list[CommunityResult]

    @property
    def period(self) -> kpi.Period:
        """The statistics' period: from the start to the end of the run (with
        ``drain``, when the last ticket closed).  Every ticket is received before
        the horizon, so the period holds the same tickets as the simulated days,
        and ``propdesk kpi --from START --to AS_OF`` on the replayed log computes
        exactly this."""
        c0 = self.communities[0]
        return kpi.Period(c0.start, max(c.as_of for c in self.communities),
                          f"{self.days} days")

    @property
    def tally(self) -> kpi.Tally:
        total = kpi.Tally()
        for c in self.communities:
            total = total + c.tally
        return total

    def indicators(self) -> dict[str, kpi.Indicator]:
        """The indicators over every community (tallies add up)."""
        return self.tally.indicators(self.period, len(self.scenario.config.assets),
                                     kpi_targets(self.scenario))

    def kpi_json(self) -> dict[str, Any]:
        """The JSON of the indicators, written by the production report code (the
        same text as ``propdesk kpi --json``)."""
        from propdesk.reports.render import indicators_json

        return indicators_json(self.indicators())

    @property
    def tickets(self) -> int:
        return sum(c.tickets for c in self.communities)

    @property
    def commands(self) -> int:
        return sum(c.commands for c in self.communities)


def kpi_targets(sc: Scenario) -> dict[str, kpi.Target | None]:
    """The production targets (kpi.TARGETS) with the scenario's overrides."""
    out = dict(kpi.TARGETS)
    for key, (op, value) in sc.targets.items():
        base = kpi.TARGETS.get(key)
        if base is not None and Fraction(value).limit_denominator(10**6) == base.value:
            continue
        out[key] = kpi.Target(op, Fraction(value).limit_denominator(10**6))
    return out


def fmt(x: float) -> float:
    """Fixed float formatting for outputs: six decimals."""
    return round(float(x), 6)


class _Evaluator:
    """Evaluates tickets with the production SLA engine and KPI calculators and
    adds them up: at the end of the run, or as each ticket closes when its
    outcomes can no longer change (nothing pending), so long runs keep only
    open tickets in memory.

    Per ticket it takes the SLA engine's :func:`~propdesk.domain.sla.statuses`
    (``(rule, status)`` pairs; :class:`~propdesk.domain.sla.Outcome` objects are
    made only when the outcomes are kept).  Tickets repeat a few patterns of
    pairs: each pattern is counted, with its breaches worked out once, and
    :attr:`counts` expands the patterns into the per-rule table.

    Likewise the indicators' tally: tickets whose facts differ only in what
    :meth:`~propdesk.domain.kpi.Tally.add` does not read (the ticket id, its
    receipt time, its asset and downtime) add the same counts, so each such
    set is added once with its number of tickets (``add(facts, n=...)``), in
    the order first met, which keeps the tally's keys in the order adding
    ticket by ticket gives; :meth:`finish` adds them."""

    def __init__(self, sc: Scenario, period: kpi.Period, outcomes: bool) -> None:
        self.rules = sla.SlaRules.from_config(sc.config)
        self.period = period
        self._start, self._end = period.start, period.end
        self.assets = frozenset(a.id for a in sc.config.assets)
        self.zone = sc.config.zone
        self.tally = kpi.Tally()
        # facts key -> [facts, tickets] (see the class docstring)
        self._facts: dict[tuple[Any, ...], list[Any]] = {}
        # (rule, status) pairs -> [tickets, breached rules]
        self._patterns: dict[tuple[tuple[str, str], ...], list[Any]] = {}
        self.outcomes: list[dict[str, Any]] | None = [] if outcomes else None
        self.tickets = 0
        self.reworks = 0
        self.escalations = 0
        self.open_at_end = 0

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Outcomes per rule and status (rules in the order first met)."""
        out: dict[str, dict[str, int]] = {}
        for pairs, (n, _) in self._patterns.items():
            for rule, status in pairs:
                by = out.get(rule)
                if by is None:
                    by = out[rule] = {"met": 0, "breached": 0, "pending": 0, "na": 0}
                by[status] += n
        return out

    def closed(self, t: Ticket, at: datetime) -> bool:
        """Count ``t`` now if it is final (no rule pending at its closing)."""
        pairs = tuple(sla.statuses(t, self.rules, at))
        for _, status in pairs:
            if status == sla.PENDING:
                return False
        self._add(t, pairs, at)
        return True

    def add(self, t: Ticket, as_of: datetime) -> None:
        self._add(t, tuple(sla.statuses(t, self.rules, as_of)), as_of)

    def _add(self, t: Ticket, pairs: tuple[tuple[str, str], ...], as_of: datetime) -> None:
        pattern = self._patterns.get(pairs)
        if pattern is None:
            breaches = tuple(r for r, s in pairs if s == sla.BREACHED)
            pattern = self._patterns[pairs] = [0, breaches]
        pattern[0] += 1
        if self.outcomes is not None:
            zone = self.zone
            self.outcomes.extend(sla.outcome_to_dict(o, zone)
                                 for o in sla.evaluate(t, self.rules, as_of))
        facts = ticket_facts(t, pattern[1])
        if self._start <= facts.received_at < self._end:
            same = _FACTS_KEY(facts)
            seen = self._facts.get(same)
            if seen is None:
                self._facts[same] = [facts, 1]
            else:
                seen[1] += 1
        if facts.down:
            self.tally.add_downtime(facts, self.period, as_of, self.assets)
        self.tickets += 1
        self.reworks += t.rework_count
        if t.escalation_level:
            self.escalations += 1
        if t.state in OPEN:  # (Ticket.open, without two enum look-ups per call)
            self.open_at_end += 1

    def finish(self) -> kpi.Tally:
        """Add the tickets counted so far to :attr:`tally`, and return it."""
        for facts, n in self._facts.values():
            self.tally.add(facts, n=n)
        self._facts.clear()
        return self.tally


_FACTS_KEY: Final = attrgetter(*(
    a.name for a in attrs.fields(TicketFacts)
    if a.name not in ("id", "received_at", "asset", "down")))
"""The facts :meth:`kpi.Tally.add` reads (every field but these four)."""


def run_community(sc: Scenario, seed: int, index: int, *, days: int | None = None,
                  log: bool | TextIO = False, outcomes: bool = False) -> CommunityResult:
    """Simulate one community and evaluate it with the production SLA and KPI code.

    ``log`` true keeps the command log (batch lines) in the result; a text stream writes
    it there instead.  Without ``outcomes`` (the per-rule SLA list) tickets are
    evaluated as they close and dropped, so memory stays flat over a year."""
    buf: TextIO | None = io.StringIO() if log is True else (log or None)
    days_n = days if days is not None else sc.days
    start = datetime.combine(sc.start, time(0), tzinfo=sc.config.zone).astimezone(UTC)
    end = start + timedelta(days=days_n)
    ev = _Evaluator(sc, kpi.Period(start, end), outcomes)
    com = SimulatedCommunity(sc, seed, index=index, days=days_n, log=buf,
                    on_closed=None if outcomes else ev.closed)
    tickets = com.run()
    as_of = com.at(com.end + 0.5) if com.end > com.horizon else end
    for t in tickets.values():  # with outcomes: every ticket, in order, at the end
        ev.add(t, as_of)
    stats = community_stats(com, ev)
    counts = ev.counts
    return CommunityResult(index, seed, com.n_tickets, com.commands, start, end, as_of,
                           ev.finish(), {k: counts[k] for k in sorted(counts, key=_rule_key)},
                           stats, ev.outcomes,
                           buf.getvalue() if isinstance(buf, io.StringIO) else None)


def _rule_key(rule: str) -> tuple[int, str]:
    head, _, num = rule.partition("-")
    return (int(num) if num.isdigit() else 0, head)


def community_stats(com: SimulatedCommunity, ev: _Evaluator) -> dict[str, Any]:
    """Queue statistics of a run (waits in seconds, busy share per person)."""
    span = max(com.end, 1.0)
    return {
        "desk_wait_calls": com.desk_wait_calls.to_dict(),
        "desk_wait_all": com.desk_wait.to_dict(),
        "field_wait": com.field_wait.to_dict(),
        "busy_share": {pid: fmt(com.busy_time[pid] / span)
                       for pid in [p.id for p in com.cfg.people] if com.busy_time.get(pid)},
        "reworks": ev.reworks,
        "escalations": ev.escalations,
        "open_at_end": ev.open_at_end,
    }


@contextmanager
def process_pool(workers: int, **options: Any) -> Iterator[ProcessPoolExecutor]:
    """A pool of worker processes that keep sharing the parent's memory.

    Workers are forked and share the parent's pages until they write to them.
    The cyclic garbage collector writes to every object it examines, so one
    full collection in a worker used to copy everything it inherited (the
    summed PSS of a 100-community year on two workers: 45 MB, 38 MB with
    this).  The parent's objects are moved out of the collector's reach
    (:func:`gc.freeze`) while the pool lives, as the :mod:`gc` documentation
    advises for forking servers."""
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, **options) as pool:
            yield pool
    finally:
        gc.unfreeze()


def simulate(sc: Scenario, seed: int, *, days: int | None = None, log: bool = False,
             outcomes: bool = False, jobs: int = 1) -> RunResult:
    """Run every community of ``sc`` with ``seed``.  Communities are independent
    (each its own generator), so with ``jobs`` > 1 they run in worker processes;
    the result is the same, in community order."""
    n = sc.communities
    if jobs > 1 and n > 1:
        with process_pool(min(jobs, n)) as pool:
            futures = [pool.submit(run_community, sc, seed, i, days=days, log=log,
                                   outcomes=outcomes) for i in range(n)]
            results = [f.result() for f in futures]
    else:
        results = [run_community(sc, seed, i, days=days, log=log, outcomes=outcomes)
                   for i in range(n)]
    return RunResult(sc, seed, days if days is not None else sc.days, results)


# ------------------------------------------------------------------ writing


def dumps(value: Any) -> str:
    """Deterministic JSON text: sorted keys, UTF-8, two-space indent."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def summary(result: RunResult) -> dict[str, Any]:
    """The machine-readable summary of a run (``--json``)."""
    sc = result.scenario
    period = result.period
    return {
        "scenario": sc.name,
        "seed": result.seed,
        "days": result.days,
        "communities": len(result.communities),
        "period": {"start": period.start.astimezone(sc.config.zone).isoformat(),
                   "end": period.end.astimezone(sc.config.zone).isoformat()},
        "as_of": max(c.as_of for c in result.communities).astimezone(
            sc.config.zone).isoformat(),
        "tickets": result.tickets,
        "commands": result.commands,
        "kpi": result.kpi_json(),
        "sla": _merge_counts(c.sla_counts for c in result.communities),
        "stats": {str(c.index): c.stats for c in result.communities},
    }


def _merge_counts(items: Iterable[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for counts in items:
        for rule, by in counts.items():
            acc = out.setdefault(rule, {"met": 0, "breached": 0, "pending": 0, "na": 0})
            for k, v in by.items():
                acc[k] += v
    return {k: out[k] for k in sorted(out, key=_rule_key)}


def report_text(result: RunResult) -> str:
    """A human-readable report of the run (the same on every machine)."""
    s = summary(result)
    lines = [
        f"propdesk simulation — scenario {s['scenario']!r}, seed {s['seed']}",
        f"period {s['period']['start']} .. {s['period']['end']} ({s['days']} day(s)), "
        f"as of {s['as_of']}",
        f"communities {s['communities']}, tickets {s['tickets']}, commands {s['commands']}",
        "",
        "Indicators (信息三率统计, K-1 … K-13)",
        f"  {'id':<5} {'numerator':>10} {'denominator':>12} {'value':>9}  {'target':<7} met",
    ]
    for key, ind in s["kpi"].items():
        value = "n/a" if ind["value"] is None else f"{100 * ind['value']:.2f}%"
        if key == "K-13":
            value = str(ind["numerator"])
        met = {True: "yes", False: "NO", None: "-"}[ind["met"]]
        num = ind["numerator"]
        num_text = f"{num:.3f}" if isinstance(num, float) else str(num)
        lines.append(f"  {key:<5} {num_text:>10} {ind['denominator']:>12} {value:>9}  "
                     f"{ind['target'] or '-':<7} {met}")
    lines += ["", "SLA outcomes by rule (S-1 … S-14)",
              f"  {'rule':<5} {'met':>8} {'breached':>9} {'pending':>8} {'n/a':>8}"]
    for rule, by in s["sla"].items():
        lines.append(f"  {rule:<5} {by['met']:>8} {by['breached']:>9} {by['pending']:>8} "
                     f"{by['na']:>8}")
    lines += ["", "Queues"]
    for idx, st in s["stats"].items():
        dw, fw = st["desk_wait_calls"], st["field_wait"]
        lines.append(f"  community {idx}: calls waited {dw['mean_s']:.1f} s on average "
                     f"(max {dw['max_s']:.0f} s); work orders waited {fw['mean_s'] / 60:.1f} "
                     f"min on average (max {fw['max_s'] / 60:.0f} min); reworks "
                     f"{st['reworks']}, escalations {st['escalations']}, open at end "
                     f"{st['open_at_end']}")
        busy = ", ".join(f"{pid} {100 * share:.0f}%" for pid, share in
                         st["busy_share"].items())
        lines.append(f"    busy: {busy}")
    return "\n".join(lines) + "\n"


def write_outputs(result: RunResult, out: str | Path) -> list[Path]:
    """Write the run's files into ``out``; returns the paths written.

    One community: ``events.jsonl``, ``sla.json``, ``kpi.json``, ``report.txt``,
    ``summary.json`` and ``propdesk.toml``.  Several: the command log and SLA
    outcomes of each community under ``community-N/`` (each replays into its
    own store), the combined ``kpi.json`` and report at the top.
    """
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        written.append(path)

    sc = result.scenario
    put(root / "propdesk.toml", sc.config_toml)
    many = len(result.communities) > 1
    for c in result.communities:
        folder = root / f"community-{c.index}" if many else root
        if c.log is not None:
            put(folder / "events.jsonl", c.log)
        if c.outcomes is not None:
            put(folder / "sla.json", _outcomes_text(c.outcomes))
        if many:
            put(folder / "propdesk.toml", sc.config_toml)
    # the text `propdesk kpi --json` prints for the replayed log (keys in its order)
    put(root / "kpi.json", json.dumps(result.kpi_json(), ensure_ascii=False, indent=2) + "\n")
    put(root / "summary.json", dumps(summary(result)))
    put(root / "report.txt", report_text(result))
    return written


def _outcomes_text(outcomes: Sequence[dict[str, Any]]) -> str:
    """One outcome per line inside a JSON array (diffs stay readable)."""
    if not outcomes:
        return "[]\n"
    body = ",\n".join(json.dumps(o, sort_keys=True, ensure_ascii=False) for o in outcomes)
    return "[\n" + body + "\n]\n"
