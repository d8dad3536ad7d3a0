"""Generate a corpus of malformed and hostile inputs for the validator and the catalogue.

``write_corpus(folder)`` writes every input into ``folder`` (never into the repository)
and returns one :class:`Case` per input with the expected outcome: ``"error"`` with the
words the message must contain, or ``"accepted"`` (optionally with text that must be kept
literally). Run as a script to write a corpus for manual checks::

    python tests/make_hostile_corpus.py /tmp/corpus
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import geopandas as gpd
import shapely

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Text payloads that must be kept literally (never run, rendered or evaluated).
PAYLOADS = {
    "html": "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "markdown": "**bold** [click](javascript:alert(1)) ![i](http://evil.example/x.png)",
    "latex": r"$\frac{1}{0}$ $$\int x$$",
    "jinja": "{{ 7*7 }} {% for x in ().__class__ %}{% endfor %}",
    "formula": '=HYPERLINK("http://evil.example","click")',
    "dde": "+cmd|' /C calc'!A0",
    "at_formula": "@SUM(1+1)*cmd|' /C calc'!A0",
    "shortcode": ":material/warning: :red[alert] :smile:",
    "bidi": "abc\u202edcba\u2066x\u2069",
    "sql": "'; DROP TABLE layers; --",
    "format": "{0.__class__} %s %n ${env:HOME}",
}
#: Text fields of the activity schema that take free text.
TEXT_FIELDS = ("name", "description", "partners", "location_name", "source_publisher", "amount_text", "source_title")


@dataclass(frozen=True)
class Case:
    """One hostile input and what must happen to it.

    ``kind`` says how it is checked: ``"file"`` (``validate_paths`` with ``layer``),
    ``"upload"`` (``validate_upload`` with ``upload_name``) or ``"catalogue"``
    (``load_catalogue(path, root=root)``).
    """

    name: str
    kind: str
    path: Path
    expect: str
    words: tuple[str, ...] = ()
    layer: str = "jumpp"
    layer_name: str | None = None
    upload_name: str | None = None
    root: Path | None = None
    #: field -> text that an accepted file must keep exactly (checked on the read frame).
    literal: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.expect not in ("error", "accepted"):
            raise ValueError(f"expect must be 'error' or 'accepted', got {self.expect!r}")


def _first(path: Path, located: bool = True) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    for feature in data["features"]:
        if not located or feature["geometry"] is not None:
            return copy.deepcopy(feature)
    raise LookupError(f"{path} has no located feature")


def _activity() -> dict[str, Any]:
    feature = _first(REPO_ROOT / "geodata" / "jumpp_activities.geojson", located=False)
    feature["properties"].update(id="hostile-001", country="LAO", location_name="Vientiane", location_precision="city")
    feature["geometry"] = {"type": "Point", "coordinates": [102.6, 17.97]}
    return feature


def _polygon_feature() -> dict[str, Any]:
    feature = _first(REPO_ROOT / "geodata" / "wind_zones.geojson")
    feature["properties"]["id"] = "wz-hostile-001"
    return feature


def _line_feature() -> dict[str, Any]:
    feature = _first(REPO_ROOT / "geodata" / "interconnectors.geojson")
    feature["properties"]["id"] = "ic-hostile-001"
    return feature


def _geojson(path: Path, features: list[dict[str, Any]], crs: str | None = None) -> Path:
    data: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _changed(feature: dict[str, Any], geometry: Any = "keep", **props: Any) -> dict[str, Any]:
    out = copy.deepcopy(feature)
    out["properties"].update(props)
    if geometry != "keep":
        out["geometry"] = geometry
    return out


def _rows(feature: dict[str, Any]) -> dict[str, Any]:
    """A CSV row (lon/lat columns) of a point feature."""
    row = {k: v for k, v in feature["properties"].items() if v is not None}
    lon, lat = feature["geometry"]["coordinates"]
    return {**row, "lon": lon, "lat": lat}


def _csv(path: Path, rows: list[dict[str, Any]], encoding: str = "utf-8") -> Path:
    pd.DataFrame(rows).to_csv(path, index=False, encoding=encoding)
    return path


def _frame(features: list[dict[str, Any]], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame.from_features(features, crs=crs)


def write_corpus(folder: str | Path, *, huge: bool = True) -> list[Case]:
    """Write the hostile corpus into ``folder`` and return its cases.

    Parameters
    ----------
    folder
        An empty (or new) folder, e.g. a pytest ``tmp_path``.
    huge
        Also write the 30 MB junk files.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    base = _activity()
    lon, lat = base["geometry"]["coordinates"]

    def err(name: str, path: Path, *words: str, **kw: Any) -> None:
        cases.append(Case(name, kw.pop("kind", "file"), path, "error", tuple(words), **kw))

    def ok(name: str, path: Path, **kw: Any) -> None:
        cases.append(Case(name, kw.pop("kind", "file"), path, "accepted", **kw))

    def gj(name: str, *features: dict[str, Any], crs: str | None = None) -> Path:
        return _geojson(folder / f"{name}.geojson", list(features), crs)

    def point(x: float, y: float) -> dict[str, Any]:
        return {"type": "Point", "coordinates": [x, y]}

    # --- GeoJSON: geometry and CRS -------------------------------------------------------------
    ok("geojson_valid", gj("geojson_valid", base))
    err("geojson_swapped", gj("geojson_swapped", _changed(base, point(lat, lon))), "geometry", "swapped")
    err("geojson_lat_out_of_range", gj("geojson_lat_oor", _changed(base, point(lon, 95.0))), "outside", "latitude")
    err("geojson_lon_out_of_range", gj("geojson_lon_oor", _changed(base, point(540.0, lat))), "outside", "longitude")
    x, y = shapely.get_coordinates(gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(3857).iloc[0])[0]
    err("geojson_projected_without_crs", gj("geojson_projected_no_crs", _changed(base, point(x, y))), "projected")
    ok("geojson_projected_with_crs", gj("geojson_projected_crs", _changed(base, point(x, y)), crs="EPSG:3857"))
    err(
        "geojson_crs_3857_but_degrees",
        gj("geojson_crs_disagrees", base, crs="urn:ogc:def:crs:EPSG::3857"),
        "EPSG:3857",
        "disagree",
    )
    err("geojson_empty_point", gj("geojson_empty_point", _changed(base, {"type": "Point", "coordinates": []})), "empty")
    err("geojson_null_geometry_site", gj("geojson_null_site", _changed(base, None, location_precision="site")), "empty")
    ok(
        "geojson_null_geometry_country_level",
        gj("geojson_null_country", _changed(base, None, location_precision="country")),
    )
    line = {"type": "LineString", "coordinates": [[lon, lat], [lon + 1, lat + 1]]}
    err("geojson_wrong_geometry_type", gj("geojson_line_for_points", _changed(base, line)), "LineString")
    collection = {"type": "GeometryCollection", "geometries": [point(lon, lat)]}
    err("geojson_geometry_collection", gj("geojson_collection", _changed(base, collection)), "GeometryCollection")
    err("geojson_no_features", gj("geojson_no_features"), "no records")
    err("geojson_not_json", _write(folder / "geojson_not_json.geojson", b'{"type": "FeatureCollection", "feat'), "GDAL")
    err("geojson_json_array", _write(folder / "geojson_array.geojson", b"[1, 2, 3]"), "GDAL")
    err("geojson_empty_file", _write(folder / "geojson_empty.geojson", b""), "GDAL")
    err("geojson_binary", _write(folder / "geojson_binary.geojson", _junk(4096, seed=1)), "GDAL")
    err(
        "geojson_latin1",
        _write(
            folder / "geojson_latin1.geojson",
            json.dumps(
                {"type": "FeatureCollection", "features": [_changed(base, name="Caf\u00e9 R\u00e9sum\u00e9")]},
                ensure_ascii=False,
            ).encode("latin-1"),
        ),
        "UTF-8",
        "Latin-1",
    )
    # --- GeoJSON: attributes -------------------------------------------------------------------
    second = _changed(base, name="Another")
    err("duplicate_ids", gj("duplicate_ids", base, second), "unique", "hostile-001")
    err("unknown_country_code", gj("unknown_country", _changed(base, country="XXX")), "country", "ISO 3166")
    err("lower_case_country_code", gj("lower_country", _changed(base, country="lao")), "capitals", "'LAO'")
    err("lower_case_countries_list", gj("lower_countries", _changed(base, countries="LAO;tha")), "countries", "'tha'")
    err("lower_case_partnership", gj("lower_partnership", _changed(base, partnership="jumpp")), "one of", "'JUMPP'")
    err("unknown_status", gj("unknown_status", _changed(base, status="Operating")), "status", "one of")
    for label, value, words in (
        ("year_2_5e9", 2.5e9, ("year", "at most", "2035")),
        ("year_negative", -1, ("year", "at least", "2019")),
        ("year_1e308", 1e308, ("year", "at most")),
        ("year_fraction", 2020.5, ("year", "whole number")),
        ("year_text", "twenty twenty", ("year", "whole number")),
        ("year_bool", True, ("year",)),
        ("amount_negative", None, ("amount_usd", "at least")),
        ("amount_1e308", None, ("amount_usd", "at most")),
        ("amount_text_number", None, ("amount_usd", "number")),
    ):
        if label.startswith("amount"):
            amount = {"amount_negative": -1, "amount_1e308": 1e308, "amount_text_number": "1,000 USD"}[label]
            feature = _changed(base, amount_usd=amount)
        else:
            feature = _changed(base, year=value)
        err(label, gj(label, feature), *words)
    err(
        "year_huge_integer",
        _write(
            folder / "year_huge_integer.geojson",
            json.dumps({"type": "FeatureCollection", "features": [base]})
            .replace('"year": 20', '"year": 9999999999999999999999920')
            .encode(),
        ),
        "year",
    )
    missing = copy.deepcopy(base)
    del missing["properties"]["name"]
    err("missing_required_field", gj("missing_name", missing), "name", "required")
    err("blank_required_field", gj("blank_name", _changed(base, name="   ")), "name", "required")
    err("bad_date", gj("bad_date", _changed(base, source_date="2020-13-45")), "source_date", "date")
    err("javascript_url", gj("javascript_url", _changed(base, source_url="javascript:alert(1)")), "source_url", "URL")
    err("url_with_html", gj("url_html", _changed(base, source_url='https://x.example/"><script>')), "source_url", "URL")
    err("bad_id_pattern", gj("bad_id", _changed(base, id="../../etc/passwd")), "id", "pattern")
    err("wrong_layer_column", gj("wrong_layer_column", _changed(base, layer="jucep")), "layer", "jucep")
    # --- payloads in every text field, kept literally (GeoJSON and CSV) -------------------------
    for label, payload in PAYLOADS.items():
        props = dict.fromkeys(TEXT_FIELDS, payload)
        feature = _changed(base, **props)
        literal = dict.fromkeys(TEXT_FIELDS, payload)
        ok(f"payload_{label}_geojson", gj(f"payload_{label}", feature), literal=literal)
        ok(f"payload_{label}_csv", _csv(folder / f"payload_{label}.csv", [_rows(feature)]), literal=literal)
    long_text = "A" * 100_000
    ok(
        "payload_100k_text",
        gj("payload_long", _changed(base, description=long_text)),
        literal={"description": long_text},
    )
    # --- polygons and lines --------------------------------------------------------------------
    zone = _polygon_feature()
    bow_tie = {"type": "Polygon", "coordinates": [[[130, 30], [131, 31], [131, 30], [130, 31], [130, 30]]]}
    err(
        "polygon_bow_tie",
        gj("polygon_bow_tie", _changed(zone, bow_tie)),
        "invalid",
        "Self-intersection",
        layer="wind_zones",
    )
    spike = {"type": "Polygon", "coordinates": [[[130, 30], [130, 30], [130, 30], [130, 30]]]}
    err("polygon_degenerate", gj("polygon_degenerate", _changed(zone, spike)), "invalid", layer="wind_zones")
    err("polygon_empty_layer", gj("polygon_empty_layer"), "no records", layer="wind_zones")
    ok("polygon_valid", gj("polygon_valid", zone), layer="wind_zones")
    wide = {"type": "Polygon", "coordinates": [[[179, 10], [-179, 10], [-179, 11], [179, 11], [179, 10]]]}
    err("polygon_antimeridian", gj("polygon_antimeridian", _changed(zone, wide)), "antimeridian", layer="wind_zones")
    link = _line_feature()
    err(
        "line_out_of_range",
        gj("line_oor", _changed(link, {"type": "LineString", "coordinates": [[100, 10], [100, 100]]})),
        "outside",
        layer="interconnectors",
    )
    err("line_as_point", gj("line_as_point", _changed(link, point(100, 10))), "Point", layer="interconnectors")
    err(
        "line_voltage_absurd",
        gj("line_voltage", _changed(link, voltage_kv=1e308)),
        "voltage_kv",
        "at most",
        layer="interconnectors",
    )
    # --- CSV: encodings and structure ----------------------------------------------------------
    row = _rows(base)
    ok("csv_valid", _csv(folder / "csv_valid.csv", [row]))
    ok(
        "csv_utf8_bom",
        _csv(folder / "csv_bom.csv", [{**row, "name": "Vi\u00eang Chan"}], "utf-8-sig"),
        literal={"name": "Vi\u00eang Chan"},
    )
    japanese = "\u30d3\u30a8\u30f3\u30c1\u30e3\u30f3\u767a\u96fb\u6240"  # ビエンチャン発電所
    ok(
        "csv_shift_jis",
        _csv(folder / "csv_sjis.csv", [{**row, "name": japanese}], "shift_jis"),
        literal={"name": japanese},
    )
    ok(
        "csv_cp932",
        _csv(folder / "csv_cp932.csv", [{**row, "name": "\u2460\u6771\u4eac\u9244"}], "cp932"),
        literal={"name": "\u2460\u6771\u4eac\u9244"},
    )
    ok(
        "csv_latin1",
        _csv(folder / "csv_latin1.csv", [{**row, "name": "Caf\u00e9 R\u00e9sum\u00e9 \u00c4rger"}], "latin-1"),
        literal={"name": "Caf\u00e9 R\u00e9sum\u00e9 \u00c4rger"},
    )
    err("csv_utf16", _csv(folder / "csv_utf16.csv", [row], "utf-16"), "UTF-16")
    err("csv_empty_file", _write(folder / "csv_empty.csv", b""), "empty")
    err("csv_header_only", _write(folder / "csv_header.csv", b"id,name,lon,lat\n"), "no records")
    err("csv_binary", _write(folder / "csv_binary.csv", _junk(8192, seed=2)), "binary")
    err(
        "csv_control_chars", _write(folder / "csv_control.csv", b"id,lon,lat\n\x01\x02\x03,1,2\n"), "control characters"
    )
    err("csv_ragged_rows", _write(folder / "csv_ragged.csv", b"id,lon,lat\na,1,2,3,4\n"), "cells")
    err("csv_unclosed_quote", _write(folder / "csv_quote.csv", b'id,name,lon,lat\na,"unclosed,1,2\n'), "quote")
    err(
        "csv_no_coordinates",
        _csv(folder / "csv_no_coords.csv", [{k: v for k, v in row.items() if k not in ("lon", "lat")}]),
        "lon",
        "lat",
    )
    err("csv_only_lon", _csv(folder / "csv_only_lon.csv", [{k: v for k, v in row.items() if k != "lat"}]), "lon", "lat")
    for label, lon_text, lat_text, words in (
        ("csv_lon_text", "east", "17.9", ("decimal degrees", "east")),
        ("csv_lon_nan", "nan", "17.9", ("finite",)),
        ("csv_lon_inf", "inf", "-inf", ("finite",)),
        ("csv_lon_1e308", "1e308", "17.9", ("outside",)),
        ("csv_lat_only", "", "17.9", ("decimal degrees",)),
        ("csv_swapped", str(lat), str(lon), ("swapped",)),
        ("csv_projected_no_crs", str(x), str(y), ("projected",)),
    ):
        err(label, _csv(folder / f"{label}.csv", [{**row, "lon": lon_text, "lat": lat_text}]), *words)
    for label, value, words in (
        ("csv_year_2_5e9", "2.5e9", ("year", "at most")),
        ("csv_year_nan", "NaN", ("year", "finite")),
        ("csv_year_inf", "inf", ("year", "finite")),
        ("csv_year_negative", "-1", ("year", "at least")),
        ("csv_year_huge", "9" * 400, ("year", "finite")),
    ):
        err(label, _csv(folder / f"{label}.csv", [{**row, "year": value}]), *words)
    err("csv_amount_1e308", _csv(folder / "csv_amount.csv", [{**row, "amount_usd": "1e308"}]), "amount_usd", "at most")
    err("csv_amount_nan", _csv(folder / "csv_amount_nan.csv", [{**row, "amount_usd": "NaN"}]), "amount_usd", "finite")
    err("csv_duplicate_ids", _csv(folder / "csv_dupes.csv", [row, {**row, "name": "B"}]), "unique")
    err("csv_lower_country", _csv(folder / "csv_lower_country.csv", [{**row, "country": "vnm"}]), "capitals", "'VNM'")
    wkt_row = {k: v for k, v in row.items() if k not in ("lon", "lat")}
    ok("csv_wkt", _csv(folder / "csv_wkt.csv", [{**wkt_row, "wkt": f"POINT ({lon} {lat})"}]))
    err("csv_bad_wkt", _csv(folder / "csv_bad_wkt.csv", [{**wkt_row, "wkt": "POINT (1"}]), "WKT")
    err("csv_wkt_empty_point", _csv(folder / "csv_wkt_empty.csv", [{**wkt_row, "wkt": "POINT EMPTY"}]), "empty")
    zone_row = {k: v for k, v in zone["properties"].items() if v is not None}
    err(
        "csv_wkt_bow_tie",
        _csv(folder / "csv_bow_tie.csv", [{**zone_row, "wkt": shapely.to_wkt(shapely.geometry.shape(bow_tie))}]),
        "invalid",
        layer="wind_zones",
    )
    ok(
        "csv_mixed_lonlat_and_wkt",
        _csv(
            folder / "csv_mixed.csv",
            [{**row, "wkt": ""}, {**wkt_row, "id": "hostile-002", "lon": "", "lat": "", "wkt": f"POINT ({lon} {lat})"}],
        ),
    )
    # --- GeoPackage ----------------------------------------------------------------------------
    frame = _frame([base])
    gpkg = folder / "gpkg_valid.gpkg"
    frame.to_file(gpkg, layer="jumpp", driver="GPKG", engine="pyogrio")
    ok("gpkg_valid", gpkg)
    wrong = folder / "gpkg_crs_3857_degrees.gpkg"
    frame.set_crs(3857, allow_override=True).to_file(wrong, layer="jumpp", driver="GPKG", engine="pyogrio")
    err("gpkg_crs_3857_but_degrees", wrong, "EPSG:3857", "disagree", "EPSG:4326")
    empty = folder / "gpkg_empty_layer.gpkg"
    frame.iloc[:0].to_file(empty, layer="jumpp", driver="GPKG", engine="pyogrio")
    err("gpkg_empty_layer", empty, "no records")
    multi = folder / "gpkg_multi.gpkg"
    frame.to_file(multi, layer="jumpp", driver="GPKG", engine="pyogrio")
    _frame([zone]).to_file(multi, layer="wind_zones", driver="GPKG", engine="pyogrio")
    err("gpkg_multi_without_name", multi, "several layers", "jumpp", "wind_zones", "--layer-name")
    ok("gpkg_multi_with_name", multi, layer_name="jumpp")
    err("gpkg_multi_unknown_name", multi, "no layer named", "jumpp, wind_zones", layer_name="nope")
    err("gpkg_junk", _write(folder / "gpkg_junk.gpkg", _junk(8192, seed=3)), "GDAL")
    err("gpkg_truncated", _write(folder / "gpkg_truncated.gpkg", gpkg.read_bytes()[:3000]), "GDAL")
    err(
        "gpkg_invalid_polygon",
        _gpkg(folder / "gpkg_bow_tie.gpkg", _frame([_changed(zone, bow_tie)])),
        "invalid",
        layer="wind_zones",
    )
    # --- GeoParquet ----------------------------------------------------------------------------
    parquet = folder / "parquet_valid.parquet"
    frame.to_parquet(parquet)
    ok("parquet_valid", parquet)
    frame.set_crs(3857, allow_override=True).to_parquet(folder / "parquet_crs_3857.parquet")
    err("parquet_crs_3857_but_degrees", folder / "parquet_crs_3857.parquet", "disagree")
    frame.iloc[:0].to_parquet(folder / "parquet_empty.parquet")
    err("parquet_empty", folder / "parquet_empty.parquet", "no records")
    pd.DataFrame(frame.drop(columns="geometry")).to_parquet(folder / "parquet_plain.parquet")
    err("parquet_without_geometry", folder / "parquet_plain.parquet", "GeoParquet")
    err("parquet_junk", _write(folder / "parquet_junk.parquet", _junk(4096, seed=4)), "GeoParquet")
    _frame([_changed(base, year=2.5e9)]).to_parquet(folder / "parquet_year.parquet")
    err("parquet_year_2_5e9", folder / "parquet_year.parquet", "year", "at most")
    # --- zip archives --------------------------------------------------------------------------
    valid_bytes = (folder / "geojson_valid.geojson").read_bytes()
    for label, member in (
        ("zip_slip_parent", "../../evil.geojson"),
        ("zip_slip_absolute", "/etc/evil.geojson"),
        ("zip_slip_windows", "..\\..\\evil.geojson"),
    ):
        path = folder / f"{label}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(member, valid_bytes)
        err(label, path, "leaves the archive")
    err("zip_junk", _write(folder / "zip_junk.zip", _junk(2048, seed=5)), "zip")
    # --- other file types and names ------------------------------------------------------------
    err("unknown_suffix", _write(folder / "layer.txt", valid_bytes), "unknown file type")
    err("no_suffix", _write(folder / "layer", valid_bytes), "unknown file type")
    err("missing_file", folder / "does_not_exist.geojson", "no such file")
    (folder / "a_folder.geojson").mkdir(exist_ok=True)
    err("folder_not_file", folder / "a_folder.geojson", "folder")
    if huge:
        err("huge_junk_csv", _write(folder / "huge_junk.csv", _junk(30 * 1024 * 1024, seed=6)), "binary")
        err("huge_junk_geojson", _write(folder / "huge_junk.geojson", _junk(30 * 1024 * 1024, seed=7)), "GDAL")
    # --- uploads: hostile file names ------------------------------------------------------------
    upload = folder / "upload_content.geojson"
    upload.write_bytes(valid_bytes)
    for label, name, expect in (
        ("upload_dotdot", "..", "unknown file type"),
        ("upload_dot", ".", "unknown file type"),
        ("upload_nul", "evil\x00.geojson", None),
        ("upload_300_chars", "a" * 300 + ".geojson", None),
        ("upload_etc_passwd", "/etc/passwd", "unknown file type"),
        ("upload_climbing", "../../../tmp/evil.geojson", None),
        ("upload_windows_path", "C:\\Windows\\System32\\evil.geojson", None),
        ("upload_con", "CON", "unknown file type"),
        ("upload_con_suffix", "CON.geojson", None),
        ("upload_html_name", "<img src=x onerror=alert(1)>.geojson", None),
        ("upload_upper_suffix", "LAYER.GEOJSON", None),
        ("upload_empty_name", "", "unknown file type"),
        ("upload_newlines", "a\nb\r.geojson", None),
    ):
        if expect is None:
            ok(label, upload, kind="upload", upload_name=name)
        else:
            err(label, upload, expect, kind="upload", upload_name=name)
    junk_csv = folder / "upload_junk.bin"
    junk_csv.write_bytes(_junk(4096, seed=8))
    err("upload_binary_as_csv", junk_csv, "binary", kind="upload", upload_name="data.csv")
    # --- broken layer specs and schemas ---------------------------------------------------------
    cases += _spec_cases(folder / "specs")
    return cases


def _gpkg(path: Path, frame: gpd.GeoDataFrame) -> Path:
    frame.to_file(path, layer="data", driver="GPKG", engine="pyogrio")
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _junk(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _spec_cases(root: Path) -> list[Case]:
    """Catalogue folders, each with one broken spec or schema; they share one data root."""
    shutil.copytree(REPO_ROOT / "geodata", root / "geodata", ignore=shutil.ignore_patterns("notes", "README.md"))
    good = (REPO_ROOT / "layers" / "jumpp.toml").read_text(encoding="utf-8")
    cases: list[Case] = []

    def folder(
        name: str, spec: bytes | None, *, schema: tuple[str, bytes] | None = None, file: str = "jumpp.toml"
    ) -> Path:
        out = root / name
        shutil.copytree(REPO_ROOT / "layers" / "schemas", out / "schemas")
        shutil.copy(REPO_ROOT / "layers" / "countries.toml", out / "countries.toml")
        shutil.copy(REPO_ROOT / "layers" / "facets.toml", out / "facets.toml")
        if spec is not None:
            (out / file).write_bytes(spec)
        if schema is not None:
            (out / "schemas" / schema[0]).write_bytes(schema[1])
        return out

    def edited(change: Callable[[str], str]) -> bytes:
        return change(good).encode("utf-8")

    def source(value: str) -> bytes:
        return edited(lambda t: t.replace('source = "geodata/jumpp_activities.geojson"', f"source = {value}"))

    def err(name: str, spec: bytes | None, *words: str, **kw: Any) -> None:
        cases.append(Case(name, "catalogue", folder(name, spec, **kw), "error", words, root=root))

    cases.append(Case("spec_valid", "catalogue", folder("spec_valid", good.encode()), "accepted", root=root))
    cases.append(
        Case("spec_utf8_bom", "catalogue", folder("spec_bom", b"\xef\xbb\xbf" + good.encode()), "accepted", root=root)
    )
    err("spec_source_absolute", source('"/etc/passwd"'), "jumpp.toml", "source", "outside")
    err("spec_source_escaping", source('"../../../../etc/passwd"'), "source", "outside")
    err("spec_source_escaping_inside_name", source('"geodata/../../x.geojson"'), "source", "outside")
    err("spec_source_nul", source('"geodata/x\\u0000.geojson"'), "source", "NUL")
    err("spec_source_missing", source('"geodata/nope.geojson"'), "source", "no such file")
    err("spec_source_not_text", source("42"), "source", "not text")
    outside = root.parent / "outside_secret.geojson"
    outside.write_text("{}", encoding="utf-8")
    link = root / "geodata" / "link_out.geojson"
    try:
        os.symlink(outside, link)
        err("spec_source_symlink_out", source('"geodata/link_out.geojson"'), "source", "link")
    except OSError:  # pragma: no cover - no symlinks on this system
        pass
    err("spec_unknown_schema", edited(lambda t: t.replace('schema = "activity"', 'schema = "nope"')), "schema", "nope")
    err(
        "spec_latin1", good.replace("JUMPP activities", "Activit\u00e9s JUMPP").encode("latin-1"), "jumpp.toml", "UTF-8"
    )
    err("spec_shift_jis", good.replace("JUMPP activities", "\u6d3b\u52d5").encode("shift_jis"), "UTF-8")
    err("spec_binary", _junk(2048, seed=9), "binary")
    err("spec_not_toml", b"id = jumpp\n[[[", "TOML")
    err("spec_missing_fields", b'id = "jumpp"\n', "title", "source", "schema", "missing")
    err("spec_empty", b"", "id", "missing")
    err("spec_id_mismatch", edited(lambda t: t.replace('id = "jumpp"', 'id = "other"')), "jumpp.toml", "other")
    err(
        "spec_label_field_list",
        edited(lambda t: t.replace('label_field = "name"', 'label_field = ["name"]')),
        "label_field",
    )
    err("spec_color_by_number", edited(lambda t: t.replace('color_by = "activity_type"', "color_by = 5")), "color_by")
    err(
        "spec_tolerance_inf",
        edited(lambda t: t.replace("location_tolerance_km = 10", "location_tolerance_km = inf")),
        "location_tolerance_km",
    )
    err("spec_radius_bool", edited(lambda t: t.replace("radius = 7", "radius = true")), "radius")
    err("spec_unknown_key", edited(lambda t: 'exec = "rm -rf /"\n' + t), "unknown keys", "exec")
    err("spec_unknown_facet", edited(lambda t: t.replace("[filters]", '[filters]\nshell = ["name"]')), "shell", "facet")
    err("spec_is_a_folder", None, "cannot be read", file="x.toml")
    (root / "spec_is_a_folder" / "x.toml").mkdir()
    schema = (REPO_ROOT / "layers" / "schemas" / "activity.toml").read_text(encoding="utf-8")
    err(
        "schema_latin1",
        good.encode(),
        "activity.toml",
        "UTF-8",
        schema=("activity.toml", schema.replace("Partnership activity", "Activit\u00e9").encode("latin-1")),
    )
    err(
        "schema_geometry_types_nested",
        good.encode(),
        "geometry_types",
        schema=("activity.toml", schema.replace('geometry_types = ["Point"]', "geometry_types = [[1]]").encode()),
    )
    err(
        "schema_precision_field_number",
        good.encode(),
        "precision_field",
        schema=(
            "activity.toml",
            schema.replace('precision_field = "location_precision"', "precision_field = 5").encode(),
        ),
    )
    err(
        "schema_bad_regex",
        good.encode(),
        "pattern",
        "regular expression",
        schema=("activity.toml", schema.replace('pattern = "^[a-z0-9][a-z0-9-]*$"', 'pattern = "(["').encode()),
    )
    countries = (REPO_ROOT / "layers" / "countries.toml").read_text(encoding="utf-8")
    err(
        "countries_attributes_escaping",
        good.encode(),
        "attributes",
        "outside",
        schema=("../countries.toml", countries.replace('"geodata/country_attributes.csv"', '"/etc/passwd"').encode()),
    )
    return cases


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("hostile_corpus")
    written = write_corpus(target)
    n_error = sum(c.expect == "error" for c in written)
    print(f"wrote {len(written)} cases into {target}: {n_error} error, {len(written) - n_error} accepted")
