"""Every failure the `deployq` command can meet, as one line on stderr and a documented exit
code (README, *Exit codes*), so a script can tell a refused command from an unreachable broker
from a reply that did not come in time."""

from __future__ import annotations

import enum
import socket
from typing import NoReturn

import typer
from yarl import URL


class Exit(enum.IntEnum):
    OK = 0
    REFUSED = 1  # the command was answered with an error (or nothing matched)
    USAGE = 2  # the command line, the body or the settings are wrong: nothing was sent
    BROKER = 3  # the broker cannot be reached, or refused the login
    NAMESPACE = 4  # nothing is declared on this namespace (no worker has started on it)
    TIMEOUT = 5  # no reply in time: the command may still be queued and run later
    DATABASE = 6  # the database cannot be reached
    INTERRUPTED = 130  # Ctrl-C while waiting for a reply (the shell's 128 + SIGINT)


def fail(message: str, code: Exit) -> NoReturn:
    """Print `deployq: <message>` on stderr and exit with `code`."""
    typer.echo(f"deployq: {one_line(message)}", err=True)
    raise typer.Exit(int(code))


def one_line(text: str) -> str:
    return " ".join(text.split())


def shown(url: str) -> str:
    """A URL as the user may see it: no user, no password, no query."""
    try:
        return str(URL(url).with_user(None).with_query(None))
    except (TypeError, ValueError):
        return "(unreadable URL)"


def _chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _named(error: BaseException, *names: str) -> bool:
    return any(type(e).__name__ in names for e in _chain(error))


def broker_failure(error: BaseException, url: str) -> NoReturn:
    """The broker could not be used at all: refused, unreachable, wrong credentials or vhost."""
    where = shown(url)
    if _named(error, "ProbableAuthenticationError", "AuthenticationError"):
        fail(f"the broker at {where} refused the login of DEPLOYQ_AMQP_URL", Exit.BROKER)
    if _named(error, "ConnectionNotAllowed", "ProbableAccessDeniedError"):
        fail(f"the broker at {where} refused access (is the vhost right?)", Exit.BROKER)
    if isinstance(error, socket.gaierror):
        fail(f"cannot resolve the broker's host in {where}: {error.strerror}", Exit.BROKER)
    fail(f"cannot reach the broker at {where}: {_reason(error)}", Exit.BROKER)


def missing_namespace(error: BaseException) -> bool:
    """Whether the broker said an exchange or queue does not exist."""
    return _named(error, "ChannelNotFoundEntity")


def database_failure(error: BaseException, url: str) -> NoReturn:
    where = shown(url)
    if _named(error, "InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        fail(f"the database at {where} refused the login of DEPLOYQ_DATABASE_URL", Exit.DATABASE)
    if _named(error, "InvalidCatalogNameError"):
        fail(f"the database in {where} does not exist", Exit.DATABASE)
    fail(f"cannot reach the database at {where}: {_reason(error)}", Exit.DATABASE)


def unreachable_database(error: BaseException) -> bool:
    """A connection failure (not a failing migration): the database is down or refuses us."""
    names = (
        "InvalidPasswordError",
        "InvalidAuthorizationSpecificationError",
        "InvalidCatalogNameError",
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
    )
    return any(isinstance(e, OSError | TimeoutError) for e in _chain(error)) or _named(
        error, *names
    )


def _reason(error: BaseException) -> str:
    root = _chain(error)[-1]
    text = str(root).strip() or type(root).__name__
    return one_line(text)
