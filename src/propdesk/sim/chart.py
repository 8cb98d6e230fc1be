"""SVG charts of an experiment: each indicator against the swept parameters.

One file per indicator (``chart-K-1.svg`` …).  The x axis is the first swept
key; each value of the second key (if any) is its own line; further keys are
folded into the line labels.  Points show the mean over seeds with the
confidence interval as a vertical bar; the dashed line is the target.
Plain SVG text, written deterministically (no timestamps, fixed decimals).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from propdesk.sim.experiment import INDICATORS, Experiment

W, H, ML, MR, MT, MB = 640, 360, 60, 150, 30, 50
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf",
           "#7f7f7f")


def _target_value(text: str | None) -> float | None:
    if not text:
        return None
    digits = text.lstrip("=<>≥≤").rstrip("%")
    try:
        return float(digits) / 100
    except ValueError:
        return None


def svg_chart(exp: Experiment, key: str) -> str:
    """The SVG text of indicator ``key`` against the sweep."""
    xkey = exp.keys[0] if exp.keys else None
    xs: list[Any] = []
    for p in exp.points:
        x = p.values[xkey] if xkey else p.index
        if x not in xs:
            xs.append(x)
    lines: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for p in exp.points:
        label = ", ".join(f"{k}={p.values[k]}" for k in exp.keys[1:]) or (xkey or "scenario")
        x = p.values[xkey] if xkey else p.index
        lines.setdefault(label, []).append((xs.index(x), dict(p.indicators.get(key, {}))))
    pw, ph = W - ML - MR, H - MT - MB

    def px(i: int) -> float:
        return ML + (pw * i / (len(xs) - 1) if len(xs) > 1 else pw / 2)

    def py(v: float) -> float:
        return MT + ph * (1 - max(0.0, min(1.0, v)))

    target = exp.points[0].indicators.get(key, {}).get("target")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="11">',
           f'<text x="{ML}" y="18" font-size="13">{escape(key)} — mean over '
           f'{len(exp.seeds)} seeds, {100 * exp.confidence:g}% CI (target '
           f'{escape(target or "-")})</text>',
           f'<rect x="{ML}" y="{MT}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>']
    for tick in range(0, 101, 20):
        y = py(tick / 100)
        out.append(f'<line x1="{ML - 4}" y1="{y:.1f}" x2="{ML + pw}" y2="{y:.1f}" '
                   f'stroke="#eee"/><text x="{ML - 8}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{tick}%</text>')
    for i, x in enumerate(xs):
        out.append(f'<text x="{px(i):.1f}" y="{MT + ph + 16}" text-anchor="middle">'
                   f'{escape(str(x))}</text>')
    out.append(f'<text x="{ML + pw / 2:.1f}" y="{H - 12}" text-anchor="middle">'
               f'{escape(xkey or "point")}</text>')
    tv = _target_value(target)
    if tv is not None:
        out.append(f'<line x1="{ML}" y1="{py(tv):.1f}" x2="{ML + pw}" y2="{py(tv):.1f}" '
                   f'stroke="#000" stroke-dasharray="4 3"/>')
    for n, (label, pts) in enumerate(lines.items()):
        colour = COLOURS[n % len(COLOURS)]
        coords = [(px(i), ind) for i, ind in pts if ind.get("mean") is not None]
        if coords:
            path = " ".join(f"{x:.1f},{py(ind['mean']):.1f}" for x, ind in coords)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}"/>')
        for x, ind in coords:
            out.append(f'<line x1="{x:.1f}" y1="{py(ind["low"]):.1f}" x2="{x:.1f}" '
                       f'y2="{py(ind["high"]):.1f}" stroke="{colour}"/>'
                       f'<circle cx="{x:.1f}" cy="{py(ind["mean"]):.1f}" r="3" '
                       f'fill="{colour}"/>')
        ly = MT + 14 * n + 8
        out.append(f'<rect x="{ML + pw + 10}" y="{ly - 8}" width="10" height="10" '
                   f'fill="{colour}"/><text x="{ML + pw + 24}" y="{ly + 1}">'
                   f'{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_svg_charts(exp: Experiment, out: Path) -> list[Path]:
    """Write ``chart-K-n.svg`` for each indicator into ``out``."""
    written = []
    for key in INDICATORS:
        path = out / f"chart-{key}.svg"
        path.write_text(svg_chart(exp, key), encoding="utf-8")
        written.append(path)
    return written
