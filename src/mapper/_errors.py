"""Exceptions of the mapper, in one place.

Every exception subclasses a built-in so callers can catch broadly, and every message says
what is wrong, shows the offending value and says what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class MapperError(Exception):
    """Base class of every error the mapper raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a file: where it is, which field, which value, what to do."""

    file: str
    field: str
    message: str
    feature: str | None = None
    value: object = None
    severity: str = "error"
    #: Position of the record in the file (0-based), when the problem is about one record.
    row: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.feature is not None:
            where += f", feature {self.feature}"
        if self.field:
            where += f", field '{self.field}'"
        shown = "" if self.value is None else f" (value: {self.value!r})"
        return f"{where}: {self.message}{shown}"


class SpecError(MapperError, ValueError):
    """A layer spec or schema file is invalid; lists every bad field at once."""

    def __init__(self, path: str, problems: Iterable[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.path} is not a valid spec:\n{lines}")


class DataValidationError(MapperError, ValueError):
    """A data file does not follow its schema; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  ... and {n - 50} more" if n > 50 else ""
        super().__init__(f"{n} problem(s) found:\n{shown}{more}")


class UnknownLayerError(MapperError, KeyError):
    """A layer id that is not in the catalogue; the message lists the valid ids."""

    def __init__(self, name: str, available: Iterable[str]) -> None:
        self.name = name
        self.available = sorted(available)
        super().__init__(name)

    def __str__(self) -> str:
        return (
            f"no layer named {self.name!r}. Available layers: {', '.join(self.available)}. "
            "Run `mapper layers` to see the catalogue."
        )


class DataReadError(MapperError, OSError):
    """A data file cannot be read (missing, unknown format, missing lon/lat columns...)."""


class FilterError(MapperError, ValueError):
    """A filter value is invalid (unknown layer, bad year range, ...)."""


class UnknownValueError(FilterError):
    """A filter value (country, partnership, status...) that the data does not hold; the
    message lists the valid values."""

    def __init__(self, facet: str, values: Iterable[str], valid: Iterable[str]) -> None:
        self.facet = facet
        self.values = list(values)
        self.valid = list(valid)
        shown = ", ".join(repr(v) for v in self.values)
        choices = ", ".join(self.valid) if self.valid else "(none in the selected data)"
        super().__init__(f"unknown {facet} value(s) {shown}; valid values: {choices}")


class UploadError(MapperError, ValueError):
    """An uploaded table cannot be mapped as asked (no location column, unknown column name,
    every row rejected...); the message says what to choose or fix."""


class UploadLimitError(DataReadError):
    """An upload is larger than the deployment allows (bytes or rows); the message gives the
    limit and the environment variable that sets it (raised by the reader and the store)."""


class WorkspaceError(MapperError):
    """Base class of the errors of the workspace store (saved uploads and views)."""


class UnknownWorkspaceError(WorkspaceError, KeyError):
    """A workspace, upload or saved view id that the store does not hold (never created,
    or deleted since): a link that points at it can only be opened without it."""

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(kind, ident)

    def __str__(self) -> str:
        return (
            f"no {self.kind} with id {self.ident!r} in this deployment's store: it was deleted, "
            "or the link was made on another deployment. Ask for a new link, or pick one from the "
            "list on the Your data page."
        )


class StoreUnavailableError(WorkspaceError, OSError):
    """The workspace store cannot be opened or reached (folder not writable, database down)."""
