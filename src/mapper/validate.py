"""Validation of layer files: schema, CRS, geometry. Every problem is reported at once."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely

from ._errors import DataReadError, DataValidationError, Problem
from .catalogue import Catalogue, Layer
from .i18n import Message, Translator, translator
from .io import list_tables, read_layer_file, read_table
from .schema import Schema, is_missing

if TYPE_CHECKING:
    from .data import Bundle


@dataclass
class ValidationReport:
    """Problems found in one or more files."""

    problems: list[Problem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        """Problems that make the data unusable."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth a look that do not stop the data being used."""
        return [p for p in self.problems if p.severity != "error"]

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors

    def extend(self, other: ValidationReport) -> None:
        """Add another report's problems and counts to this one."""
        self.problems.extend(other.problems)
        self.checked.update(other.checked)

    def to_frame(self, tr: Translator | None = None) -> pd.DataFrame:
        """One row per problem: severity, file, feature, field, value, message (the message in
        the language of ``tr``, English by default; the other columns are data)."""
        tr = tr or translator()
        return pd.DataFrame(
            [
                {
                    "severity": p.severity,
                    "file": p.file,
                    "feature": p.feature,
                    "field": p.field,
                    "value": None if p.value is None else str(p.value),
                    "message": tr.message(p.message),
                }
                for p in self.problems
            ],
            columns=["severity", "file", "feature", "field", "value", "message"],
        )

    def format(self, tr: Translator | None = None) -> str:
        """A plain-text report for the terminal, in the language of ``tr`` (English by default);
        the ``ERROR``/``WARNING`` tags stay English so scripts can grep them."""
        tr = tr or translator()
        _ = tr.gettext
        lines = [_("checked {file}: {n} record(s)").format(file=name, n=n) for name, n in self.checked.items()]
        for p in self.problems:
            lines.append(f"{p.severity.upper()}: {p.text(tr)}")
        verdict = "OK" if self.ok else "FAILED"
        summary = _("{errors} error(s), {warnings} warning(s)").format(
            errors=len(self.errors), warnings=len(self.warnings)
        )
        lines.append(f"{verdict}: {summary}")
        return "\n".join(lines)


def check_geometries(frame: gpd.GeoDataFrame, schema: Schema, *, file: str) -> list[Problem]:
    """Check geometry presence, type, validity and coordinate range of every record."""
    problems: list[Problem] = []
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    for n, (record, geom) in enumerate(zip(records, frame.geometry, strict=True)):
        rid = f"#{n + 1}" if is_missing(record.get("id")) else str(record.get("id"))
        if geom is None or geom.is_empty:
            if not schema.geometry_may_be_empty(record):
                message = Message("is missing or empty; add a geometry")
                if schema.geometry_optional_when:
                    key, value = schema.geometry_optional_when
                    message = Message(
                        "is missing or empty; add a geometry (only records with {key} = {value} may have none)",
                        key=key,
                        value=repr(value),
                    )
                problems.append(Problem(file, "geometry", message, rid, row=n))
            continue
        if schema.geometry_types and geom.geom_type not in schema.geometry_types:
            problems.append(
                Problem(
                    file,
                    "geometry",
                    Message(
                        "is a {kind}; this layer holds {kinds}",
                        kind=geom.geom_type,
                        kinds=" / ".join(schema.geometry_types),
                    ),
                    rid,
                    row=n,
                )
            )
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            problems.append(Problem(file, "geometry", invalid_geometry_message(reason), rid, row=n))
        if not np.isfinite(shapely.get_coordinates(geom)).all():
            problems.append(
                Problem(
                    file,
                    "geometry",
                    Message(
                        "has coordinates that are not finite numbers (NaN or infinity); give real longitude/latitude "
                        "degrees or no geometry"
                    ),
                    rid,
                    row=n,
                )
            )
            continue
        minx, miny, maxx, maxy = geom.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            problems.append(
                Problem(
                    file,
                    "geometry",
                    Message(
                        "has coordinates outside longitude -180..180 / latitude -90..90; check that longitude and "
                        "latitude are not swapped, and that a file in a projected CRS (metres) declares it"
                    ),
                    rid,
                    f"bounds {tuple(round(b, 4) for b in geom.bounds)}",
                    row=n,
                )
            )
        elif _jumps_antimeridian(geom):
            problems.append(
                Problem(
                    file,
                    "geometry",
                    Message(
                        "has a segment that jumps more than 180° of longitude, so it would be drawn across the "
                        "whole map; split it at the antimeridian (RFC 7946 section 3.1.9)"
                    ),
                    rid,
                    row=n,
                )
            )
    return problems


def invalid_geometry_message(reason: str) -> Message:
    """What to do about an invalid geometry (``reason`` from :func:`shapely.is_valid_reason`)."""
    return Message("is invalid ({reason}); fix it, e.g. with QGIS 'Fix geometries'", reason=reason)


def _jumps_antimeridian(geom) -> bool:
    """True if a line or ring has consecutive vertices more than 180° of longitude apart."""
    if geom.geom_type in ("Point", "MultiPoint"):
        return False
    parts = shapely.get_parts(geom)
    lines = []
    for part in parts:
        if part.geom_type == "Polygon":
            lines += [part.exterior, *part.interiors]
        else:
            lines.append(part)
    return any(np.abs(np.diff(shapely.get_coordinates(line)[:, 0])).max(initial=0) > 180 for line in lines)


def derived_fields(layer: Layer, catalogue: Catalogue) -> frozenset[str]:
    """The columns the project adds to a layer's records in its exports (``layer``, country
    names and joined country attributes, geodesic measures): a file exported by the mapper
    carries them, and validation accepts them without checking (they are computed afresh)."""
    names = {"layer"}
    names |= {f"{name}_name" for name in layer.country_fields}
    if layer.country_fields:
        names |= {f"country_{name}" for name in catalogue.countries.join_fields if name != "name"}
    names |= set(layer.measures)
    return frozenset(names)


def check_frame(
    frame: gpd.GeoDataFrame | pd.DataFrame, schema: Schema, *, file: str, derived: Iterable[str] = ()
) -> list[Problem]:
    """All schema and geometry problems of a frame (``derived``: see :func:`derived_fields`)."""
    attributes = frame.drop(columns=frame.geometry.name) if isinstance(frame, gpd.GeoDataFrame) else frame
    problems = schema.check(attributes, file=file, derived=derived)
    if isinstance(frame, gpd.GeoDataFrame) and schema.geometry_types:
        problems += check_geometries(frame, schema, file=file)
    return problems


def read_checked(
    path: str | Path,
    schema: Schema,
    *,
    layer: Layer | None = None,
    catalogue: Catalogue | None = None,
    table: str | None = None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Read a layer file and check it; the frame is typed by the schema.

    Parameters
    ----------
    path
        The file.
    schema
        The schema its records follow.
    layer, catalogue
        The layer the file is for: the columns the mapper's own exports add are then accepted
        (:func:`derived_fields`) and a ``layer`` column must name this layer.
    table
        The table to read from a file holding several (a GeoPackage).

    Raises
    ------
    DataReadError
        If the file cannot be read at all.
    """
    report = ValidationReport()
    frame, read_problems = read_layer_file(path, layer=table)
    file = str(path)
    report.problems += read_problems
    derived = derived_fields(layer, catalogue) if layer is not None and catalogue is not None else frozenset()
    if frame.empty:
        report.problems.append(
            Problem(
                file,
                "",
                Message(
                    "holds no records; a layer file must hold at least one record (check that the right file or "
                    "table was exported)"
                ),
            )
        )
    report.problems += check_frame(frame, schema, file=file, derived=derived)
    if layer is not None and "layer" in frame.columns:
        for row, value in enumerate(frame["layer"]):
            if not is_missing(value) and str(value) != layer.id:
                report.problems.append(
                    Problem(
                        file,
                        "layer",
                        Message(
                            "says the record belongs to layer {value}, not {layer}; check it against its own layer or "
                            "remove the record",
                            value=repr(str(value)[:60]),
                            layer=repr(layer.id),
                        ),
                        _rid(frame, row),
                        value,
                        row=row,
                    )
                )
    report.checked[file] = len(frame)
    return gpd.GeoDataFrame(schema.coerce(frame), geometry=frame.geometry.name, crs=frame.crs), report


def _rid(frame: pd.DataFrame, row: int) -> str:
    value = frame["id"].iloc[row] if "id" in frame.columns else None
    return f"#{row + 1}" if is_missing(value) else str(value)


def read_layer(layer: Layer) -> gpd.GeoDataFrame:
    """Read a catalogue layer; raise :class:`DataValidationError` if it has errors."""
    frame, report = read_checked(layer.source, layer.schema)
    if not report.ok:
        raise DataValidationError(report.errors)
    return frame


def read_attributes(path: str | Path, schema: Schema) -> tuple[pd.DataFrame, ValidationReport]:
    """Read and check the country attributes table."""
    table = read_table(path)
    report = ValidationReport(problems=schema.check(table, file=str(path), id_field="iso3"))
    report.checked[str(path)] = len(table)
    return schema.coerce(table), report


def validate_catalogue(catalogue: Catalogue) -> ValidationReport:
    """Check every bundled layer and the country attributes."""
    report = ValidationReport()
    for layer in catalogue.values():
        report.extend(read_checked(layer.source, layer.schema)[1])
    report.extend(read_attributes(catalogue.countries.attributes, catalogue.countries.schema)[1])
    return report


def schema_for(path: Path, catalogue: Catalogue, layer_id: str | None = None) -> Schema:
    """The schema a file follows: the named layer's, or the layer whose file has that name."""
    return _target(path, catalogue, layer_id)[0]


def _target(path: Path, catalogue: Catalogue, layer_id: str | None) -> tuple[Schema, Layer | None]:
    if layer_id:
        return catalogue[layer_id].schema, catalogue[layer_id]
    if path.name == catalogue.countries.attributes.name:
        return catalogue.countries.schema, None
    for layer in catalogue.values():
        if layer.source.name == path.name or layer.source.stem == path.stem:
            return layer.schema, layer
    raise DataReadError(
        Message(
            "{file}: cannot tell which layer this file belongs to; name it like a layer's file ({names}) or pass "
            "--as-layer ID",
            file=str(path),
            names=", ".join(sorted(lay.source.name for lay in catalogue.values())),
        )
    )


def validate_paths(
    paths: Iterable[str | Path],
    catalogue: Catalogue,
    *,
    layer_id: str | None = None,
    layer_name: str | None = None,
) -> ValidationReport:
    """Check the given files against the schema of their layer.

    Parameters
    ----------
    paths
        The files.
    catalogue
        The layer catalogue.
    layer_id
        Check every file against this layer (default: the layer whose file has the same name).
    layer_name
        The table to read from a file that holds several, e.g. one layer of the mapper's
        GeoPackage export. Without it, such a file is reported with the tables it holds.

    Raises
    ------
    UnknownLayerError
        If ``layer_id`` is not a layer of the catalogue.
    """
    report = ValidationReport()
    for raw in paths:
        path = Path(raw)
        try:
            schema, layer = _target(path, catalogue, layer_id)
            if layer is None and schema is catalogue.countries.schema:
                report.extend(read_attributes(path, schema)[1])
            else:
                report.extend(read_checked(path, schema, layer=layer, catalogue=catalogue, table=layer_name)[1])
        except DataReadError as exc:
            # the message names the file already (and is shown as it is, in either language)
            report.problems.append(Problem(str(path), "", exc.message or str(exc).removeprefix(f"{path}: ")))
    return report


#: Largest upload the checker reads.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_SUFFIX = re.compile(r"\.[a-z0-9]{1,12}")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def upload_name(name: object) -> str:
    """A safe display name for an uploaded file: its last path part (``/`` or ``\\``), no
    control or bidi characters, at most 120 characters; ``upload`` when nothing is left.

    The name is only shown, never used as a path.

    Examples
    --------
    >>> upload_name("../../etc/passwd")
    'passwd'
    >>> upload_name("..")
    'upload'
    """
    text = _UNPRINTABLE.sub("", str(name))
    text = re.split(r"[\\/]", text)[-1].strip()
    if text in ("", ".", ".."):
        return "upload"
    if len(text) > 120:
        suffix = _upload_suffix(text)
        text = text[: 119 - len(suffix)] + "…" + suffix
    return text


def _upload_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower() if "." in name.strip(".") else ""
    return suffix if _SUFFIX.fullmatch(suffix) else ""


def upload_tables(name: str, content: bytes) -> list[str]:
    """The tables (layers) of an uploaded multi-layer file such as a GeoPackage; ``[]`` for
    single-table formats. The name only picks the reader (never used as a path).

    Raises
    ------
    DataReadError
        If the file cannot be opened; the message names the upload.
    """
    suffix = _upload_suffix(upload_name(name))
    if suffix.lower() != ".gpkg":
        return []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            return list_tables(path)
        except DataReadError as exc:
            raise DataReadError((exc.message or str(exc)).replace(str(path), upload_name(name))) from None


def validate_upload(
    name: str, content: bytes, catalogue: Catalogue, layer_id: str, *, layer_name: str | None = None
) -> ValidationReport:
    """Check an uploaded file (its bytes) against a layer's schema, without keeping it.

    The name is never used as a path: the bytes are written to a private temporary folder
    as ``upload`` plus the name's suffix (which picks the reader), checked, and removed. The
    report names the file by :func:`upload_name` (the sanitised name), never by the
    temporary path.

    Raises
    ------
    UnknownLayerError
        If ``layer_id`` is not a layer of the catalogue.
    """
    shown = upload_name(name)
    catalogue[layer_id]  # an unknown layer id raises, listing the valid ones
    if len(content) > MAX_UPLOAD_BYTES:
        report = ValidationReport()
        report.problems.append(
            Problem(
                shown,
                "",
                Message(
                    "is {size} MB, more than the {limit} MB the checker reads; send the layer file without unrelated "
                    "data",
                    size=f"{len(content) / 1e6:.0f}",
                    limit=f"{MAX_UPLOAD_BYTES / 1e6:.0f}",
                ),
            )
        )
        report.checked = {shown: 0}
        return report
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{_upload_suffix(shown)}"
        path.write_bytes(content)
        report = validate_paths([path], catalogue, layer_id=layer_id, layer_name=layer_name)
    report.problems = [
        replace(
            p,
            file=shown if p.file == str(path) else p.file,
            message=p.message.replace(str(path), shown).replace(tmp, "").replace(path.name, shown),
        )
        for p in report.problems
    ]
    report.checked = {shown: sum(report.checked.values())}
    return report


# --------------------------------------------------------------------------- freshness

#: Records whose source was last read against them longer ago than this are reported.
MAX_VERIFIED_AGE_DAYS = 365
#: The field that says when a record's source was last read against the record.
VERIFIED_FIELD = "verified_on"
#: Status values that promise something by a date, and the field holding that date, per
#: schema id: a record with such a status whose date lies before the reference year is stale
#: (its status has not been updated since the promised date passed). The status field is the
#: schema field whose allowed values include these statuses.
PENDING_STATUSES: dict[str, tuple[tuple[str, ...], str, Message]] = {
    # activity: year_end is the planned (or actual) end of the activity
    "activity": (("announced", "planned", "ongoing"), "year_end", Message("planned end")),
    # interconnector: year is the commissioning year, or the expected year when not operating
    "interconnector": (("proposed", "planned", "under_construction"), "year", Message("expected commissioning year")),
}
#: Country attributes whose year is the deadline of a target: a passed year means the row
#: shows an expired target as current.
TARGET_YEAR_FIELDS = ("ndc_target_year", "ndc2035_target_year", "offshore_wind_target_year")


def _as_date(value: Any) -> dt.date | None:
    """A ``YYYY-MM-DD`` value (text, date or timestamp) as a date; None if missing or unreadable."""
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def check_freshness(
    frame: pd.DataFrame,
    schema: Schema,
    *,
    file: str,
    today: dt.date,
    max_age_days: int = MAX_VERIFIED_AGE_DAYS,
    id_field: str = "id",
) -> list[Problem]:
    """Records not verified recently, and records whose status implies a date that has passed.

    Two rules, each reported per record as a warning naming file, record, field and value:

    * **not verified recently**: ``verified_on`` is missing, unreadable, in the future, or more
      than ``max_age_days`` before ``today``;
    * **status past its date**: the status promises something by a date that lies before
      ``today``'s year (:data:`PENDING_STATUSES`, e.g. an ``ongoing`` activity whose planned
      end has passed, a ``planned`` line whose expected commissioning year has passed), or a
      country target's deadline year has passed (:data:`TARGET_YEAR_FIELDS`).

    Parameters
    ----------
    frame
        The records (a layer or the country attributes table).
    schema
        Their schema: which of the rules' fields it has decides which rules apply.
    file
        The file name shown in the messages.
    today
        The reference date (usually today; the data's as-of date to review a snapshot).
    max_age_days
        How old ``verified_on`` may be.
    id_field
        The field that identifies a record (``iso3`` for the country attributes).
    """
    problems: list[Problem] = []
    oldest = today - dt.timedelta(days=max_age_days)
    has_verified = VERIFIED_FIELD in schema.fields
    pending = PENDING_STATUSES.get(schema.id)
    status_field = _status_field(schema, pending[0]) if pending else None
    targets = [name for name in TARGET_YEAR_FIELDS if name in schema.fields]
    for row, record in enumerate(frame.to_dict("records")):
        rid = f"#{row + 1}" if is_missing(record.get(id_field)) else str(record[id_field])
        if has_verified:
            raw = record.get(VERIFIED_FIELD)
            verified = _as_date(raw)
            if verified is None:
                problems.append(
                    Problem(
                        file,
                        VERIFIED_FIELD,
                        Message(
                            "is missing or not a YYYY-MM-DD date: read the record's source again and set the date "
                            "you did so"
                        ),
                        rid,
                        None if is_missing(raw) else raw,
                        severity="warning",
                        row=row,
                    )
                )
            elif verified > today:
                problems.append(
                    Problem(
                        file,
                        VERIFIED_FIELD,
                        Message(
                            "is after the reference date {today}; give the date the source was actually read",
                            today=today,
                        ),
                        rid,
                        str(verified),
                        severity="warning",
                        row=row,
                    )
                )
            elif verified < oldest:
                age = (today - verified).days
                problems.append(
                    Problem(
                        file,
                        VERIFIED_FIELD,
                        Message(
                            "was {age} days before {today} (more than {max_age}): not verified recently; read the "
                            "source again, update the record if it changed, and set verified_on to that day",
                            age=age,
                            today=today,
                            max_age=max_age_days,
                        ),
                        rid,
                        str(verified),
                        severity="warning",
                        row=row,
                    )
                )
        if pending is not None and status_field is not None:
            statuses, date_field, meaning = pending
            status, year = record.get(status_field), record.get(date_field)
            if status in statuses and not is_missing(year) and int(year) < today.year:
                problems.append(
                    Problem(
                        file,
                        date_field,
                        Message(
                            "is the {meaning}, which has passed ({year} now) while {field} is still {status}: find "
                            "out what happened and update {field} (e.g. completed, operating, cancelled) or the "
                            "{meaning}, with a source",
                            meaning=meaning,
                            year=today.year,
                            field=status_field,
                            status=repr(status),
                        ),
                        rid,
                        int(year),
                        severity="warning",
                        row=row,
                    )
                )
        for name in targets:
            year = record.get(name)
            if not is_missing(year) and int(year) < today.year:
                problems.append(
                    Problem(
                        file,
                        name,
                        Message(
                            "is a target year that has passed ({year} now), so the row shows an expired target as "
                            "current: record the current target (or that none replaced it), with a source",
                            year=today.year,
                        ),
                        rid,
                        int(year),
                        severity="warning",
                        row=row,
                    )
                )
    return problems


def _status_field(schema: Schema, statuses: tuple[str, ...]) -> str | None:
    """The field of ``schema`` whose allowed values include every one of ``statuses`` (the
    current status: a ``status_history`` field allows the same values but is not it)."""
    for spec in schema.fields.values():
        if spec.type != "status_history" and spec.allowed and set(statuses) <= set(spec.allowed):
            return spec.name
    return None


def freshness_report(
    bundle: Bundle, *, today: dt.date | None = None, max_age_days: int = MAX_VERIFIED_AGE_DAYS
) -> ValidationReport:
    """The freshness findings (:func:`check_freshness`) of every bundled layer and of the country
    attributes, as warnings; ``today`` defaults to the current date."""
    today = today or dt.date.today()
    catalogue = bundle.catalogue
    report = ValidationReport()
    tables: list[tuple[pd.DataFrame, Schema, Path, str]] = [
        (bundle.layers[layer.id], layer.schema, layer.source, "id") for layer in catalogue.values()
    ]
    countries = bundle.countries
    if "has_attributes" in countries.columns:
        countries = countries[countries["has_attributes"].astype(bool)]
    spec = catalogue.countries
    tables.append((pd.DataFrame(countries), spec.schema, spec.attributes, "iso3"))
    for frame, schema, path, id_field in tables:
        file = _shown_path(path, catalogue.root)
        report.problems += check_freshness(
            frame, schema, file=file, today=today, max_age_days=max_age_days, id_field=id_field
        )
        report.checked[file] = len(frame)
    return report


def _shown_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
