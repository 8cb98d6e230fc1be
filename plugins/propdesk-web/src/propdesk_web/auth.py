"""Sign-in: password hashes (argon2id), the session secret, CSRF tokens, rate limits.

* Passwords are hashed with argon2-cffi's :class:`~argon2.PasswordHasher`
  (argon2id, a random salt per hash) and kept in the store
  (:class:`~propdesk.ports.CredentialStore`), never in the configuration.
* The session cookie is signed (Starlette's ``SessionMiddleware``, which uses
  itsdangerous) and holds only the person id, the expiry and the chosen
  language.  The signing secret comes from ``PROPDESK_WEB_SECRET``, or from the
  owner-only file named by ``PROPDESK_WEB_SECRET_FILE``; without either, one is
  generated once into ``propdesk-web.secret`` beside the configuration (mode
  0600) and reused.
* The CSRF token of a session is an HMAC of its person and expiry (of a random
  nonce before sign-in) under the same secret: the cookie carries nothing more.
* Failed sign-ins are counted per person and per client address in a sliding
  window; past the limit, sign-in is refused until the window has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from propdesk.cli.errors import CliError, ExitCode
from propdesk.ports import CredentialStore, EventStore

SECRET_ENV = "PROPDESK_WEB_SECRET"
SECRET_FILE_ENV = "PROPDESK_WEB_SECRET_FILE"
SECRET_NAME = "propdesk-web.secret"

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("propdesk: no such person")


def hash_password(password: str) -> str:
    """A salted argon2id hash of ``password``."""
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; the same work is done when there
    is no stored hash, so timing does not tell who has a password."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def store_credentials(store: EventStore) -> CredentialStore:
    """The store as a :class:`CredentialStore`, or a clear error when it is not one."""
    if not isinstance(store, CredentialStore):
        raise CliError(ExitCode.STORAGE,
                       f"the store {type(store).__name__} keeps no credentials; the web desk "
                       "needs a store with set_credential/credential (sqlite, postgres, memory)",
                       f"存储 {type(store).__name__} 不支持保存密码", code="storage")
    return store


def session_secret(base_dir: Path, environ: dict[str, str] | None = None) -> str:
    """The cookie-signing secret (see the module doc)."""
    env = dict(os.environ) if environ is None else environ
    value = env.get(SECRET_ENV, "").strip()
    if value:
        if len(value) < 32:
            raise CliError(ExitCode.CONFIG, f"{SECRET_ENV} must have at least 32 characters",
                           f"{SECRET_ENV} 至少 32 个字符", code="config")
        return value
    named = env.get(SECRET_FILE_ENV, "").strip()
    path = Path(named) if named else base_dir / SECRET_NAME
    if path.exists():
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CliError(ExitCode.CONFIG,
                           f"{path} is readable by others (mode {stat.filemode(mode)}); "
                           f"run: chmod 600 {path}",
                           f"{path} 的权限过宽（{stat.filemode(mode)}）；请执行 chmod 600 {path}",
                           code="config")
        text = path.read_text("utf-8").strip()
        if len(text) < 32:
            raise CliError(ExitCode.CONFIG, f"{path}: the secret must have at least 32 characters",
                           f"{path}：密钥至少 32 个字符", code="config")
        return text
    if named:
        raise CliError(ExitCode.CONFIG, f"{SECRET_FILE_ENV}: {path} does not exist",
                       f"{SECRET_FILE_ENV}：{path} 不存在", code="config")
    text = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    return text


def csrf_token(secret: str, session: dict[str, Any]) -> str:
    """The CSRF token of a session: an HMAC of its person and expiry (or nonce)."""
    basis = f"{session.get('p', '')}|{session.get('exp', '')}|{session.get('n', '')}"
    return hmac.new(secret.encode(), b"csrf|" + basis.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, session: dict[str, Any], given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(secret, session), given or "")


class RateLimiter:
    """At most ``limit`` failures per key within ``window`` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def failed(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(key, now).append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
