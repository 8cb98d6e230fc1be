"""The table of SLA rules in ``docs/sla.md``, generated from the rule data
(S-1 … S-14): ``python -m propdesk.docgen`` writes it, and the docs tests
fail when it is stale."""

from __future__ import annotations

from propdesk.domain.sla import CONDITIONS, MILESTONES, OCCURRENCES, Rule, SlaRules


def _duration_text(seconds: int) -> str:
    if seconds == 0:
        return "0 s"
    parts = []
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        parts.append(f"{h} h")
    if m:
        parts.append(f"{m} min")
    if s:
        parts.append(f"{s} s")
    return " ".join(parts)


def _config_text(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    text = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s else "")
    return text or "0s"


def _deadline_text(r: Rule, allowance: int | None, rules: SlaRules) -> str:
    if r.informational:
        return "—"
    if allowance is None:
        return "off"
    a = _duration_text(allowance)
    if r.deadline == "after_start":
        return f"start + {a}"
    if r.deadline == "before_anchor":
        assert r.anchor is not None
        text = f"{MILESTONES[r.anchor].text} − {a}"
        if r.early_s is not None:
            text += f" (window: from − {_duration_text(r.early_s)})"
        return text
    meeting = rules.meeting.strftime("%H:%M")
    grace = f" + {a}" if allowance else ""
    return f"the managers' meeting ({meeting} local) after the start's local day{grace}"


def _applies_text(r: Rule) -> str:
    parts = []
    if r.modes is not None:
        parts.append(" and ".join(sorted(m.value for m in r.modes)) + " cycles")
    if r.sources is not None:
        parts.append("sources " + ", ".join(sorted(s.value for s in r.sources)))
    if r.categories is not None:
        parts.append("categories " + ", ".join(sorted(r.categories)))
    if r.desk_resolved is not None:
        parts.append("desk-resolved cycles" if r.desk_resolved else "cycles not desk-resolved")
    scope = {"ticket": "once per ticket", "cycle": "every cycle",
             "each": "every cycle, each occurrence"}[r.per]
    return (", ".join(parts) or "all") + f"; {scope}"


def rules_markdown(rules: SlaRules | None = None) -> str:
    """The table of rules (for ``docs/sla.md``), generated from the rule data."""
    rules = rules or SlaRules.default()
    lines = [
        "| id | rule | manual | applies to | starts | stops (met when) | not applicable when "
        "| deadline | config |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rules.rules:
        if r.informational:
            start = stops = voids = "—"
        else:
            start = (OCCURRENCES[r.start].text if r.per == "each"
                     else MILESTONES[r.start].text)
            stops = " or ".join(MILESTONES[n].text for n in r.stop)
            voids = "; ".join([*(MILESTONES[n].text + " (by the deadline)" for n in r.void),
                               *(MILESTONES[n].text + " before "
                                 + MILESTONES[r.decided_by].text + " (whenever)"
                                 for n in r.waive if r.decided_by),
                               *(CONDITIONS[n][0] for n in r.unless)]) or "—"
        allowance = rules.allowances.get(r.id)
        config = "—" if r.informational else (
            f'`{r.id} = "{_config_text(allowance)}"`'
            if allowance is not None else f'`{r.id} = "off"`')
        title = r.title + (f" — {r.note}" if r.note else "")
        lines.append(f"| {r.id} | {title} | {r.wording} | {_applies_text(r)} | {start} "
                     f"| {stops} | {voids} | {_deadline_text(r, allowance, rules)} | {config} |")
    return "\n".join(lines) + "\n"
