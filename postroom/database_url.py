"""Database URLs, normalised once: every part of Postroom takes the forms users have.

A user may hold ``postgresql://``, ``postgresql+psycopg://``, ``postgresql+psycopg2://``
or ``postgresql+asyncpg://`` (``postgresql+psycopg_async://`` too). Postroom talks to
PostgreSQL through two drivers only, psycopg 3 for synchronous engines and asyncpg for
asynchronous ones, so every URL is rewritten to one of those two forms before an engine
is made: ``sync_url`` for ``sa.create_engine``, ``async_url`` for
``create_async_engine``. (A plain ``postgresql://`` means psycopg2 to SQLAlchemy, which
Postroom does not depend on; an asyncpg URL in a synchronous engine fails on first use
with ``MissingGreenlet``.)

TLS settings ride in the URL as libpq names them (``?sslmode=verify-full&sslrootcert=
/path/ca.pem``): psycopg and the relay read them as they are; asyncpg knows neither
name, so ``async_engine_args`` turns them into the ``ssl`` context asyncpg takes.

Anything else raises ``DatabaseUrlError`` naming the accepted forms, or the package to
install when the driver a form needs is missing.
"""

from __future__ import annotations

import importlib.util
import ssl
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from postroom.errors import DatabaseUrlError

__all__ = [
    "ACCEPTED_FORMS",
    "async_engine_args",
    "async_url",
    "describe",
    "parse_database_url",
    "sync_url",
]

_TLS_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

#: The URL forms every Postroom entry point accepts.
ACCEPTED_FORMS = (
    "postgresql://",
    "postgresql+psycopg://",
    "postgresql+psycopg2://",
    "postgresql+asyncpg://",
)

_KNOWN_DRIVERS = {None, "psycopg", "psycopg2", "psycopg_async", "asyncpg"}
_SYNC = ("postgresql+psycopg", "psycopg", "psycopg[binary]")
_ASYNC = ("postgresql+asyncpg", "asyncpg", "asyncpg")


def parse_database_url(database_url: object) -> sa.URL:
    """``database_url`` parsed, if it is a PostgreSQL URL in one of ``ACCEPTED_FORMS``."""
    if isinstance(database_url, sa.URL):
        url = database_url
    elif isinstance(database_url, str) and database_url.strip():
        try:
            url = make_url(database_url.strip())
        except Exception as exc:
            raise DatabaseUrlError(
                f"not a database URL: {database_url!r}; expected e.g. "
                "postgresql://user:password@host:5432/database"
            ) from exc
    else:
        raise DatabaseUrlError(f"a database URL must be a non-empty string, got {database_url!r}")
    driver = url.drivername.partition("+")[2] or None
    if url.get_backend_name() != "postgresql" or driver not in _KNOWN_DRIVERS:
        raise DatabaseUrlError(
            f"{url.drivername}:// is not a PostgreSQL URL Postroom can use; give one of "
            f"{', '.join(ACCEPTED_FORMS)}"
        )
    if not url.database:
        raise DatabaseUrlError(
            f"the database URL {describe(url)} names no database: add /DATABASE after the host"
        )
    return url


def _with_driver(database_url: object, driver: tuple[str, str, str]) -> str:
    url = parse_database_url(database_url)
    drivername, module, package = driver
    if importlib.util.find_spec(module) is None:
        raise DatabaseUrlError(
            f"{drivername}:// needs the {module} driver, which is not installed: "
            f"pip install '{package}'"
        )
    return url.set(drivername=drivername).render_as_string(hide_password=False)


def sync_url(database_url: object) -> str:
    """The URL for a synchronous engine: ``postgresql+psycopg://`` (psycopg 3)."""
    return _with_driver(database_url, _SYNC)


def async_url(database_url: object) -> str:
    """The URL for an asynchronous engine: ``postgresql+asyncpg://``."""
    return _with_driver(database_url, _ASYNC)


def describe(database_url: sa.URL | str) -> str:
    """``host:port/database`` for messages: no driver, user or password."""
    url = database_url if isinstance(database_url, sa.URL) else make_url(database_url)
    host = url.host or str(url.query.get("host") or "localhost")
    return f"{host}:{url.port or 5432}/{url.database or ''}"


def async_engine_args(database_url: object) -> tuple[str, dict[str, Any]]:
    """``(url, connect_args)`` for ``create_async_engine`` (asyncpg), with the URL's libpq
    TLS settings (``sslmode``, ``sslrootcert``) as the ``ssl`` argument asyncpg takes:
    ``verify-full`` checks the chain and the host name, ``verify-ca`` the chain only,
    ``require`` encrypts without checking; ``disable``/``allow``/``prefer`` pass through."""
    url = make_url(async_url(database_url))
    query = dict(url.query)
    mode = str(query.pop("sslmode", "") or "")
    root = str(query.pop("sslrootcert", "") or "")
    url = url.set(query=query)
    rendered = url.render_as_string(hide_password=False)
    if not mode:
        return rendered, {}
    if mode not in _TLS_MODES:
        raise DatabaseUrlError(f"sslmode must be one of {', '.join(_TLS_MODES)}, got {mode!r}")
    if mode not in ("require", "verify-ca", "verify-full"):
        return rendered, {"ssl": mode}
    context = ssl.create_default_context(cafile=root or None)
    if mode != "verify-full":
        context.check_hostname = False
    if mode == "require":
        context.verify_mode = ssl.CERT_NONE
    return rendered, {"ssl": context}
