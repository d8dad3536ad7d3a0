"""Workspaces that last: the user's uploads (kept byte for byte, with their mapping, as
versions) and saved views, in a store that survives restarts.

Two implementations of one interface (:class:`WorkspaceStore`):

- the default, embedded store: one SQLite file (WAL mode, transactions; safe for several
  processes on one machine) in the data directory, ``MAPPER_DATA_DIR`` or, when unset,
  ``$XDG_DATA_HOME/mapper`` (``~/.local/share/mapper``). Nothing to set up.
- the shared store: when ``MAPPER_DATABASE_URL`` is set (``postgresql://…``), the same
  tables live in PostgreSQL/PostGIS, so several app processes behind a load balancer see
  the same workspaces (needs the ``postgis`` extra: ``pip install -e ".[postgis]"``).

The store keeps what the user gave, unchanged: the file's bytes, its name, the sheet or
layer picked in it, and the column mapping (a JSON object). Saving a file under a name the
workspace already holds adds a new version and keeps the old ones. Everything derived (the
records on the map) is rebuilt from those, so a fix in the reader reaches old uploads too.

Example
-------
>>> store = open_store(data_dir=tmp)                                    # doctest: +SKIP
>>> ws = store.create_workspace("Mekong pipeline")                      # doctest: +SKIP
>>> up = store.save_upload(ws.id, "sites.csv", data, mapping={"lon": "経度"})  # doctest: +SKIP
>>> store.upload_bytes(up.id) == data                                   # doctest: +SKIP
True
"""

from __future__ import annotations

import abc
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ._errors import StoreUnavailableError, UnknownWorkspaceError, UploadLimitError, WorkspaceError
from .i18n import Message

#: Environment variables that configure the store and its limits.
DATA_DIR_ENV = "MAPPER_DATA_DIR"
DATABASE_URL_ENV = "MAPPER_DATABASE_URL"
MAX_MB_ENV = "MAPPER_UPLOAD_MAX_MB"
MAX_ROWS_ENV = "MAPPER_UPLOAD_MAX_ROWS"
#: File name of the embedded store inside the data directory.
SQLITE_NAME = "workspaces.sqlite"
#: Longest workspace, upload or view name accepted (characters).
MAX_NAME = 200
#: Ids are lowercase hex tokens (unguessable, safe in a URL).
_ID = re.compile(r"^[0-9a-f]{12,32}$")


def default_data_dir() -> Path:
    """The data directory: ``MAPPER_DATA_DIR``, else ``$XDG_DATA_HOME/mapper``, else
    ``~/.local/share/mapper``."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "mapper"


def is_id(value: object) -> bool:
    """Whether ``value`` looks like a store id (so a bad URL value is never sent to a query)."""
    return isinstance(value, str) and bool(_ID.match(value))


@dataclass(frozen=True)
class Limits:
    """How large one upload may be. Read from the environment by :meth:`from_env`."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 200_000

    @classmethod
    def from_env(cls) -> Limits:
        """``MAPPER_UPLOAD_MAX_MB`` (default 200) and ``MAPPER_UPLOAD_MAX_ROWS`` (default
        200,000), read by :mod:`mapper.upload` (the same limits for the reader and the store).

        Raises
        ------
        UploadError
            If a variable is not a positive number (the message names it).
        """
        from .upload import max_bytes, max_rows

        return cls(max_bytes=max_bytes(), max_rows=max_rows())

    def check_size(self, name: str, size: int) -> None:
        """Raise :class:`UploadLimitError` when a file of ``size`` bytes is too large."""
        if size > self.max_bytes:
            raise UploadLimitError(
                Message(
                    "{file}: the file is {size} MB; this deployment keeps files up to {limit} MB. Split it (by "
                    "country or year), drop columns the map does not need, or ask the administrator to raise {env}.",
                    file=name,
                    size=f"{size / 1024 / 1024:.1f}",
                    limit=f"{self.max_bytes / 1024 / 1024:.0f}",
                    env=MAX_MB_ENV,
                )
            )

    def check_rows(self, name: str, rows: int) -> None:
        """Raise :class:`UploadLimitError` when a table of ``rows`` records is too long."""
        if rows > self.max_rows:
            raise UploadLimitError(
                Message(
                    "{file}: the table has {rows} rows; this deployment maps up to {limit} rows per upload. Split it "
                    "(by country or year), or ask the administrator to raise {env}.",
                    file=name,
                    rows=f"{rows:,}",
                    limit=f"{self.max_rows:,}",
                    env=MAX_ROWS_ENV,
                )
            )


@dataclass(frozen=True)
class Workspace:
    """A named collection of uploads and saved views."""

    id: str
    name: str
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class Upload:
    """One version of an uploaded file, as the user gave it (the bytes are read with
    :meth:`WorkspaceStore.upload_bytes`)."""

    id: str
    workspace_id: str
    #: The file name as uploaded; saving the same name again makes a new version.
    name: str
    version: int
    size: int
    sha256: str
    #: The sheet (spreadsheets) or layer (GeoPackage, KML) picked in the file, if any.
    sheet: str | None
    layer: str | None
    #: The column mapping (JSON object) chosen for this version.
    mapping: dict[str, Any] = field(hash=False)
    #: Rows the mapping read (``None`` when not counted).
    rows: int | None
    created: datetime


@dataclass(frozen=True)
class SavedView:
    """A named view of a workspace: the app's URL query string (see
    :meth:`mapper.viewstate.ViewState.to_query`). Saving a view under a name the workspace
    already holds replaces its query and keeps its id (links to it keep working)."""

    id: str
    workspace_id: str
    name: str
    query: str
    created: datetime


class WorkspaceStore(abc.ABC):
    """What every store offers. Methods that take an id raise
    :class:`~mapper.UnknownWorkspaceError` for an id the store does not hold."""

    limits: Limits

    # ---- workspaces --------------------------------------------------------------------------
    @abc.abstractmethod
    def create_workspace(self, name: str) -> Workspace:
        """A new, empty workspace."""

    @abc.abstractmethod
    def workspaces(self) -> list[Workspace]:
        """Every workspace, most recently changed first."""

    @abc.abstractmethod
    def workspace(self, workspace_id: str) -> Workspace:
        """One workspace."""

    @abc.abstractmethod
    def rename_workspace(self, workspace_id: str, name: str) -> Workspace:
        """Give a workspace a new name (its id, and links to it, stay)."""

    @abc.abstractmethod
    def delete_workspace(self, workspace_id: str) -> None:
        """Delete a workspace with all its uploads, versions and views."""

    # ---- uploads -----------------------------------------------------------------------------
    @abc.abstractmethod
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
        """Keep ``data`` (unchanged) with its mapping as the next version of ``name``.

        ``created`` is the upload time (default: now), e.g. the moment the file reached the
        page, which the records checked then already carry.

        Raises
        ------
        UploadLimitError
            If the file or its row count is over :attr:`limits`.
        """

    @abc.abstractmethod
    def uploads(self, workspace_id: str) -> list[Upload]:
        """The newest version of each upload of a workspace, in upload order."""

    @abc.abstractmethod
    def versions(self, workspace_id: str, name: str) -> list[Upload]:
        """Every version of one upload, newest first."""

    @abc.abstractmethod
    def upload(self, upload_id: str) -> Upload:
        """One version of an upload."""

    @abc.abstractmethod
    def upload_bytes(self, upload_id: str) -> bytes:
        """The file exactly as it was uploaded."""

    @abc.abstractmethod
    def delete_upload(self, workspace_id: str, name: str) -> int:
        """Remove every version of one upload from a workspace; returns how many."""

    # ---- saved views -------------------------------------------------------------------------
    @abc.abstractmethod
    def save_view(self, workspace_id: str, name: str, query: str) -> SavedView:
        """Save (or replace, by name) a view of a workspace."""

    @abc.abstractmethod
    def views(self, workspace_id: str) -> list[SavedView]:
        """The saved views of a workspace, by name."""

    @abc.abstractmethod
    def view(self, view_id: str) -> SavedView:
        """One saved view."""

    @abc.abstractmethod
    def delete_view(self, view_id: str) -> None:
        """Delete one saved view."""

    # ---- lifetime ----------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def location(self) -> str:
        """Where the data lives, for people (a path, or the database without password)."""

    def close(self) -> None:  # noqa: B027 - optional for backends without resources
        """Release resources held by the store (connections)."""


#: What :func:`clean_name` names, for people.
_KINDS = {"workspace": Message("workspace"), "file": Message("file"), "view": Message("view")}


def clean_name(kind: str, name: object) -> str:
    """A workspace/upload/view name with surrounding blanks removed; empty or too long names
    raise :class:`WorkspaceError` saying what to do."""
    text = str(name or "").strip()
    shown = _KINDS.get(kind, kind)
    if not text:
        raise WorkspaceError(Message("a {kind} needs a name: type one (any language)", kind=shown))
    if len(text) > MAX_NAME:
        raise WorkspaceError(
            Message(
                "the {kind} name is {length} characters long; use at most {limit}",
                kind=shown,
                length=len(text),
                limit=MAX_NAME,
            )
        )
    return text


def open_store(
    url: str | None = None, *, data_dir: str | Path | None = None, limits: Limits | None = None
) -> WorkspaceStore:
    """The store this deployment uses.

    Parameters
    ----------
    url
        A ``postgresql://`` URL for the shared PostGIS store; default ``MAPPER_DATABASE_URL``.
        Without one, the embedded SQLite store is used.
    data_dir
        Folder of the embedded store (default :func:`default_data_dir`); created if missing.
    limits
        Upload limits (default :meth:`Limits.from_env`).

    Raises
    ------
    StoreUnavailableError
        If the folder cannot be written or the database cannot be reached (the message says
        which and what to check).
    """
    limits = limits or Limits.from_env()
    url = url if url is not None else os.environ.get(DATABASE_URL_ENV) or None
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise StoreUnavailableError(
                Message(
                    "{env} must be a postgresql:// URL (got one starting {scheme}); unset it to use the embedded store",
                    env=DATABASE_URL_ENV,
                    scheme=repr(url.split(":", 1)[0]),
                )
            )
        from ._store_postgis import PostGISStore

        return PostGISStore(url, limits=limits)
    from ._store_sqlite import SQLiteStore

    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    return SQLiteStore(folder / SQLITE_NAME, limits=limits)


__all__ = [
    "Limits",
    "SavedView",
    "StoreUnavailableError",
    "UnknownWorkspaceError",
    "Upload",
    "UploadLimitError",
    "Workspace",
    "WorkspaceError",
    "WorkspaceStore",
    "default_data_dir",
    "open_store",
]
