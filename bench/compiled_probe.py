"""What compiling the rules with mypyc would buy, measured (issue 7, speed).

The speed targets of issue 7 are not met by the interpreted core, and one way
out the team could choose is a compiled core.  This probe answers "how much
would mypyc give us as the code stands?" without changing the project: it
copies ``src/propdesk`` to a temporary directory, marks the attrs classes of
the modules it compiles as ordinary (non-native) classes, compiles those
modules with mypyc (it ships with mypy, a development dependency; it needs a
C compiler), and then runs the reference scenario alternately with the
installed, interpreted package and with the compiled copy, each in a fresh
process.  It prints tickets/s of both, the ratio, and whether the two runs'
reports are identical (they must be: the same code, compiled).

    python bench/compiled_probe.py               # about 2 minutes
    python bench/compiled_probe.py --days 365 --rounds 3

Compiled: the core's ``decide`` and ``fold`` with permissions, lifecycle and
routing, and the simulator's engine and arrivals (about 85 % of a simulated
ticket's instructions, ``bench/sim_instructions.py``).  Left interpreted: the
models (attrs classes made by ``attrs``, which mypyc cannot compile as native
classes), and the SLA and §8 evaluation (``sla``, ``deadlines``, ``kpi``,
``sim.run``), whose attrs fields with factories mypyc rejects at import.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "scenarios" / "reference.toml"
MODULES = ("domain/decide.py", "domain/fold.py", "domain/permissions.py",
           "domain/lifecycle.py", "domain/routing.py", "sim/engine.py", "sim/arrivals.py")

# decide.Context derives a field with attrs' decorator idiom, which a compiled
# class body cannot express; the probe's copy derives it with a Factory instead
_CONTEXT_OLD = re.compile(
    r"    desk_resolvable: frozenset\[str\] = attrs\.field\(init=False\)\n"
    r"(?P<doc>    \"\"\".*?\"\"\"\n)\n"
    r"    @desk_resolvable\.default\n"
    r"    def _resolvable\(self\) -> frozenset\[str\]:\n"
    r"        return (?P<expr>.*?)\n", re.S)
_CONTEXT_NEW = ("    desk_resolvable: frozenset[str] = attrs.field(\n"
                "        init=False, default=attrs.Factory(lambda self: {expr}, takes_self=True))\n"
                "{doc}")


def _child(days: int) -> None:
    """Run the scenario once for a warm-up, then timed; print one result line."""
    from propdesk.sim import engine
    from propdesk.sim.run import report_text, simulate
    from propdesk.sim.scenario import load_scenario

    sc = load_scenario(SCENARIO)
    simulate(sc, 1, days=3, jobs=1)
    start = time.perf_counter()
    result = simulate(sc, 1, days=days, jobs=1)
    seconds = time.perf_counter() - start
    digest = hashlib.sha256(report_text(result).encode()).hexdigest()[:16]
    compiled = not engine.__file__.endswith(".py")
    print(f"{int(compiled)} {result.tickets} {seconds:.4f} {digest}")


def _build(tmp: Path) -> Path:
    """Copy the package into ``tmp``, patch the copy and compile it; the new path entry."""
    src = tmp / "src"
    shutil.copytree(ROOT / "src" / "propdesk", src / "propdesk",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for rel in MODULES:
        path = src / "propdesk" / rel
        text = path.read_text(encoding="utf-8")
        if rel == "domain/decide.py":
            text, n = _CONTEXT_OLD.subn(
                lambda m: _CONTEXT_NEW.format(expr=m["expr"], doc=m["doc"]), text)
            if n != 1:
                raise SystemExit("compiled_probe: decide.Context has changed; update the probe")
        text = re.sub(r"^@attrs\.(frozen|define)", r"@mypyc_attr(native_class=False)\n\g<0>",
                      text, flags=re.M)
        text = text.replace("from __future__ import annotations\n",
                            "from __future__ import annotations\n\n"
                            "from mypy_extensions import mypyc_attr\n", 1)
        path.write_text(text, encoding="utf-8")
    mypyc = shutil.which("mypyc", path=str(Path(sys.executable).parent)) or shutil.which("mypyc")
    if mypyc is None:
        raise SystemExit("compiled_probe: mypyc not found (pip install mypy)")
    started = time.perf_counter()
    out = subprocess.run([mypyc, *(f"propdesk/{m}" for m in MODULES)], cwd=src,
                         capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stdout[-4000:] + out.stderr[-4000:])
        raise SystemExit("compiled_probe: mypyc failed")
    print(f"compiled {len(MODULES)} modules with mypyc in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return src


def _spawn(days: int, path: Path | None) -> tuple[bool, int, float, str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if path is not None:  # PYTHONPATH comes before the editable install's path entry
        env["PYTHONPATH"] = str(path)
    cmd = [sys.executable, __file__, "--child", "--days", str(days)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, cwd=ROOT)
    flag, tickets, seconds, digest = out.stdout.split()
    return flag == "1", int(tickets), float(seconds), digest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    if a.child:
        _child(a.days)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = _build(Path(tmp))
        plain: list[float] = []
        comp: list[float] = []
        digests = set()
        for _ in range(a.rounds):
            for target, into in ((None, plain), (path, comp)):
                compiled, tickets, seconds, digest = _spawn(a.days, target)
                if compiled != (target is not None):
                    raise SystemExit("compiled_probe: the child did not load the expected build")
                into.append(tickets / seconds)
                digests.add(digest)
                print(f"  {'compiled' if compiled else 'interpreted':<11} {tickets} tickets "
                      f"{seconds:6.2f} s {tickets / seconds:8.0f}/s", file=sys.stderr)
    p, c = statistics.median(plain), statistics.median(comp)
    print(f"reference scenario, {a.days} days, one process, median of {a.rounds}:")
    print(f"  interpreted {p:8.0f} tickets/s")
    print(f"  compiled    {c:8.0f} tickets/s   ({c / p:.2f}x)")
    print(f"  reports identical: {'yes' if len(digests) == 1 else 'NO'}")


if __name__ == "__main__":
    main()
