"""The web desk's ASGI application (Starlette): sign-in, sessions, CSRF, headers.

:func:`create_app` builds it over a configuration, a store and a clock.  The
pages live in :mod:`propdesk_web.pages` and :mod:`propdesk_web.stats`; the
live updates in :mod:`propdesk_web.live`.  Every action goes through
``Desk.handle`` (the Desk checks the role permissions), under one lock, since
the Desk keeps an in-memory view of the tickets.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from propdesk.desk import Desk
from propdesk.domain.config import Config
from propdesk.domain.labels import COMMAND_LABELS, STATE_LABELS, label
from propdesk.ports import Clock, EventStore
from propdesk_web import auth
from propdesk_web.i18n import text
from propdesk_web.live import Broadcaster
from propdesk_web.queries import SlaView

SESSION_HOURS = 12
COOKIE = "propdesk_session"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
T = TypeVar("T")


class SecurityHeaders:
    """Adds the security headers to every response (pages, static files, SSE)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SignInRequired(Exception):
    """Raised by :meth:`Web.user` when nobody (or nobody valid) is signed in."""


class Forbidden(Exception):
    """The signed-in person may not see this page."""


class Web:
    """What the pages share: the desk, the clock, the templates, the limits."""

    def __init__(self, config: Config, store: EventStore, clock: Clock, secret: str) -> None:
        self.config = config
        self.store = store
        self.creds = auth.store_credentials(store)
        self.clock = clock
        self.desk = Desk(config, store, clock=clock)
        self.lock = threading.RLock()
        self.secret = secret
        self.view = SlaView(config)
        self.row_cache: dict[tuple[Any, ...], str] = {}
        self.per_person = auth.RateLimiter(5, 15 * 60)
        self.per_ip = auth.RateLimiter(20, 15 * 60)
        self.live = Broadcaster(store)
        loader = jinja2.FileSystemLoader(str(files("propdesk_web") / "templates"))
        self.env = jinja2.Environment(loader=loader, autoescape=True)
        self.env.globals.update(state_label=self.state_label, command_label=self.command_label)

    # -------------------------------------------------------------- helpers

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` (desk work) in a worker thread, one at a time."""
        def locked() -> T:
            with self.lock:
                return fn()
        return await run_in_threadpool(locked)

    def now(self) -> datetime:
        return self.clock.now()

    def local(self, dt: datetime | None, *, seconds: bool = False) -> str:
        if dt is None:
            return "-"
        fmt = "%Y-%m-%d %H:%M:%S" if seconds else "%m-%d %H:%M"
        return dt.astimezone(self.config.zone).strftime(fmt)

    @staticmethod
    def state_label(state: str, lang: str) -> str:
        return label(STATE_LABELS, state, "zh" if lang == "zh" else "en")

    @staticmethod
    def command_label(cmd: str, lang: str) -> str:
        return label(COMMAND_LABELS, cmd, "zh" if lang == "zh" else "en")

    def person_label(self, pid: str | None) -> str:
        if not pid:
            return "-"
        p = self.config.person_by_id.get(pid)
        return f"{p.name} ({pid})" if p else pid

    def lang(self, request: Request) -> str:
        """``?lang=`` (kept in the session), the session's, else the community's (zh)."""
        asked = request.query_params.get("lang")
        if asked in ("zh", "en"):
            request.session["lang"] = asked
            return asked
        kept = request.session.get("lang")
        if kept in ("zh", "en"):
            return str(kept)
        return "en" if self.config.community.lang == "en" else "zh"

    def user(self, request: Request) -> str:
        """The signed-in person; :class:`SignInRequired` otherwise."""
        person = request.session.get("p")
        exp = request.session.get("exp")
        if not isinstance(person, str) or not isinstance(exp, int | float) or exp < time.time():
            raise SignInRequired()
        if person not in self.config.person_by_id:
            raise SignInRequired()
        return person

    def role(self, person: str) -> str:
        return str(self.config.person_by_id[person].role)

    def csrf(self, request: Request) -> str:
        if "p" not in request.session and "n" not in request.session:
            request.session["n"] = secrets.token_urlsafe(16)
        return auth.csrf_token(self.secret, dict(request.session))

    async def form(self, request: Request) -> FormData:
        """The posted form, after the CSRF check (a hidden field, or htmx's header)."""
        form = await request.form()
        given = form.get("csrf") or request.headers.get("x-csrf-token")
        if not auth.csrf_ok(self.secret, dict(request.session),
                            given if isinstance(given, str) else None):
            raise CsrfFailed()
        return form

    def page(self, request: Request, template: str, status: int = 200,
             **context: Any) -> HTMLResponse:
        lang = self.lang(request)
        found = request.session.get("p") if "exp" in request.session else None
        person = found if isinstance(found, str) else None
        ctx: dict[str, Any] = {
            "lang": lang, "t": lambda key: text(key, lang), "web": self,
            "csrf": self.csrf(request), "me": person,
            "me_label": self.person_label(person) if person else "",
            "me_role": self.role(person) if person and person in self.config.person_by_id
            else "",
            "path": request.url.path, "community": self.config.community.name,
            "now_ms": int(self.now().timestamp() * 1000),
        }
        ctx.update(context)
        html = self.env.get_template(template).render(ctx)
        return HTMLResponse(html, status_code=status,
                            headers={"cache-control": "no-store"})


class CsrfFailed(Exception):
    """A POST without the session's CSRF token."""


# ------------------------------------------------------------------ sign-in


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


async def login_page(request: Request) -> Response:
    web: Web = request.app.state.web
    return web.page(request, "login.html", next=_safe_next(request.query_params.get("next")))


async def login(request: Request) -> Response:
    web: Web = request.app.state.web
    form = await web.form(request)
    person = str(form.get("person") or "").strip()
    password = str(form.get("password") or "")
    nxt = _safe_next(str(form.get("next") or ""))
    ip = client_ip(request)
    if web.per_person.blocked(f"p:{person}") or web.per_ip.blocked(f"ip:{ip}"):
        return web.page(request, "login.html", status=429, error="too_many", next=nxt,
                        person=person)
    stored = await run_in_threadpool(web.creds.credential, person) if person else None
    ok = await run_in_threadpool(auth.check_password, stored, password)
    if not ok or person not in web.config.person_by_id:
        web.per_person.failed(f"p:{person}")
        web.per_ip.failed(f"ip:{ip}")
        return web.page(request, "login.html", status=401, error="bad_login", next=nxt,
                        person=person)
    web.per_person.reset(f"p:{person}")
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update({"p": person, "exp": int(time.time()) + SESSION_HOURS * 3600})
    if lang in ("zh", "en"):
        request.session["lang"] = lang
    return RedirectResponse(nxt or "/", status_code=303)


async def logout(request: Request) -> Response:
    web: Web = request.app.state.web
    await web.form(request)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def home(request: Request) -> Response:
    web: Web = request.app.state.web
    person = web.user(request)
    return RedirectResponse("/my" if web.role(person) == "responsible" else "/board",
                            status_code=303)


def _safe_next(value: str | None) -> str:
    """Only a local path (never another site) after sign-in."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return ""


async def on_sign_in_required(request: Request, exc: Exception) -> Response:
    if request.headers.get("hx-request") or request.url.path.startswith("/events"):
        return Response("sign in required", status_code=401)
    if request.method != "GET":
        return Response("sign in required", status_code=401)
    nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    from urllib.parse import quote

    return RedirectResponse(f"/login?next={quote(nxt)}", status_code=303)


async def on_csrf(request: Request, exc: Exception) -> Response:
    web: Web = request.app.state.web
    return web.page(request, "message.html", status=403, message=text("csrf", web.lang(request)))


async def on_forbidden(request: Request, exc: Exception) -> Response:
    web: Web = request.app.state.web
    return web.page(request, "message.html", status=403,
                    message=text("forbidden_page", web.lang(request)))


# ------------------------------------------------------------------ the app


def create_app(config: Config, store: EventStore, *, clock: Clock,
               secret: str | None = None, secure_cookies: bool = False,
               poll_interval: float = 0.2) -> Starlette:
    """The web desk over ``store``; ``secret`` signs the cookies (see
    :func:`propdesk_web.auth.session_secret` for where it comes from by default)."""
    from propdesk_web import pages, stats

    key = secret or auth.session_secret(Path(config.base_dir or "."))
    web = Web(config, store, clock, key)
    web.live.interval = poll_interval

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = web.live.start()
        try:
            yield
        finally:
            await web.live.stop(task)

    routes = [
        Route("/", home),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        *pages.routes(),
        *stats.routes(),
        Mount("/static", app=StaticFiles(directory=str(files("propdesk_web") / "static")),
              name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=key, session_cookie=COOKIE,
                   max_age=SESSION_HOURS * 3600, same_site="strict", https_only=secure_cookies),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={SignInRequired: on_sign_in_required,
                                        CsrfFailed: on_csrf, Forbidden: on_forbidden})
    app.state.web = web
    return app
