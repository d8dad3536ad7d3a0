"""Exceptions of the mapper, in one place.

Every exception subclasses a built-in so callers can catch broadly, and every message says
what is wrong, shows the offending value and says what to do.

Messages are :class:`mapper.i18n.Message` objects: ``str(exc)`` is English (logs, tests), and
``exc.text(translator("ja"))`` (or ``translator("ja").message(exc)``) is Japanese where it is
shown (the app's pages, ``mapper --lang ja``). The library never needs to know the language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .i18n import Message, translator

if TYPE_CHECKING:
    from .i18n import Translator


class MapperError(Exception):
    """Base class of every error the mapper raises on purpose.

    The first argument is the message (a :class:`~mapper.i18n.Message` when translatable).
    """

    @property
    def message(self) -> Message | None:
        """The message, when it is a translatable :class:`~mapper.i18n.Message`."""
        first = self.args[0] if len(self.args) == 1 else None
        return first if isinstance(first, Message) else None

    def text(self, tr: Translator | None = None) -> str:
        """The message in the language of ``tr`` (English by default)."""
        message = self.message
        return str(self) if message is None else (tr or translator()).message(message)


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
        return self.text()

    def text(self, tr: Translator | None = None) -> str:
        """Where, what and the value, in the language of ``tr`` (English by default)."""
        tr = tr or translator()
        if self._names_its_file():
            return tr.message(self.message)  # "{file}: cannot read ...": a read error, already complete
        where = self.file
        if self.feature is not None:
            where = tr.gettext("{file}, feature {feature}").format(file=where, feature=self.feature)
        if self.field:
            where = tr.gettext("{where}, field '{field}'").format(where=where, field=self.field)
        message = tr.message(self.message)
        if self.value is None:
            return tr.gettext("{where}: {message}").format(where=where, message=message)
        return tr.gettext("{where}: {message} (value: {value})").format(
            where=where, message=message, value=repr(self.value)
        )

    def _names_its_file(self) -> bool:
        """Whether the message is a whole sentence about this file (``"{file}: ..."``, e.g. a
        file that cannot be read), with no field, feature or value to add."""
        message = self.message
        return (
            isinstance(message, Message)
            and message.msgid.startswith("{file}: ")
            and str(message.params.get("file")) == self.file
            and not self.field
            and self.feature is None
            and self.value is None
        )


class SpecError(MapperError, ValueError):
    """A layer spec or schema file is invalid; lists every bad field at once."""

    def __init__(self, path: str, problems: Iterable[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(self.text())

    def text(self, tr: Translator | None = None) -> str:
        tr = tr or translator()
        lines = "\n".join(f"  - {tr.message(p)}" for p in self.problems)
        return tr.gettext("{path} is not a valid spec:").format(path=self.path) + "\n" + lines


def spec_value(value: object) -> str:
    """How a spec's value is quoted in a message: as written in Python (``repr``: text in
    quotes), cut at 200 characters so a long value cannot flood the message."""
    return repr(value)[:200]


def unknown_keys(where: str, given: Iterable[str], known: Iterable[str]) -> Message | None:
    """The problem a :class:`SpecError` lists when the table ``where`` (e.g. ``fields.name``,
    ``[style]``) has keys that are not in ``known`` (naming them and the allowed ones), or
    None when it has none."""
    allowed = set(known)
    unknown = set(given) - allowed
    if not unknown:
        return None
    return Message(
        "{name} has unknown keys {unknown}; allowed: {known}",
        name=where,
        unknown=str(sorted(unknown)),
        known=str(sorted(allowed)),
    )


class DataValidationError(MapperError, ValueError):
    """A data file does not follow its schema; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.text())

    def text(self, tr: Translator | None = None) -> str:
        tr = tr or translator()
        n = len(self.problems)
        shown = "\n".join(f"  - {p.text(tr)}" for p in self.problems[:50])
        more = "\n  " + tr.gettext("... and {n} more").format(n=n - 50) if n > 50 else ""
        return tr.gettext("{n} problem(s) found:").format(n=n) + f"\n{shown}{more}"


class UnknownLayerError(MapperError, KeyError):
    """A layer id that is not in the catalogue; the message lists the valid ids."""

    def __init__(self, name: str, available: Iterable[str]) -> None:
        self.name = name
        self.available = sorted(available)
        super().__init__(name)

    def __str__(self) -> str:
        return str(self.message)

    @property
    def message(self) -> Message:
        return Message(
            "no layer named {name}. Available layers: {available}. Run `mapper layers` to see the catalogue.",
            name=repr(self.name),
            available=", ".join(self.available),
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
        choices = ", ".join(self.valid) if self.valid else Message("(none in the selected data)")
        super().__init__(
            Message(
                "unknown {facet} value(s) {values}; valid values: {choices}",
                facet=facet,
                values=", ".join(repr(v) for v in self.values),
                choices=choices,
            )
        )


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
        return str(self.message)

    @property
    def message(self) -> Message:
        return Message(
            "no {kind} with id {ident} in this deployment's store: it was deleted, or the link was made on "
            "another deployment. Ask for a new link, or pick one from the list on the Your data page.",
            kind=_WORKSPACE_KINDS.get(self.kind, self.kind),
            ident=repr(self.ident),
        )


#: What an :class:`UnknownWorkspaceError` names, for people.
_WORKSPACE_KINDS = {"workspace": Message("workspace"), "upload": Message("upload"), "saved view": Message("saved view")}


class StoreUnavailableError(WorkspaceError, OSError):
    """The workspace store cannot be opened or reached (folder not writable, database down)."""
