"""The embedded workspace store: one SQLite file, safe for several processes.

WAL journal (readers never wait for a writer), ``BEGIN IMMEDIATE`` for every write (one
writer at a time, version numbers never collide), a busy timeout instead of "database is
locked" errors, and one short-lived connection per operation (Streamlit runs each session
in its own thread).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ._errors import StoreUnavailableError
from ._store_sql import Execute, _SQLStore
from .i18n import Message
from .workspace import Limits

_SCHEMA = """
CREATE TABLE IF NOT EXISTS workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    sheet TEXT,
    layer TEXT,
    mapping TEXT NOT NULL,
    rows INTEGER,
    created TEXT NOT NULL,
    data BLOB NOT NULL,
    UNIQUE (workspace_id, name, version)
);
CREATE TABLE IF NOT EXISTS views (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);
"""


class SQLiteStore(_SQLStore):
    """Workspaces in one SQLite file (see :mod:`mapper.workspace`)."""

    def __init__(self, path: str | Path, *, limits: Limits | None = None) -> None:
        super().__init__(limits=limits or Limits.from_env())
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(self._connect()) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailableError(
                Message(
                    "cannot open the workspace store {path} ({reason}); set MAPPER_DATA_DIR to a folder this app may "
                    "write to",
                    path=str(self.path),
                    reason=exc,
                )
            ) from None

    @property
    def location(self) -> str:
        return str(self.path)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def _stamp(self, value: Any) -> str:
        return value.isoformat()

    @contextlib.contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Execute]:
        try:
            conn = self._connect()
        except sqlite3.Error as exc:
            raise StoreUnavailableError(
                Message("cannot open the workspace store {path} ({reason})", path=str(self.path), reason=exc)
            ) from None
        with contextlib.closing(conn):

            def run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
                return conn.execute(sql.replace("{p}", ""), list(params)).fetchall()

            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield run
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
