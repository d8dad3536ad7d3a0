"""Schemas: which fields a layer's records carry, their types, allowed values and ranges.

Schemas are TOML files in ``layers/schemas/``; :func:`load_schema` turns one into a
:class:`Schema` and :meth:`Schema.check` reports every problem of a frame at once.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pycountry

from ._errors import Problem, SpecError, spec_value, unknown_keys
from .i18n import Message, Translator, translator

FIELD_TYPES = (
    "string",
    "integer",
    "number",
    "boolean",
    "date",
    "url",
    "url_list",
    "iso3",
    "iso3_list",
    "status_history",
)
#: A ``status_history`` field is the dated history of the field named without this suffix
#: (``status_history`` of ``status``): ``"2019:designated; 2024:awarded"``.
HISTORY_SUFFIX = "_history"
PROVENANCE_FIELDS = ("source_url", "source_publisher", "source_date")
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_URL_RE = re.compile(r"^https?://[^\s<>\"']+$")
# Codes pycountry does not list but that the data uses.
_EXTRA_ISO3 = {"XKX"}


def is_iso3(code: object) -> bool:
    """True if ``code`` is an ISO 3166-1 alpha-3 code (upper case)."""
    if not isinstance(code, str) or len(code) != 3 or not code.isupper():
        return False
    return code in _EXTRA_ISO3 or pycountry.countries.get(alpha_3=code) is not None


def split_list(value: object, sep: str = ";") -> list[str]:
    """Split a ``';'``-separated list cell into stripped, non-empty items."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(sep) if part.strip()]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a schema."""

    name: str
    type: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    unique: bool = False
    description: str = ""

    def check(self, value: Any) -> str | None:
        """Return what is wrong with a present (non-missing) value, or None."""
        checker = _CHECKERS[self.type]
        message = checker(value)
        if message:
            return message
        if self.type == "status_history":
            return self._check_history(value)
        if self.allowed is not None and str(value) not in self.allowed:
            same = [a for a in self.allowed if a.casefold() == str(value).strip().casefold()]
            if same:
                return Message(
                    "must be one of: {allowed} (did you mean {same}?)",
                    allowed=", ".join(self.allowed),
                    same=repr(same[0]),
                )
            return Message("must be one of: {allowed}", allowed=", ".join(self.allowed))
        if self.type in ("integer", "number"):
            number = float(value)
            if self.min is not None and number < self.min:
                return Message("must be at least {min}", min=_fmt(self.min))
            if self.max is not None and number > self.max:
                return Message("must be at most {max}", max=_fmt(self.max))
            if self.type == "integer" and abs(number) >= 2**53:
                return Message("is far too large to be a real value; check the number")
        if self.pattern and not re.fullmatch(self.pattern, str(value)):
            return Message("must match the pattern {pattern}", pattern=self.pattern)
        return None

    def _check_history(self, value: Any) -> Message | None:
        """Each entry's status is allowed and its year within ``min``..``max``."""
        for year, status in parse_status_history(value):
            if self.allowed is not None and status not in self.allowed:
                return Message(
                    "has {status} in {year}: each status must be one of: {allowed}",
                    status=repr(status),
                    year=year,
                    allowed=", ".join(self.allowed),
                )
            if (self.min is not None and year < self.min) or (self.max is not None and year > self.max):
                return Message(
                    "has the year {year}, outside {low}..{high}", year=year, low=_fmt(self.min), high=_fmt(self.max)
                )
        return None

    def coerce(self, series: pd.Series) -> pd.Series:
        """Cast a column that passed :meth:`check` to its natural dtype."""
        if self.type in ("integer", "number") and _is_numeric(series):  # typed already (e.g. an upload's)
            numbers = pd.Series(series.to_numpy(dtype="float64", na_value=np.nan), index=series.index)
            if self.type == "integer":
                whole = np.isfinite(numbers) & (numbers.abs() < 2**53) & (numbers % 1 == 0)
                return numbers.where(whole).astype("Int64")
            return numbers.where(np.isfinite(numbers)).astype("Float64")
        if self.type == "integer":
            numbers = pd.to_numeric(series.map(_to_number, na_action="ignore"), errors="coerce").astype("float64")
            # 2015.5, 1e308, inf are reported by check(); they become missing here, never a crash
            whole = numbers.where(np.isfinite(numbers) & (numbers.abs() < 2**53) & (numbers % 1 == 0))
            return whole.astype("Int64")
        if self.type == "number":
            numbers = pd.to_numeric(series.map(_to_number, na_action="ignore"), errors="coerce").astype("float64")
            return numbers.where(np.isfinite(numbers)).astype("Float64")
        if self.type == "boolean":
            return series.map(_to_bool, na_action="ignore").astype("boolean")
        return series.astype("string")


def _is_numeric(series: pd.Series) -> bool:
    """True for a column of numbers (NumPy or nullable dtype, not booleans)."""
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def _to_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    return None


def _check_string(value: Any) -> str | None:
    if not isinstance(value, str):
        return Message("must be text")
    if not value.strip():
        return Message("must not be blank")
    return None


def _check_integer(value: Any) -> str | None:
    if isinstance(value, bool):
        return Message("must be a whole number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return Message("must be a whole number")
    if not math.isfinite(number):
        return Message("must be a finite whole number (not NaN or infinity); leave the cell empty if unknown")
    if not number.is_integer():
        return Message("must be a whole number")
    return None


def _check_number(value: Any) -> str | None:
    if isinstance(value, bool):
        return Message("must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return Message("must be a number")
    if not math.isfinite(number):
        return Message("must be a finite number (not NaN or infinity); leave the cell empty if unknown")
    return None


def _check_boolean(value: Any) -> str | None:
    return None if _to_bool(value) is not None else Message("must be true or false")


def _check_date(value: Any) -> str | None:
    if isinstance(value, _dt.date):
        return None
    text = str(value)
    if not _DATE_RE.match(text):
        return Message("must be a date written YYYY-MM-DD, YYYY-MM or YYYY")
    parts = [int(p) for p in text.split("-")]
    try:
        _dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return Message("is not a real calendar date")
    return None


def _check_url(value: Any) -> str | None:
    if not isinstance(value, str) or not _URL_RE.match(value.strip()):
        return Message("must be an http(s) URL")
    return None


def _check_url_list(value: Any) -> str | None:
    items = split_list(value)
    if not items:
        return Message("must hold at least one http(s) URL")
    bad = [u for u in items if _check_url(u)]
    return Message("holds something that is not an http(s) URL: {value}", value=repr(bad[0])) if bad else None


def _check_iso3(value: Any) -> str | None:
    if not is_iso3(value):
        upper = str(value).strip().upper()
        if is_iso3(upper):
            return Message("must be an ISO 3166-1 alpha-3 code in capitals, e.g. LAO (write {code})", code=repr(upper))
        return Message("must be an ISO 3166-1 alpha-3 code in capitals, e.g. LAO")
    return None


def _check_iso3_list(value: Any) -> str | None:
    items = split_list(value)
    if not items:
        return Message("must hold at least one ISO 3166-1 alpha-3 code")
    bad = [c for c in items if not is_iso3(c)]
    if not bad:
        return None
    return Message(
        "holds {value}, not an ISO 3166-1 alpha-3 code in capitals (e.g. LAO); separate codes with ';'",
        value=repr(bad[0]),
    )


_HISTORY_ITEM = re.compile(r"^\s*(\d{4})\s*:\s*([a-z][a-z0-9_]*)\s*$")


def parse_status_history(value: object) -> list[tuple[int, str]]:
    """``[(year, status), ...]`` of a ``status_history`` cell (``"2019:designated;
    2024:awarded"``), in the cell's order; entries that are not ``YEAR:status`` are skipped
    (:func:`_check_status_history` reports them)."""
    out = []
    for item in split_list(value):
        found = _HISTORY_ITEM.match(item)
        if found:
            out.append((int(found.group(1)), found.group(2)))
    return out


def _check_status_history(value: Any) -> Message | None:
    if not isinstance(value, str) or not value.strip():
        return Message("must be text like '2019:designated; 2024:awarded'")
    items = split_list(value)
    bad = [item for item in items if not _HISTORY_ITEM.match(item)]
    if bad:
        return Message(
            "holds {item}: write each entry as YEAR:status, separated by ';' (e.g. '2019:designated; 2024:awarded')",
            item=repr(bad[0][:60]),
        )
    years = [year for year, _ in parse_status_history(value)]
    if any(later <= earlier for earlier, later in itertools.pairwise(years)):
        return Message("must list its years in increasing order, one status per year")
    return None


_CHECKERS = {
    "string": _check_string,
    "integer": _check_integer,
    "number": _check_number,
    "boolean": _check_boolean,
    "date": _check_date,
    "url": _check_url,
    "url_list": _check_url_list,
    "iso3": _check_iso3,
    "iso3_list": _check_iso3_list,
    "status_history": _check_status_history,
}


@dataclass(frozen=True)
class Schema:
    """The fields, geometry types and provenance rules records of a layer follow."""

    id: str
    title: str
    fields: dict[str, FieldSpec]
    geometry_types: tuple[str, ...] = ()
    precision_field: str = ""
    geometry_optional_when: tuple[str, str] | None = None
    description: str = ""
    path: Path | None = field(default=None, compare=False)

    @property
    def required(self) -> list[str]:
        """Names of the required fields."""
        return [f.name for f in self.fields.values() if f.required]

    def geometry_may_be_empty(self, record: dict[str, Any]) -> bool:
        """True if this record may have no geometry (e.g. a country-level activity)."""
        if self.geometry_optional_when is None:
            return not self.geometry_types
        key, expected = self.geometry_optional_when
        return str(record.get(key)) == expected

    def check(
        self, frame: pd.DataFrame, *, file: str, id_field: str = "id", derived: Iterable[str] = ()
    ) -> list[Problem]:
        """Check every record of ``frame`` against the schema; return all problems.

        Parameters
        ----------
        frame
            The records (attributes only).
        file
            The file name the problems name.
        id_field
            The field that identifies a record in the problems.
        derived
            Columns the project computes and adds to its own exports (e.g. ``country_name``,
            ``length_km``): accepted without a warning and not checked.
        """
        problems: list[Problem] = []
        missing_columns = [n for n in self.required if n not in frame.columns]
        for name in missing_columns:
            problems.append(Problem(file, name, Message("required column is missing; add it to every record")))
        known = set(self.fields) | {"geometry"} | set(derived)
        for column in frame.columns:
            if column not in known:
                problems.append(
                    Problem(
                        file,
                        str(column),
                        Message(
                            "is not a field of schema '{schema}'; rename it to one of the schema's fields or add it "
                            "to the schema",
                            schema=self.id,
                        ),
                        severity="warning",
                    )
                )
        ids = _record_ids(frame, id_field)
        for spec in self.fields.values():
            if spec.name not in frame.columns:
                continue
            column = frame[spec.name]
            for row, (rid, value) in enumerate(zip(ids, column, strict=True)):
                if is_missing(value):
                    if spec.required:
                        problems.append(
                            Problem(file, spec.name, Message("is required but empty; fill it in"), rid, row=row)
                        )
                    continue
                message = spec.check(value)
                if message:
                    problems.append(Problem(file, spec.name, message, rid, value, row=row))
            if spec.unique:
                # every later copy of a value is the problem; the first one stays
                seen: set[str] = set()
                for row, value in enumerate(column):
                    if is_missing(value):
                        continue
                    if str(value) in seen:
                        problems.append(
                            Problem(
                                file,
                                spec.name,
                                Message("is used by an earlier record too; every value must be unique"),
                                str(value),
                                value,
                                row=row,
                            )
                        )
                    seen.add(str(value))
        problems += self._check_histories(frame, file, ids)
        return problems

    def _check_histories(self, frame: pd.DataFrame, file: str, ids: list[str]) -> list[Problem]:
        """A status history must end with the record's current status (else one of them is
        out of date)."""
        problems = []
        for spec in self.fields.values():
            current = spec.name.removesuffix(HISTORY_SUFFIX)
            if spec.type != "status_history" or current not in frame.columns or spec.name not in frame.columns:
                continue
            for row, (value, now) in enumerate(zip(frame[spec.name], frame[current], strict=True)):
                if is_missing(value) or spec.check(value):
                    continue  # an empty or malformed history (reported by its own check)
                history = parse_status_history(value)
                if history and not is_missing(now) and history[-1][1] != str(now):
                    problems.append(
                        Problem(
                            file,
                            spec.name,
                            Message(
                                "ends with {last}, but {field} is {now}: add the current status to the history "
                                "(with its year), or correct {field}",
                                last=repr(history[-1][1]),
                                field=current,
                                now=repr(str(now)),
                            ),
                            ids[row],
                            value,
                            row=row,
                        )
                    )
        return problems

    def coerce(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return a copy of ``frame`` with each schema column cast to its dtype."""
        frame = frame.copy()
        for spec in self.fields.values():
            if spec.name in frame.columns:
                frame[spec.name] = spec.coerce(frame[spec.name])
            else:
                frame[spec.name] = spec.coerce(pd.Series([pd.NA] * len(frame), index=frame.index))
        return frame


def _record_ids(frame: pd.DataFrame, id_field: str) -> list[str]:
    if id_field in frame.columns:
        return [f"#{i + 1}" if is_missing(v) else str(v) for i, v in enumerate(frame[id_field])]
    return [f"#{i + 1}" for i in range(len(frame))]


def is_missing(value: Any) -> bool:
    """True for None, NaN/NA and blank text: an empty cell."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def load_schema(path: str | Path) -> Schema:
    """Read and validate one schema TOML file."""
    path = Path(path)
    return schema_from_dict(read_toml(path), path)


def schema_from_dict(raw: dict[str, Any], origin: str | Path) -> Schema:
    """Validate a schema given as data (the parsed TOML of a schema file, or one built for
    an uploaded table) into a :class:`Schema`.

    Parameters
    ----------
    raw
        The schema's keys, as in ``layers/schemas/*.toml``.
    origin
        Where it comes from, for error messages (a file path or e.g. ``upload:my_sites``).

    Raises
    ------
    SpecError
        Listing every bad key at once.
    """
    path = Path(origin)
    problems: list[str] = []
    for key in ("id", "title"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            problems.append(Message("'{key}' is missing or not text", key=key))
    fields_raw = raw.get("fields")
    if not isinstance(fields_raw, dict) or not fields_raw:
        problems.append(Message("'fields' is missing: add a [fields.NAME] table per field"))
        fields_raw = {}
    fields: dict[str, FieldSpec] = {}
    allowed_keys = {"type", "required", "allowed", "min", "max", "pattern", "unique", "description"}
    for name, spec in fields_raw.items():
        if not isinstance(spec, dict):
            problems.append(Message("fields.{name} must be a table", name=name))
            continue
        if unknown := unknown_keys(f"fields.{name}", spec, allowed_keys):
            problems.append(unknown)
        ftype = spec.get("type")
        if ftype not in FIELD_TYPES:
            problems.append(
                Message(
                    "fields.{name}.type is {value}; use one of {types}",
                    name=name,
                    value=spec_value(ftype),
                    types=", ".join(FIELD_TYPES),
                )
            )
            continue
        for bound in ("min", "max"):
            if bound in spec and (isinstance(spec[bound], bool) or not isinstance(spec[bound], int | float)):
                problems.append(
                    Message(
                        "fields.{name}.{bound} is {value}; write a number without quotes",
                        name=name,
                        bound=bound,
                        value=spec_value(spec[bound]),
                    )
                )
        if "pattern" in spec:
            try:
                re.compile(str(spec["pattern"]))
            except re.error as exc:
                problems.append(
                    Message(
                        "fields.{name}.pattern is not a valid regular expression: {error}", name=name, error=str(exc)
                    )
                )
        allowed = spec.get("allowed")
        if allowed is not None and not (isinstance(allowed, list) and all(isinstance(a, str) for a in allowed)):
            problems.append(Message("fields.{name}.allowed must be a list of text values", name=name))
            allowed = None
        fields[name] = FieldSpec(
            name=name,
            type=ftype,
            required=bool(spec.get("required", False)),
            allowed=tuple(allowed) if allowed is not None else None,
            min=spec.get("min"),
            max=spec.get("max"),
            pattern=spec.get("pattern"),
            unique=bool(spec.get("unique", False)),
            description=str(spec.get("description", "")),
        )
    geometry_types = raw.get("geometry_types", [])
    valid_geoms = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
    if not isinstance(geometry_types, list) or not all(isinstance(g, str) and g in valid_geoms for g in geometry_types):
        problems.append(Message("'geometry_types' must be a list of {kinds}", kinds=str(sorted(valid_geoms))))
        geometry_types = []
    precision_field = raw.get("precision_field", "")
    if not isinstance(precision_field, str):
        problems.append(
            Message("'precision_field' must be a field name (text), got {value}", value=spec_value(precision_field))
        )
        precision_field = ""
    if geometry_types:
        missing = [f for f in PROVENANCE_FIELDS if f not in fields]
        if missing:
            problems.append(
                Message("every record must carry its provenance: add fields {fields}", fields=", ".join(missing))
            )
        if not precision_field or precision_field not in fields:
            problems.append(Message("'precision_field' must name the field that says how exact the location is"))
    optional = raw.get("geometry_optional_when")
    optional_pair = None
    if optional is not None:
        if (
            not isinstance(optional, dict)
            or set(optional) != {"field", "equals"}
            or not isinstance(optional["field"], str)
        ):
            problems.append(Message("'geometry_optional_when' must be {form}", form='{field = "NAME", equals = ...}'))
        elif optional["field"] not in fields:
            problems.append(
                Message("'geometry_optional_when' names unknown field {name}", name=spec_value(optional["field"]))
            )
        else:
            optional_pair = (optional["field"], str(optional["equals"]))
    if problems:
        raise SpecError(str(path), problems)
    return Schema(
        id=raw["id"],
        title=raw["title"],
        description=str(raw.get("description", "")),
        fields=fields,
        geometry_types=tuple(geometry_types),
        precision_field=precision_field,
        geometry_optional_when=optional_pair,
        path=path,
    )


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a spec or schema TOML file.

    Raises
    ------
    SpecError
        If the file cannot be read, is not UTF-8 text or is not valid TOML; the message
        names the file and says how to fix it.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(
            str(path),
            [Message("cannot be read ({error}); check that it is a readable file", error=str(exc.strerror or exc))],
        ) from exc
    if b"\x00" in data:
        raise SpecError(str(path), [Message("is a binary file (it holds NUL bytes), not a TOML text file; replace it")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            str(path),
            [
                Message(
                    "is not UTF-8 text (byte {byte} at position {position} cannot be "
                    "decoded; it may be saved as Latin-1 or Shift-JIS); save it as UTF-8",
                    byte=repr(data[exc.start : exc.start + 1]),
                    position=exc.start,
                )
            ],
        ) from exc
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(
            str(path), [Message("is not valid TOML: {error}; fix the line it names", error=str(exc))]
        ) from exc


def load_schemas(folder: str | Path) -> dict[str, Schema]:
    """Load every ``*.toml`` schema in ``folder``, keyed by schema id."""
    schemas: dict[str, Schema] = {}
    for path in sorted(Path(folder).glob("*.toml")):
        schema = load_schema(path)
        schemas[schema.id] = schema
    return schemas


def describe(schema: Schema, tr: Translator | None = None) -> pd.DataFrame:
    """A table of the schema's fields for display: name, type, required, allowed, range
    (headings and descriptions in ``tr``'s language; field names and values as in the data)."""
    tr = tr or translator()
    _ = tr.gettext
    rows: list[dict[str, Any]] = []
    for spec in schema.fields.values():
        rng = ""
        if spec.min is not None or spec.max is not None:
            rng = f"{_fmt(spec.min) if spec.min is not None else ''}..{_fmt(spec.max) if spec.max is not None else ''}"
        rows.append(
            {
                _("field"): spec.name,
                _("type"): spec.type,
                _("required"): spec.required,
                _("allowed values"): ", ".join(spec.allowed) if spec.allowed else "",
                _("range"): rng,
                _("description"): tr.data(spec.description) if spec.description else "",
            }
        )
    return pd.DataFrame(rows)
