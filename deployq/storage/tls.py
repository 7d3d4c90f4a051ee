"""libpq's TLS parameters in `DEPLOYQ_DATABASE_URL` (`sslmode`, `sslrootcert`, `sslcert`,
`sslkey`), made into what asyncpg takes. SQLAlchemy hands URL query keys to `asyncpg.connect`
as keyword arguments, which has no such keywords: it takes TLS as one `ssl` argument. (The
relay's own connection takes a DSN, where asyncpg reads the libpq names itself.)"""

from __future__ import annotations

import ssl
from typing import Any

from sqlalchemy.engine import URL

LIBPQ = ("sslmode", "sslrootcert", "sslcert", "sslkey")
# Modes asyncpg understands as they are, when no file is involved.
PLAIN_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def engine_arguments(url: URL) -> tuple[URL, dict[str, Any]]:
    """The URL without libpq's TLS keys, and the `connect_args` that carry them instead."""
    query = dict(url.query)
    given = {key: str(query.pop(key)) for key in LIBPQ if key in query}
    if not given:
        return url, {}
    return url.set(query=query), {"ssl": ssl_argument(**given)}


def ssl_argument(
    sslmode: str = "prefer",
    sslrootcert: str | None = None,
    sslcert: str | None = None,
    sslkey: str | None = None,
) -> str | ssl.SSLContext:
    """asyncpg's `ssl`: the mode itself, or a context when files are named."""
    if sslmode not in PLAIN_MODES:
        raise ValueError(f"sslmode {sslmode!r} is not one of {', '.join(PLAIN_MODES)}")
    if not (sslrootcert or sslcert):
        return sslmode
    if sslmode == "disable":
        return sslmode
    context = ssl.create_default_context(cafile=sslrootcert)
    if sslmode != "verify-full":
        context.check_hostname = False
    if sslmode in ("allow", "prefer", "require") and not sslrootcert:
        context.verify_mode = ssl.CERT_NONE
    if sslcert:
        context.load_cert_chain(sslcert, sslkey)
    return context
