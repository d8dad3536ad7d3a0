"""Validation of layer files: schema, CRS, geometry. Every problem is reported at once."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

import geopandas as gpd
import shapely

from ._errors import DataReadError, DataValidationError, Problem
from .catalogue import Catalogue, Layer
from .io import read_layer_file, read_table
from .schema import Schema, is_missing


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

    def to_frame(self) -> pd.DataFrame:
        """One row per problem: severity, file, feature, field, value, message."""
        return pd.DataFrame(
            [
                {
                    "severity": p.severity,
                    "file": p.file,
                    "feature": p.feature,
                    "field": p.field,
                    "value": None if p.value is None else str(p.value),
                    "message": p.message,
                }
                for p in self.problems
            ],
            columns=["severity", "file", "feature", "field", "value", "message"],
        )

    def format(self) -> str:
        """A plain-text report for the terminal."""
        lines = [f"checked {name}: {n} record(s)" for name, n in self.checked.items()]
        for p in self.problems:
            lines.append(f"{p.severity.upper()}: {p}")
        verdict = "OK" if self.ok else "FAILED"
        lines.append(f"{verdict}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)


def check_geometries(frame: gpd.GeoDataFrame, schema: Schema, *, file: str) -> list[Problem]:
    """Check geometry presence, type, validity and coordinate range of every record."""
    problems: list[Problem] = []
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    for n, (record, geom) in enumerate(zip(records, frame.geometry, strict=True)):
        rid = f"#{n + 1}" if is_missing(record.get("id")) else str(record.get("id"))
        if geom is None or geom.is_empty:
            if not schema.geometry_may_be_empty(record):
                hint = ""
                if schema.geometry_optional_when:
                    key, value = schema.geometry_optional_when
                    hint = f" (only records with {key} = {value!r} may have none)"
                problems.append(Problem(file, "geometry", f"is missing or empty; add a geometry{hint}", rid, row=n))
            continue
        if schema.geometry_types and geom.geom_type not in schema.geometry_types:
            problems.append(
                Problem(
                    file,
                    "geometry",
                    f"is a {geom.geom_type}; this layer holds {' or '.join(schema.geometry_types)}",
                    rid,
                    row=n,
                )
            )
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            problems.append(
                Problem(file, "geometry", f"is invalid ({reason}); fix it, e.g. with QGIS 'Fix geometries'", rid)
            )
        minx, miny, maxx, maxy = geom.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            problems.append(
                Problem(
                    file,
                    "geometry",
                    "has coordinates outside longitude -180..180 / latitude -90..90; "
                    "check that longitude and latitude are not swapped",
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
                    "has a segment that jumps more than 180° of longitude, so it would be drawn across the "
                    "whole map; split it at the antimeridian (RFC 7946 section 3.1.9)",
                    rid,
                    row=n,
                )
            )
    return problems


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


def check_frame(frame: gpd.GeoDataFrame | pd.DataFrame, schema: Schema, *, file: str) -> list[Problem]:
    """All schema and geometry problems of a frame."""
    attributes = frame.drop(columns=frame.geometry.name) if isinstance(frame, gpd.GeoDataFrame) else frame
    problems = schema.check(attributes, file=file)
    if isinstance(frame, gpd.GeoDataFrame) and schema.geometry_types:
        problems += check_geometries(frame, schema, file=file)
    return problems


def read_checked(path: str | Path, schema: Schema) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Read a layer file and check it; the frame is typed by the schema."""
    report = ValidationReport()
    frame, read_problems = read_layer_file(path)
    report.problems += read_problems
    report.problems += check_frame(frame, schema, file=str(path))
    report.checked[str(path)] = len(frame)
    return gpd.GeoDataFrame(schema.coerce(frame), geometry=frame.geometry.name, crs=frame.crs), report


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
    if layer_id:
        return catalogue[layer_id].schema
    if path.name == catalogue.countries.attributes.name:
        return catalogue.countries.schema
    for layer in catalogue.values():
        if layer.source.name == path.name or layer.source.stem == path.stem:
            return layer.schema
    raise DataReadError(
        f"{path}: cannot tell which layer this file belongs to; name it like a layer's file "
        f"({', '.join(sorted(lay.source.name for lay in catalogue.values()))}) or pass --as-layer ID"
    )


def validate_paths(
    paths: Iterable[str | Path], catalogue: Catalogue, *, layer_id: str | None = None
) -> ValidationReport:
    """Check the given files against the schema of their layer."""
    report = ValidationReport()
    for raw in paths:
        path = Path(raw)
        try:
            schema = schema_for(path, catalogue, layer_id)
            if schema is catalogue.countries.schema:
                report.extend(read_attributes(path, schema)[1])
            else:
                report.extend(read_checked(path, schema)[1])
        except DataReadError as exc:
            report.problems.append(Problem(str(path), "", str(exc).removeprefix(f"{path}: ")))
    return report


def validate_upload(name: str, content: bytes, catalogue: Catalogue, layer_id: str) -> ValidationReport:
    """Check an uploaded file (its bytes) against a layer's schema, without keeping it.

    The file is written to a private temporary folder under its own base name (so its
    suffix picks the reader), checked, and removed; the report names it by ``name``.
    """
    safe = Path(name).name or "upload"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe
        path.write_bytes(content)
        report = validate_paths([path], catalogue, layer_id=layer_id)
    report.problems = [replace(p, file=safe) if p.file == str(path) else p for p in report.problems]
    report.checked = {safe: sum(report.checked.values())}
    return report
