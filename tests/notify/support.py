"""Real things for the notification tests: a local HTTP receiver, a community
folder with channels configured, the test plugin installed by entry point,
and ``propdesk`` run as a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

OWNER_PHONES = ("13912345678", "13800000000")
OWNER_NAMES = ("张先生", "李女士")
"""The fixtures' owners: none of this may leave the desk in a notice."""


def personal_data_in(data: bytes) -> list[str]:
    """The owners' phones and names found in ``data`` (raw, or JSON-escaped)."""
    found = []
    text = data.decode("utf-8", "replace")
    for secret in (*OWNER_PHONES, *OWNER_NAMES):
        escaped = json.dumps(secret)[1:-1]
        if secret in text or escaped in text:
            found.append(secret)
    return found


class Receiver:
    """A local HTTP server; per notice id a script of answers (``fail`` = 503,
    ``slow`` = 429 with Retry-After, ``hang`` = hold the request until released
    then answer 500); otherwise 200.  ``confirmed`` counts the 200s per id."""

    def __init__(self) -> None:
        self.script: dict[str, list[str]] = {}
        self.received: list[tuple[str, bytes]] = []
        self.confirmed: Counter[str] = Counter()
        self.hanging = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                nid = self.headers.get("webhook-id", "")
                with receiver.lock:
                    receiver.received.append((nid, body))
                    steps = receiver.script.get(nid)
                    step = steps.pop(0) if steps else "ok"
                if step == "hang":
                    receiver.hanging.set()
                    receiver.release.wait(120)
                    step = "error"
                if step == "ok":
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"ok")
                    with receiver.lock:
                        receiver.confirmed[nid] += 1
                    return
                code = {"fail": 503, "slow": 429, "error": 500, "gone": 410}[step]
                self.send_response(code)
                if step == "slow":
                    self.send_header("Retry-After", "2")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def ids(self) -> list[str]:
        with self.lock:
            return [nid for nid, _ in self.received]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def make_community(folder: Path, receiver_url: str | None, *, log: bool = True,
                   notify: str = "", storage: str | None = None) -> Path:
    """The example community with a ``log`` channel and the test HTTP channel;
    ``storage``: another ``[storage]`` table's body (a fresh SQLite file by default)."""
    from propdesk.adapters.sqlite import SQLiteStore

    folder.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "examples" / "propdesk.toml").read_text("utf-8")
    if storage is not None:
        head, _, rest = text.partition("[storage]\n")
        rest = rest.split("\n\n", 1)[1]
        text = f"{head}[storage]\n{storage}\n\n{rest}"
    text += "\n[notify]\nretry_initial = \"1s\"\nretry_max = \"4s\"\n" + notify
    if log:
        text += '\n[[notifiers]]\nname = "duty-log"\nkind = "log"\npath = "notices.jsonl"\n'
    if receiver_url:
        text += f'\n[[notifiers]]\nname = "ops-http"\nkind = "testhttp"\nurl = "{receiver_url}"\n'
    (folder / "propdesk.toml").write_text(text, "utf-8")
    if storage is None:
        SQLiteStore(folder / "propdesk.db").close()
    return folder / "propdesk.toml"


def plugin_site(folder: Path) -> Path:
    """A folder that installs the test plugin by entry point when on PYTHONPATH."""
    site = folder / "site"
    info = site / "propdesk_testchan-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "testchan_plugin.py", site / "propdesk_testchan.py")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: propdesk-testchan\n"
                                   "Version: 0.1\n", "utf-8")
    (info / "entry_points.txt").write_text("[propdesk]\ntestchan = propdesk_testchan\n",
                                           "utf-8")
    return site


def env_for(config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROPDESK_")}
    site = plugin_site(config.parent)
    env.update(PROPDESK_CONFIG=str(config), PROPDESK_LANG="en", LANG="en_US.UTF-8",
               PYTHONPATH=os.pathsep.join([str(site), str(ROOT / "src"),
                                           env.get("PYTHONPATH", "")]))
    return env


def propdesk(config: Path, *args: str, user: str | None = "desk-wang",
             expect: int | None = 0) -> subprocess.CompletedProcess[str]:
    """Run ``propdesk`` as a subprocess and wait for it."""
    head = ["--as", user] if user else []
    proc = subprocess.run([sys.executable, "-m", "propdesk", *head, *args], text=True,
                          capture_output=True, env=env_for(config), cwd=config.parent,
                          timeout=120)
    if expect is not None:
        assert proc.returncode == expect, f"{args}: {proc.returncode}\n{proc.stderr}"
    return proc


class Watch:
    """``propdesk watch`` as a long-running subprocess; its stderr goes to a file."""

    def __init__(self, config: Path, *args: str) -> None:
        self.err_path = config.parent / f"watch-{time.monotonic_ns()}.err"
        with open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "propdesk", "watch", *args], text=True,
                stdout=subprocess.PIPE, stderr=err, env=env_for(config), cwd=config.parent)

    def err(self) -> str:
        return self.err_path.read_text("utf-8", "replace")

    def holding(self) -> bool:
        return "watching:" in self.err()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    """Poll ``condition`` until true; fail naming ``what`` after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def log_ids(config: Path) -> list[str]:
    path = config.parent / "notices.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["id"] for line in path.read_text("utf-8").splitlines() if line]
