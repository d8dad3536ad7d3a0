"""The queries both workspace stores share (SQLite and PostgreSQL speak the same SQL here).

A backend provides :meth:`_SQLStore._transaction` (one transaction, yielding a function that
runs a statement with ``?`` placeholders and returns its rows), its table DDL and how it
reads timestamps and JSON back.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ._errors import UnknownWorkspaceError, WorkspaceError
from .i18n import Message
from .workspace import Limits, SavedView, Upload, Workspace, WorkspaceStore, clean_name, is_id

#: Runs one statement (``?`` placeholders) inside the current transaction; returns its rows.
Execute = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

_UPLOAD_COLUMNS = "id, workspace_id, name, version, size, sha256, sheet, layer, mapping, rows, created"


def new_id() -> str:
    """A fresh, unguessable id (16 hex characters)."""
    return secrets.token_hex(8)


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    """A time in UTC (a naive time is taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _SQLStore(WorkspaceStore):
    """The store's logic over a SQL connection; subclasses add the connection."""

    def __init__(self, *, limits: Limits) -> None:
        self.limits = limits

    # ---- what a backend provides ---------------------------------------------------------------
    @abc.abstractmethod
    def _transaction(self, *, write: bool = False) -> contextlib.AbstractContextManager[Execute]:
        """One transaction; writes take the store's write lock for their whole duration."""

    def _time(self, value: Any) -> datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

    def _json(self, value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else json.loads(value)

    def _stamp(self, value: datetime) -> Any:
        return value

    def _mapping(self, value: Mapping[str, Any]) -> Any:
        return json.dumps(dict(value), ensure_ascii=False, sort_keys=True)

    def _blob(self, value: bytes) -> Any:
        return value

    # ---- helpers -----------------------------------------------------------------------------
    def _workspace_row(self, run: Execute, workspace_id: str) -> tuple[Any, ...]:
        rows = (
            run("SELECT id, name, created, updated FROM {p}workspaces WHERE id = ?", [workspace_id])
            if is_id(workspace_id)
            else []
        )
        if not rows:
            raise UnknownWorkspaceError("workspace", workspace_id)
        return rows[0]

    def _workspace(self, row: Sequence[Any]) -> Workspace:
        return Workspace(id=row[0], name=row[1], created=self._time(row[2]), updated=self._time(row[3]))

    def _upload(self, row: Sequence[Any]) -> Upload:
        return Upload(
            id=row[0],
            workspace_id=row[1],
            name=row[2],
            version=int(row[3]),
            size=int(row[4]),
            sha256=row[5],
            sheet=row[6],
            layer=row[7],
            mapping=self._json(row[8]),
            rows=None if row[9] is None else int(row[9]),
            created=self._time(row[10]),
        )

    def _view(self, row: Sequence[Any]) -> SavedView:
        return SavedView(id=row[0], workspace_id=row[1], name=row[2], query=row[3], created=self._time(row[4]))

    def _touch(self, run: Execute, workspace_id: str) -> None:
        run("UPDATE {p}workspaces SET updated = ? WHERE id = ?", [self._stamp(now()), workspace_id])

    # ---- workspaces --------------------------------------------------------------------------
    def create_workspace(self, name: str) -> Workspace:
        name = clean_name("workspace", name)
        stamp = now()
        ident = new_id()
        with self._transaction(write=True) as run:
            run(
                "INSERT INTO {p}workspaces (id, name, created, updated) VALUES (?, ?, ?, ?)",
                [ident, name, self._stamp(stamp), self._stamp(stamp)],
            )
            return self._workspace(self._workspace_row(run, ident))

    def workspaces(self) -> list[Workspace]:
        with self._transaction() as run:
            rows = run("SELECT id, name, created, updated FROM {p}workspaces ORDER BY updated DESC, id", [])
        return [self._workspace(row) for row in rows]

    def workspace(self, workspace_id: str) -> Workspace:
        with self._transaction() as run:
            return self._workspace(self._workspace_row(run, workspace_id))

    def rename_workspace(self, workspace_id: str, name: str) -> Workspace:
        name = clean_name("workspace", name)
        with self._transaction(write=True) as run:
            self._workspace_row(run, workspace_id)
            run("UPDATE {p}workspaces SET name = ?, updated = ? WHERE id = ?", [name, self._stamp(now()), workspace_id])
            return self._workspace(self._workspace_row(run, workspace_id))

    def delete_workspace(self, workspace_id: str) -> None:
        with self._transaction(write=True) as run:
            self._workspace_row(run, workspace_id)
            # explicit, not only ON DELETE CASCADE: the same on every backend
            run("DELETE FROM {p}views WHERE workspace_id = ?", [workspace_id])
            run("DELETE FROM {p}uploads WHERE workspace_id = ?", [workspace_id])
            run("DELETE FROM {p}workspaces WHERE id = ?", [workspace_id])

    # ---- uploads -----------------------------------------------------------------------------
    def save_upload(
        self,
        workspace_id: str,
        name: str,
        data: bytes,
        *,
        mapping: Mapping[str, Any],
        sheet: str | None = None,
        layer: str | None = None,
        rows: int | None = None,
        created: datetime | None = None,
    ) -> Upload:
        name = clean_name("file", name)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise WorkspaceError(
                Message("{file}: the file's content must be bytes, not {kind}", file=name, kind=type(data).__name__)
            )
        data = bytes(data)
        self.limits.check_size(name, len(data))
        if rows is not None:
            self.limits.check_rows(name, rows)
        try:
            json.dumps(dict(mapping), allow_nan=False)
            mapping_value = self._mapping(mapping)
        except (TypeError, ValueError) as exc:
            raise WorkspaceError(
                Message("{file}: the column mapping cannot be saved as JSON ({reason})", file=name, reason=exc)
            ) from None
        ident = new_id()
        with self._transaction(write=True) as run:
            self._workspace_row(run, workspace_id)
            self._lock_workspace(run, workspace_id)
            (last,) = run(
                "SELECT COALESCE(MAX(version), 0) FROM {p}uploads WHERE workspace_id = ? AND name = ?",
                [workspace_id, name],
            )[0]
            run(
                f"INSERT INTO {{p}}uploads ({_UPLOAD_COLUMNS}, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    ident,
                    workspace_id,
                    name,
                    int(last) + 1,
                    len(data),
                    hashlib.sha256(data).hexdigest(),
                    sheet,
                    layer,
                    mapping_value,
                    rows,
                    self._stamp(_utc(created) if created is not None else now()),
                    self._blob(data),
                ],
            )
            self._touch(run, workspace_id)
            return self._upload(run(f"SELECT {_UPLOAD_COLUMNS} FROM {{p}}uploads WHERE id = ?", [ident])[0])

    def _lock_workspace(self, run: Execute, workspace_id: str) -> None:
        """Serialise version numbering per workspace (a backend without a global write lock
        locks the workspace's row)."""

    def uploads(self, workspace_id: str) -> list[Upload]:
        with self._transaction() as run:
            self._workspace_row(run, workspace_id)
            rows = run(
                f"SELECT {_UPLOAD_COLUMNS} FROM {{p}}uploads u WHERE workspace_id = ? AND version = "
                "(SELECT MAX(version) FROM {p}uploads v WHERE v.workspace_id = u.workspace_id AND v.name = u.name) "
                "ORDER BY (SELECT MIN(created) FROM {p}uploads w WHERE w.workspace_id = u.workspace_id "
                "AND w.name = u.name), name",
                [workspace_id],
            )
        return [self._upload(row) for row in rows]

    def versions(self, workspace_id: str, name: str) -> list[Upload]:
        with self._transaction() as run:
            self._workspace_row(run, workspace_id)
            rows = run(
                f"SELECT {_UPLOAD_COLUMNS} FROM {{p}}uploads WHERE workspace_id = ? AND name = ? ORDER BY version DESC",
                [workspace_id, str(name).strip()],
            )
        return [self._upload(row) for row in rows]

    def upload(self, upload_id: str) -> Upload:
        with self._transaction() as run:
            rows = (
                run(f"SELECT {_UPLOAD_COLUMNS} FROM {{p}}uploads WHERE id = ?", [upload_id]) if is_id(upload_id) else []
            )
        if not rows:
            raise UnknownWorkspaceError("upload", upload_id)
        return self._upload(rows[0])

    def upload_bytes(self, upload_id: str) -> bytes:
        with self._transaction() as run:
            rows = run("SELECT data FROM {p}uploads WHERE id = ?", [upload_id]) if is_id(upload_id) else []
        if not rows:
            raise UnknownWorkspaceError("upload", upload_id)
        return bytes(rows[0][0])

    def delete_upload(self, workspace_id: str, name: str) -> int:
        with self._transaction(write=True) as run:
            self._workspace_row(run, workspace_id)
            (count,) = run("SELECT COUNT(*) FROM {p}uploads WHERE workspace_id = ? AND name = ?", [workspace_id, name])[
                0
            ]
            run("DELETE FROM {p}uploads WHERE workspace_id = ? AND name = ?", [workspace_id, name])
            self._touch(run, workspace_id)
        return int(count)

    # ---- saved views -------------------------------------------------------------------------
    def save_view(self, workspace_id: str, name: str, query: str) -> SavedView:
        name = clean_name("view", name)
        with self._transaction(write=True) as run:
            self._workspace_row(run, workspace_id)
            self._lock_workspace(run, workspace_id)
            found = run("SELECT id FROM {p}views WHERE workspace_id = ? AND name = ?", [workspace_id, name])
            if found:
                ident = found[0][0]
                run("UPDATE {p}views SET query = ?, created = ? WHERE id = ?", [str(query), self._stamp(now()), ident])
            else:
                ident = new_id()
                run(
                    "INSERT INTO {p}views (id, workspace_id, name, query, created) VALUES (?, ?, ?, ?, ?)",
                    [ident, workspace_id, name, str(query), self._stamp(now())],
                )
            self._touch(run, workspace_id)
            return self._view(
                run("SELECT id, workspace_id, name, query, created FROM {p}views WHERE id = ?", [ident])[0]
            )

    def views(self, workspace_id: str) -> list[SavedView]:
        with self._transaction() as run:
            self._workspace_row(run, workspace_id)
            rows = run(
                "SELECT id, workspace_id, name, query, created FROM {p}views WHERE workspace_id = ? ORDER BY name, id",
                [workspace_id],
            )
        return [self._view(row) for row in rows]

    def view(self, view_id: str) -> SavedView:
        with self._transaction() as run:
            rows = (
                run("SELECT id, workspace_id, name, query, created FROM {p}views WHERE id = ?", [view_id])
                if is_id(view_id)
                else []
            )
        if not rows:
            raise UnknownWorkspaceError("saved view", view_id)
        return self._view(rows[0])

    def delete_view(self, view_id: str) -> None:
        with self._transaction(write=True) as run:
            rows = run("SELECT workspace_id FROM {p}views WHERE id = ?", [view_id]) if is_id(view_id) else []
            if not rows:
                raise UnknownWorkspaceError("saved view", view_id)
            run("DELETE FROM {p}views WHERE id = ?", [view_id])
            self._touch(run, rows[0][0])
