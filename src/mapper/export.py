"""Exports of exactly what a filter state shows: GeoJSON (RFC 7946), GeoPackage, CSV and a
zip bundle with a README. Attribution, as-of date, the filter and the tool's version travel
with every file."""

from __future__ import annotations

import datetime as _dt
import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd
import pyogrio
import shapely

from . import __version__
from ._errors import MapperError
from .i18n import N_, Message, translator
from .measures import MEASURES, shown_measures
from .query import FilterState
from .selection import Selection

FORMATS = {"geojson": ".geojson", "gpkg": ".gpkg", "csv": ".csv", "zip": ".zip"}
#: Decimal places of exported coordinates (6 ≈ 0.1 m, RFC 7946 recommends no more).
PRECISION = 6
TOOL = "ip-clean-energy-mapper"
# Joined or internal columns not worth exporting (the country table carries them).
#: Helper measures used by checks, never exported.
_DROP = tuple(m.name for m in MEASURES.values() if not m.shown)


class ExportError(MapperError, ValueError):
    """An export cannot be written as asked (unknown format, nothing selected...)."""


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """The export format: given explicitly, or from the file suffix."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(
                Message("unknown format {fmt}; use one of {formats}", fmt=repr(fmt), formats=", ".join(FORMATS))
            )
        return fmt
    suffix = Path(path).suffix.lower()
    for name, ext in FORMATS.items():
        if suffix == ext or (name == "geojson" and suffix == ".json"):
            return name
    raise ExportError(
        Message(
            "cannot tell the format of {file} from its suffix; use .geojson, .gpkg, .csv or .zip, or pass --format",
            file=repr(Path(path).name),
        )
    )


def default_filename(state: FilterState, fmt: str, today: _dt.date | None = None) -> str:
    """A file name that says what is inside, e.g. ``ipce_jumpp_LAO_2026-11-22.geojson``."""
    today = today or _dt.date.today()
    return f"ipce_{state.slug()}_{today.isoformat()}{FORMATS[fmt]}"


def labels(selection: Selection, lang: str | None = None) -> dict[str, Any]:
    """Translated labels of the exported layers: ``{layer_id: {"title", "fields": {name:
    label}, "values": {name: {code: label}}}}``. Field names and values in the data stay
    as they are (machine-readable); these labels are for people."""
    tr = translator(lang)
    out: dict[str, Any] = {}
    for layer, frame in selection.layers():
        fields = [f for f in frame.columns if f != frame.geometry.name]
        values = {
            name: {code: tr.value(code) for code in spec.allowed}
            for name, spec in layer.schema.fields.items()
            if spec.allowed and name in fields
        }
        out[layer.id] = {
            "title": tr.data(layer.title),
            "fields": {f: tr.label(layer, f) for f in fields},
            "values": values,
        }
    return out


def metadata(selection: Selection, lang: str | None = None) -> dict[str, Any]:
    """What travels with every export: layers, attribution, licence, as-of, filter, tool,
    and labels for people in ``lang`` (field names and values themselves never change)."""
    catalogue, state, frames = selection.catalogue, selection.filters, selection.frames
    spec = catalogue.countries
    tr = translator(lang)
    return {
        "title": "Indo-Pacific clean-energy mapper export",
        "generated": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "tool": f"{TOOL} {__version__}",
        "filter": state.to_dict(),
        "filter_description": state.describe(selection.catalogue.facets, tr),
        "language": tr.lang,
        "coordinate_precision_decimals": PRECISION,
        "crs": "WGS 84 longitude/latitude (RFC 7946)",
        "layers": [
            {
                "id": lid,
                "title": catalogue[lid].title,
                "records": len(frame),
                "as_of": catalogue[lid].as_of,
                "attribution": catalogue[lid].attribution,
                "licence": catalogue[lid].licence,
                "location_precision_field": catalogue[lid].schema.precision_field,
                "measures": {m.name: m.label for m in shown_measures(catalogue[lid].measures)},
            }
            for lid, frame in frames.items()
        ],
        "countries": {"attribution": spec.attribution, "licence": spec.licence, "as_of": spec.as_of},
        "note": N_(
            "Each record names its source (source_url, source_publisher, source_date) and how exact its "
            "location is, in the field each layer's location_precision_field names. Records located only to a "
            "country have no geometry (null), by design; measures are computed from the geometry (geodesic)."
        ),
        "labels": labels(selection, lang),
    }


def _rounded(geoms: Any) -> np.ndarray:
    """Geometries (an array or a GeoSeries) with coordinates rounded to :data:`PRECISION`
    decimals and polygon exterior rings counter-clockwise (RFC 7946's right-hand rule);
    missing or empty ones as None. One vectorised call for the whole array."""
    array = np.asarray(geoms, dtype=object)
    out = np.full(len(array), None, dtype=object)
    present = ~(shapely.is_missing(array) | shapely.is_empty(array)) if len(array) else np.zeros(0, dtype=bool)
    if present.any():
        rounded = shapely.transform(array[present], lambda c: np.round(c, PRECISION))
        out[present] = shapely.orient_polygons(rounded)
    return out


def _export_columns(frame: gpd.GeoDataFrame) -> list[str]:
    return [c for c in frame.columns if c != frame.geometry.name and c not in _DROP and not c.startswith("_")]


#: Layer options of GDAL's GeoJSON driver for an RFC 7946 export: WGS 84, 6 decimals,
#: exterior rings counter-clockwise, no layer name member.
_GEOJSON_OPTIONS = {"RFC7946": "YES", "COORDINATE_PRECISION": str(PRECISION), "WRITE_NAME": "NO"}
#: A copy of the ``id`` column that GDAL writes as each feature's ``id`` member (and drops
#: from the properties, which keep ``id`` itself).
_FEATURE_ID = "_feature_id"
_FEATURES_START = '"features": ['
_FEATURES_END = "]\n}"


def _features_text(layer_id: str, frame: gpd.GeoDataFrame) -> str:
    """The GeoJSON features of one layer's records, written by GDAL's GeoJSON driver (through
    pyogrio), as the text inside a FeatureCollection's ``features`` array. Each feature has
    a ``layer`` property first, then the exported columns."""
    data = _for_gdal(frame, multi=False)
    for column in data.columns:  # RFC 8259 has no NaN or Infinity: a non-finite number is null
        if column != data.geometry.name and pd.api.types.is_float_dtype(data[column].dtype):
            data[column] = data[column].where(np.isfinite(data[column].to_numpy(dtype=float, na_value=np.nan)))
    if "layer" not in data.columns:
        data.insert(0, "layer", layer_id)
    data[_FEATURE_ID] = data["id"].astype(object) if "id" in data.columns else None
    buffer = io.BytesIO()
    pyogrio.write_dataframe(
        data, buffer, driver="GeoJSON", layer=layer_id, layer_options={**_GEOJSON_OPTIONS, "ID_FIELD": _FEATURE_ID}
    )
    text = buffer.getvalue().decode("utf-8").rstrip()
    start = text.find(_FEATURES_START)
    if start < 0 or not text.endswith(_FEATURES_END):
        raise ExportError(
            Message(
                "GDAL {version} wrote the GeoJSON of layer {layer} in a layout this version of the mapper does not "
                "know; export to GeoPackage or CSV instead and report this",
                version=pyogrio.__gdal_version_string__,
                layer=repr(layer_id),
            )
        )
    return text[start + len(_FEATURES_START) : -len(_FEATURES_END)].strip()


def geojson_text(selection: Selection, lang: str | None = None) -> str:
    """The selected records as the text of an RFC 7946 FeatureCollection (a ``layer``
    property says which layer each feature is from) with a top-level ``metadata`` member.

    GDAL's GeoJSON driver writes the features, one layer at a time (no Python object per
    feature); only the metadata is serialised here."""
    head = json.dumps(
        {"type": "FeatureCollection", "metadata": metadata(selection, lang)},
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    )
    parts = [_features_text(lid, frame) for lid, frame in selection.frames.items() if len(frame)]
    return head[:-1] + ',"features":[\n' + ",\n".join(p for p in parts if p) + "\n]}"


def to_geojson(selection: Selection, lang: str | None = None) -> dict[str, Any]:
    """The export of :func:`geojson_text` as a Python dict."""
    return json.loads(geojson_text(selection, lang))


def _as_multi(geoms: np.ndarray) -> np.ndarray:
    """Single lines and polygons as one-part multi-geometries (vectorised); others as they are."""
    out = geoms.copy()
    types = shapely.get_type_id(geoms)
    for single, make in ((1, shapely.multilinestrings), (3, shapely.multipolygons)):
        where = np.flatnonzero(types == single)
        if len(where):
            out[where] = make(geoms[where], indices=np.arange(len(where)))
    return out


def _for_gdal(frame: gpd.GeoDataFrame, *, multi: bool = True) -> gpd.GeoDataFrame:
    """Columns GDAL writes with their real types; text as plain objects with None; geometries
    rounded (and, with ``multi``, single lines and polygons as multi-part ones: one geometry
    type per GeoPackage table)."""
    out = pd.DataFrame(frame[_export_columns(frame)]).copy()
    for column in out.columns:
        dtype = out[column].dtype
        # nullable integers and booleans are written natively (INTEGER, BOOLEAN with NULLs)
        if isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype):
            values = out[column].astype(object).where(out[column].notna(), None)
            kind = pd.api.types.infer_dtype(values, skipna=True)
            if kind not in ("string", "empty", "date", "datetime"):  # mixed values: their text
                values = values.map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")
            out[column] = values
    geoms = _rounded(frame.geometry)
    return gpd.GeoDataFrame(out, geometry=_as_multi(geoms) if multi else geoms, crs="EPSG:4326")


def write_gpkg(selection: Selection, path: str | Path, lang: str | None = None) -> Path:
    """A GeoPackage: one table per layer, the countries with attributes, and ``about``."""
    path = Path(path)
    bundle, frames = selection.bundle, selection.frames
    if path.exists():
        path.unlink()
    for lid, frame in frames.items():
        layer = bundle.catalogue[lid]
        geometry_type = {"point": "Point", "line": "MultiLineString", "polygon": "MultiPolygon"}[layer.geometry]
        data = _for_gdal(frame)
        data.to_file(
            path,
            layer=lid,
            driver="GPKG",
            engine="pyogrio",
            geometry_type=geometry_type,
            layer_options={"DESCRIPTION": layer.description[:250]},
        )
    countries = _for_gdal(bundle.countries)
    countries.to_file(path, layer="countries", driver="GPKG", engine="pyogrio", geometry_type="MultiPolygon")
    about = metadata(selection, lang)
    rows = pd.DataFrame(
        [
            {"key": k, "value": json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}
            for k, v in about.items()
        ]
    )
    pyogrio.write_dataframe(rows, path, layer="about", driver="GPKG")  # attribute table, no geometry
    return path


def to_csv_frame(selection: Selection) -> pd.DataFrame:
    """One row per record with a ``layer`` column, lon/lat for points and WKT for all."""
    frames = selection.frames
    parts = []
    for lid, frame in frames.items():
        table = pd.DataFrame(frame[_export_columns(frame)]).copy()
        table.insert(0, "layer", lid)
        geoms = _rounded(frame.geometry)
        points = shapely.get_type_id(geoms) == 0
        table["lon"] = np.where(points, shapely.get_x(geoms), np.nan)
        table["lat"] = np.where(points, shapely.get_y(geoms), np.nan)
        table["wkt"] = shapely.to_wkt(geoms, rounding_precision=PRECISION, trim=True)
        parts.append(table)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["layer", "lon", "lat", "wkt"])
    return _defuse_formulas(table)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defuse_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula (``=HYPERLINK(...)``) with
    an apostrophe, so opening the CSV in Excel or LibreOffice shows them as text."""
    table = table.copy()
    for column in table.columns:
        if pd.api.types.is_numeric_dtype(table[column]) or isinstance(table[column].dtype, pd.BooleanDtype):
            continue
        values = table[column].astype(object)
        try:  # vectorised; cells that are not text are never formulas
            risky = values.str.startswith(_FORMULA_START, na=False).astype(bool)
        except AttributeError:  # no text in the column (dates...)
            continue
        table[column] = values.mask(risky, "'" + values[risky].astype(str))
    return table


def readme_text(selection: Selection, lang: str | None = None) -> str:
    """The README that goes into a zip bundle: contents, filter, sources, licences, date
    (in ``lang``; the layer ids and field names it quotes stay as in the files)."""
    tr = translator(lang)
    _ = tr.gettext
    bundle, frames = selection.bundle, selection.frames
    meta = metadata(selection, lang)
    heading = _("Indo-Pacific clean-energy mapper: data export")
    lines = [
        heading,
        "=" * 46,
        _("Generated: {when} by {tool}").format(when=meta["generated"], tool=meta["tool"]),
        _("Filter: {filter}").format(filter=meta["filter_description"]),
        _("Coordinates: WGS 84 longitude/latitude, rounded to 6 decimals."),
        "",
        _("Layers"),
        "------",
    ]
    for info in meta["layers"]:
        lines += [
            "* "
            + _("{title} ({id}): {n} records, as of {as_of}").format(
                title=tr.data(info["title"]), id=info["id"], n=info["records"], as_of=tr.date(info["as_of"])
            ),
            "  " + _("Attribution: {text}").format(text=tr.data(info["attribution"])),
            "  " + _("Licence: {text}").format(text=tr.data(info["licence"])),
        ]
    lines += [
        "",
        _("Countries"),
        "---------",
        _("{attribution}. Licence: {licence}.").format(
            attribution=tr.data(meta["countries"]["attribution"]), licence=tr.data(meta["countries"]["licence"])
        ),
    ]
    lines += ["", _("Sources cited by the exported records"), "-------------------------------------"]
    sources = bundle.sources()
    for lid, frame in frames.items():
        used = set(frame["source_url"].dropna()) if "source_url" in frame.columns else set()
        for row in sources[(sources["layer"] == lid) & sources["url"].isin(used)].itertuples():
            lines.append(f"* [{lid}] {row.publisher} ({row.date}): {row.url}")
    lines += ["", _(meta["note"]), ""]
    return "\n".join(lines)


def write_export(selection: Selection, path: str | Path, fmt: str | None = None, lang: str | None = None) -> Path:
    """Write the filtered records to ``path`` in ``fmt`` (default: from the suffix).

    Never overwrites a file silently: the CLI asks for ``--force``; this function replaces
    only the target itself.
    """
    path = Path(path)
    fmt = format_for(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "geojson":
        path.write_text(geojson_text(selection, lang), encoding="utf-8")
    elif fmt == "gpkg":
        write_gpkg(selection, path, lang)
    elif fmt == "csv":
        to_csv_frame(selection).to_csv(path, index=False, encoding="utf-8")
    else:
        path.write_bytes(zip_bytes(selection, lang))
    return path


def export_bytes(selection: Selection, fmt: str, lang: str | None = None) -> bytes:
    """The export as bytes (for download buttons); labels in the metadata in ``lang``."""
    if fmt == "zip":
        return zip_bytes(selection, lang)
    if fmt == "geojson":
        return geojson_text(selection, lang).encode("utf-8")
    if fmt == "csv":
        return to_csv_frame(selection).to_csv(index=False).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        return write_gpkg(selection, Path(tmp) / "export.gpkg", lang).read_bytes()


def zip_bytes(selection: Selection, lang: str | None = None) -> bytes:
    """A zip with GeoJSON, GeoPackage, CSV and a README."""
    stem = Path(default_filename(selection.filters, "zip")).stem
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}/{stem}.geojson", export_bytes(selection, "geojson", lang))
        archive.writestr(f"{stem}/{stem}.gpkg", export_bytes(selection, "gpkg", lang))
        archive.writestr(f"{stem}/{stem}.csv", export_bytes(selection, "csv", lang))
        archive.writestr(f"{stem}/README.txt", readme_text(selection, lang))
    return buffer.getvalue()
