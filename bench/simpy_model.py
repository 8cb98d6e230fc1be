"""A hand-written SimPy model of a propdesk scenario: the benchmark's reference.

It models the same community as ``propdesk.sim`` — Poisson arrivals by
hour of day and weekday, the stream mix, desk operators as a priority
resource, field staff per department, the same stage-duration distributions
and probabilities — and checks the main time standards with hand-written
arithmetic on its own timestamps (S-1, S-3, S-4, S-5, S-9, S-10, S-13) and
tallies K-1, K-4, K-5, K-6, K-8 per ticket.  It does *not* run the
production rules (no events, no routing reasons, no lifecycle checks): it is
what a planner would write by hand, and the yardstick propdesk's simulator
is measured against (bench/bench_sim.py).

Staff counts come from the scenario's roster counts (the same for every
shift; the reference scenarios staff every shift alike).  SimPy is a
benchmark-only dependency (``pip install propdesk[bench]``).
"""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

import simpy

from propdesk.sim.draws import Picker
from propdesk.sim.scenario import Scenario

MIN = 60.0


class Model:
    """One community on SimPy's clock; ``run()`` returns the tallies."""

    def __init__(self, sc: Scenario, seed: int, index: int = 0, days: int | None = None) -> None:
        self.sc = sc
        self.env = simpy.Environment()
        self.rng = random.Random(f"simpy-ref/{seed}/{index}")
        self.days = days or sc.days
        rng = self.rng
        self.d = {k: v.sampler(rng) for k, v in sc.durations.items()}
        self.lead = sc.appointment_lead.sampler(rng)
        self.p = sc.probabilities
        cfg = sc.config
        desk = sum(1 for p in sc.desk_people)
        self.desk = simpy.PriorityResource(self.env, capacity=max(1, desk))
        self.field: dict[str, simpy.PriorityResource] = {}
        for dept in cfg.departments:
            n = sum(1 for p in cfg.people if p.department == dept.id and p.role.value
                    == "responsible")
            if n:
                self.field[dept.id] = simpy.PriorityResource(self.env, capacity=n)
        self.dept_of = {}
        for s in sc.streams:
            d = cfg.department_for(s.category)
            self.dept_of[s.name] = d.id if d else ""
        self.modes = {s.name: Picker(dict(s.modes), rng) for s in sc.streams}
        self.tally: dict[str, int] = {k: 0 for k in (
            "tickets", "timely", "eng", "eng_timely", "callbacks", "satisfied", "accepted",
            "first_pass", "returned", "called_back")}
        self.records: list[tuple[float, ...]] = []

    def arrivals(self) -> Generator[Any, Any, None]:
        sc = self.sc
        env = self.env
        total_share = sum(s.share for s in sc.streams)
        horizon = self.days * 86400.0
        t = 0.0
        while t < horizon:
            hour = int(t // 3600)
            h = hour % 24
            wd = (sc.start.weekday() + hour // 24) % 7
            weights = {}
            for s in sc.streams:
                hourly = s.hourly or sc.hourly
                weights[s.name] = (sc.per_day * sc.scale * s.share / total_share
                                   * hourly[h] * 24 / sum(hourly)
                                   * sc.weekday[wd] * 7 / sum(sc.weekday) / 86400.0)
            rate = sum(weights.values())
            end = (hour + 1) * 3600.0
            if rate <= 0:
                t = end
                continue
            x = t + self.rng.expovariate(rate)
            if x >= end:
                t = end
                continue
            yield env.timeout(x - env.now)
            t = x
            pick = Picker(weights, self.rng)()
            stream = next(s for s in sc.streams if s.name == pick)
            env.process(self.ticket(stream))

    def ticket(self, s: Any) -> Generator[Any, Any, None]:
        env, d, p, rng = self.env, self.d, self.p, self.rng
        received = env.now
        mode = self.modes[s.name]()
        prio = 0 if mode == "emergency" else 1
        breaches = 0
        with self.desk.request(priority=prio) as req:
            yield req
            yield env.timeout(d["record"]())
            recorded = env.now
            breaches += recorded - received > 60
            desk = s.desk > 0 and rng.random() < s.desk
            if desk:
                yield env.timeout(d["answer"]())
                returned = env.now
            else:
                yield env.timeout(d["dispatch"]())
                yield env.timeout(d["read_back"]())
                confirmed = env.now
                breaches += confirmed - recorded > 120
                breaches += mode == "emergency" and confirmed - received > 90
                breaches += confirmed - received > 900
        accepted_first = True
        if not desk:
            cycle = 1
            appt = recorded + max(60.0, self.lead()) if mode == "appointment" else None
            while True:
                dispatched = env.now
                if appt is not None and appt - 15 * MIN > env.now:
                    yield env.timeout(appt - 15 * MIN - env.now)
                with self.field[self.dept_of[s.name]].request(priority=prio) as req:
                    yield req
                    yield env.timeout(d["travel"]())
                    if appt is not None and env.now < appt - 4 * MIN:
                        yield env.timeout(appt - 4 * MIN - env.now)
                    arrived = env.now
                    if appt is None:
                        breaches += arrived - dispatched > 600
                    else:
                        breaches += arrived > appt - 3 * MIN
                    yield env.timeout(d["diagnose"]())
                    diagnosed = env.now
                    if rng.random() < p["escalate"]:
                        yield env.timeout(d["escalation"]())
                    yield env.timeout(d["plan"]())
                    breaches += env.now - diagnosed > 180
                    yield env.timeout(d["agree"]())
                    yield env.timeout(d["repair"]())
                    yield env.timeout(d["acceptance"]())
                    rework = rng.random() < p["rework"]
                    if not rework:
                        yield env.timeout(d["return"]())
                if not rework:
                    break
                accepted_first = False
                cycle += 1
                appt = None
                with self.desk.request(priority=2) as req:
                    yield req
                    start = env.now
                    yield env.timeout(d["dispatch"]())
                    breaches += env.now - start > 120
            returned = env.now
        with self.desk.request(priority=3) as req:
            yield req
            yield env.timeout(d["callback"]())
        breaches += env.now - returned > 120
        x = rng.random()
        satisfied = x >= p["dissatisfied"]
        t = self.tally
        t["tickets"] += 1
        t["timely"] += breaches == 0
        if s.category == "engineering":
            t["eng"] += 1
            t["eng_timely"] += breaches == 0
        t["callbacks"] += 1
        t["satisfied"] += satisfied
        t["returned"] += 1
        t["called_back"] += 1
        if not desk:
            t["accepted"] += 1
            t["first_pass"] += accepted_first
        self.records.append((received, recorded, returned, env.now, float(breaches)))

    def run(self) -> dict[str, int]:
        self.env.process(self.arrivals())
        self.env.run()
        return self.tally
