"""The shared workspace store: the same tables in PostgreSQL/PostGIS (psycopg 3), so several
app processes (behind a load balancer, on several machines) see the same workspaces.

One short connection per operation; writes lock the workspace's row (``FOR UPDATE``) so
version numbers never collide; the tables are created on first use under an advisory lock
(several processes may start at once). The tables live in one schema (default ``mapper``,
``MAPPER_DATABASE_SCHEMA`` to change it).
"""

from __future__ import annotations

import contextlib
import os
import re
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ._errors import StoreUnavailableError
from ._store_sql import Execute, _SQLStore
from .i18n import Message
from .workspace import Limits

SCHEMA_ENV = "MAPPER_DATABASE_SCHEMA"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

_DDL = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    updated TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.uploads (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES {s}.workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    sheet TEXT,
    layer TEXT,
    mapping JSONB NOT NULL,
    rows INTEGER,
    created TIMESTAMPTZ NOT NULL,
    data BYTEA NOT NULL,
    UNIQUE (workspace_id, name, version)
);
CREATE TABLE IF NOT EXISTS {s}.views (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES {s}.workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace_id, name)
);
"""


def redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urllib.parse.urlunsplit(parts)


class PostGISStore(_SQLStore):
    """Workspaces in PostgreSQL/PostGIS (see :mod:`mapper.workspace`)."""

    def __init__(self, url: str, *, limits: Limits | None = None, schema: str | None = None) -> None:
        super().__init__(limits=limits or Limits.from_env())
        try:
            import psycopg
        except ImportError:
            raise StoreUnavailableError(
                Message(
                    "MAPPER_DATABASE_URL is set but psycopg is not installed: pip install -e '.[postgis]' (or unset "
                    "MAPPER_DATABASE_URL to use the embedded store)"
                )
            ) from None
        self._psycopg = psycopg
        self.url = url
        self.schema = schema or os.environ.get(SCHEMA_ENV) or "mapper"
        if not _IDENT.match(self.schema):
            raise StoreUnavailableError(
                Message(
                    "{env}={schema} is not a plain schema name: use lowercase letters, digits and _",
                    env=SCHEMA_ENV,
                    schema=repr(self.schema),
                )
            )
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('mapper-workspaces-ddl'))")
            conn.execute(_DDL.format(s=self.schema))

    @property
    def location(self) -> str:
        return f"{redact(self.url)} (schema {self.schema})"

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        try:
            conn = self._psycopg.connect(self.url, connect_timeout=10)
        except self._psycopg.OperationalError as exc:
            raise StoreUnavailableError(
                Message(
                    "cannot reach the workspace database {url}: {reason}. Check that the server runs and "
                    "MAPPER_DATABASE_URL is right (or unset it to use the embedded store).",
                    url=redact(self.url),
                    reason=str(exc).strip(),
                )
            ) from None
        with conn:
            yield conn

    def _mapping(self, value: Mapping[str, Any]) -> Any:
        from psycopg.types.json import Jsonb

        return Jsonb(dict(value))

    def _lock_workspace(self, run: Execute, workspace_id: str) -> None:
        run("SELECT id FROM {p}workspaces WHERE id = ? FOR UPDATE", [workspace_id])

    @contextlib.contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Execute]:
        prefix = f"{self.schema}."
        with self._connection() as conn, conn.transaction():

            def run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
                cursor = conn.execute(sql.replace("{p}", prefix).replace("?", "%s"), list(params))
                return cursor.fetchall() if cursor.description else []

            yield run

    def drop(self) -> None:
        """Drop this store's schema with everything in it (tests and clean-ups)."""
        with self._connection() as conn, conn.transaction():
            conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
