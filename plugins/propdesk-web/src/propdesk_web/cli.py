"""``propdesk serve`` and ``propdesk passwd`` (added to the CLI by the plugin hook)."""

from __future__ import annotations

import sys

import click

from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.state import App

pass_app = click.make_pass_decorator(App)
MIN_PASSWORD = 8


@click.command("serve", short_help="网页前台 Start the web desk (browser)")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a reverse proxy).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--secure-cookies", is_flag=True,
              help="Mark the session cookie Secure (browsers then send it over HTTPS only: "
                   "behind a TLS reverse proxy).")
@pass_app
def serve(app: App, host: str, port: int, secure_cookies: bool) -> None:
    """Start the web desk on the configured store: intake, the live board,
    tickets, my work and statistics, for the people of the configuration who
    have a password (``propdesk passwd``)."""
    import uvicorn

    from propdesk_web.app import create_app
    from propdesk_web.clock import clock_from_env

    config = app.config
    web = create_app(config, app.store(), clock=clock_from_env(), secure_cookies=secure_cookies)
    app.message(f"网页前台：http://{host}:{port}/  （Ctrl-C 停止）",
                f"web desk: http://{host}:{port}/  (Ctrl-C to stop)")
    uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False,
                proxy_headers=True, forwarded_allow_ips="127.0.0.1", timeout_keep_alive=65)


@click.command("passwd", short_help="设置密码 Set a person's web sign-in password")
@click.argument("person")
@pass_app
def passwd(app: App, person: str) -> None:
    """Set PERSON's password for the web desk, read from standard input (not
    echoed on a terminal; asked twice there).  The store keeps only a salted
    argon2id hash."""
    from propdesk.domain.errors import DomainError
    from propdesk_web.auth import hash_password, store_credentials

    config = app.config
    if person not in config.person_by_id:
        raise DomainError("unknown_person", field="PERSON", value=person)
    password = _read_password(app)
    if len(password) < MIN_PASSWORD:
        raise CliError(ExitCode.INVALID_INPUT,
                       f"the password must have at least {MIN_PASSWORD} characters",
                       f"密码至少 {MIN_PASSWORD} 个字符", code="invalid_value")
    creds = store_credentials(app.store())
    creds.set_credential(person, hash_password(password), app.now())
    app.message(f"已设置 {person} 的密码", f"password of {person} set")


def _read_password(app: App) -> str:
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(app.t("新密码：", "New password: "))
        second = getpass.getpass(app.t("再输入一次：", "Again: "))
        if first != second:
            raise CliError(ExitCode.INVALID_INPUT, "the two passwords differ",
                           "两次输入的密码不一致", code="invalid_value")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")
