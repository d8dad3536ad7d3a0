"""Generate the files a programme officer would upload, for the upload tests.

``write_fixtures(folder, bundle)`` writes every file into ``folder`` (never into the
repository) and returns ``{name: Fixture}`` with what each must give: the rows it holds,
the columns detection must pick, and the rows (as the user sees them) that must be set
aside. Run as a script to write them for a manual try in the app::

    python tests/make_upload_fixtures.py /tmp/uploads

The place names are test labels ("テスト地点", "Test site"), not real projects; the
coordinates are capital cities. The GeoPackage is the project's own export
(:func:`mapper.export.write_gpkg`) and the zipped Shapefile, KMZ and GeoParquet are written
from the project's own GeoJSON export (:func:`mapper.export.to_geojson`), so that a file the
tool gives out can come back in.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

import geopandas as gpd

#: Capitals (lat, lon) used as test sites.
PLACES = {
    "Vientiane": (17.9757, 102.6331),
    "Hanoi": (21.0278, 105.8342),
    "Phnom Penh": (11.5564, 104.9282),
    "Bangkok": (13.7563, 100.5018),
    "Naypyidaw": (19.7633, 96.0785),
    "Tokyo": (35.6762, 139.6503),
}

#: Country cells that must each match the ISO3 code given: every variant the issue names.
COUNTRY_VARIANTS = {
    "Viet Nam": "VNM",
    "Vietnam": "VNM",
    "VNM": "VNM",
    "vn": "VNM",
    "Lao PDR": "LAO",
    "Laos": "LAO",
    "Lao People's Democratic Republic": "LAO",
    "LAO": "LAO",
    "Korea, Rep.": "KOR",
    "South Korea": "KOR",
    "Republic of Korea": "KOR",
    "Myanmar": "MMR",
    "Burma": "MMR",
    "Türkiye": "TUR",
    "Turkey": "TUR",
    "Thailand": "THA",
    "Cambodia": "KHM",
    "ベトナム": "VNM",
    "ラオス": "LAO",
    "韓国": "KOR",
    "大韓民国": "KOR",
    "ミャンマー": "MMR",
    "タイ": "THA",
    "カンボジア": "KHM",
    "日本": "JPN",
    "米国": "USA",
    "アメリカ合衆国": "USA",
    "United States": "USA",
}


@dataclass(frozen=True)
class Fixture:
    """One upload and what reading and mapping it must give."""

    path: Path
    rows: int
    expect: dict[str, Any] = field(default_factory=dict)
    #: Row numbers (as the user sees them) that must be set aside, with the column named.
    rejected: dict[int, str] = field(default_factory=dict)
    sheet: str | None = None
    layer: str | None = None


def _sjis_csv(folder: Path) -> Fixture:
    rows = [
        ("テスト地点 ビエンチャン", "太陽光", "ラオス", *PLACES["Vientiane"], 2021, "12.5"),
        ("テスト地点 ハノイ", "風力", "ベトナム", *PLACES["Hanoi"], 2022, "30"),
        ("テスト地点 プノンペン", "太陽光", "カンボジア", *PLACES["Phnom Penh"], 2023, "8"),
        ("テスト地点 バンコク", "送電", "タイ", *PLACES["Bangkok"], 2024, "120"),
    ]
    frame = pd.DataFrame(rows, columns=["案件名", "種別", "国名", "緯度", "経度", "年度", "容量(MW)"])
    path = folder / "案件一覧_sjis.csv"
    frame.to_csv(path, index=False, encoding="cp932")
    expect = {"name": "案件名", "lat": "緯度", "lon": "経度", "category": "種別", "country": "国名", "year": "年度"}
    return Fixture(path, len(rows), {**expect, "location": "lonlat", "number": "容量(MW)", "encoding": "cp932"})


def _bom_csv(folder: Path) -> Fixture:
    text = "Site name;Type;Latitude;Longitude;Capacity (MW)\n"
    text += "Test site Vientiane;solar;17,9757;102,6331;12,5\n"
    text += "Test site Hanoi;wind;21,0278;105,8342;30\n"
    text += "\n"
    text += "Test site Bangkok;solar;13,7563;100,5018;4\n"
    path = folder / "sites_bom_semicolon.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return Fixture(
        path,
        3,
        {"location": "lonlat", "name": "Site name", "lat": "Latitude", "lon": "Longitude", "category": "Type"},
    )


def _xlsx(folder: Path) -> Fixture:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sites"
    ws.append(["Programme sites (test file)"])  # a title row above the table
    ws.append([])
    ws.append(["Name", "Location", None, "Type", "Year"])
    ws.append([None, "lat", "lon", None, None])
    ws.merge_cells("B3:C3")
    ws.merge_cells("A3:A4")
    ws.merge_cells("D3:D4")
    ws.merge_cells("E3:E4")
    for name, (lat, lon), kind, year in (
        ("Test site Vientiane", PLACES["Vientiane"], "solar", 2021),
        ("Test site Naypyidaw", PLACES["Naypyidaw"], "hydro", 2020),
        ("Test site Tokyo", PLACES["Tokyo"], "wind", 2023),
    ):
        ws.append([name, lat, lon, kind, year])
    other = wb.create_sheet("Countries")
    other.append(["Programme", "Country", "Budget (USD)"])
    other.append(["Test programme A", "Viet Nam", 1000000])
    other.append(["Test programme B", "Lao PDR", 250000])
    path = folder / "programme_two_sheets.xlsx"
    wb.save(path)
    # the title row is not a header; the merged cells span sheet rows 3-4; data from row 5
    return Fixture(
        path,
        3,
        {"location": "lonlat", "name": "Name", "lat": "Location / lat", "lon": "Location / lon", "year": "Year"},
        sheet=None,
    )


def _countries_csv(folder: Path) -> Fixture:
    rows = [{"name": f"Test country record {k + 1}", "country": value} for k, value in enumerate(COUNTRY_VARIANTS)]
    path = folder / "country_names_only.csv"
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8")
    return Fixture(path, len(rows), {"location": "country", "name": "name", "country": "country"})


def _wkt_csv(folder: Path) -> Fixture:
    rows = [
        {"name": "Test line", "wkt": "LINESTRING (102.63 17.97, 105.83 21.03)", "status": "planned"},
        {"name": "Test line 2", "wkt": "LINESTRING (104.93 11.56, 100.50 13.76)", "status": "built"},
        {"name": "Not WKT", "wkt": "LINESTRING (oops)", "status": "planned"},
        {"name": "A point among lines", "wkt": "POINT (102.6 17.9)", "status": "planned"},
    ]
    path = folder / "lines_wkt.csv"
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8")
    return Fixture(path, len(rows), {"location": "wkt", "name": "name", "wkt": "wkt"}, rejected={4: "wkt", 5: "wkt"})


def _broken_csv(folder: Path) -> Fixture:
    rows = [
        ("Good site", "17.9757", "102.6331", "Lao PDR"),  # line 2
        ("Bad number", "abc", "102.6", "LAO"),  # line 3
        ("Swapped", "102.6331", "17.9757", "LAO"),  # line 4: lat 102.6 is out of range
        ("Too far north", "95.2", "102.6", "LAO"),  # line 5
        ("Unknown country", "", "", "Atlantis"),  # line 6: no coordinates, country unknown
        ("", "21.0278", "105.8342", "VNM"),  # line 7: empty name
        ("Country level", "", "", "Cambodia"),  # line 8: a country-level record
        ("Half a location", "13.75", "", "THA"),  # line 9
    ]
    frame = pd.DataFrame(rows, columns=["name", "lat", "lon", "country"])
    path = folder / "broken_rows.csv"
    frame.to_csv(path, index=False, encoding="utf-8")
    return Fixture(
        path,
        len(rows),
        {"location": "lonlat", "name": "name", "lat": "lat", "lon": "lon", "country": "country"},
        rejected={3: "lat", 4: "lat", 5: "lat", 6: "country", 7: "name", 9: "lon"},
    )


def _project_exports(folder: Path, bundle: Any) -> dict[str, Fixture]:
    """A GeoPackage written by the project's export (country-level JUMPP activities and the
    interconnector lines), and a zipped Shapefile and a KMZ (interconnectors) and a
    GeoParquet (wind-zone polygons) written from the project's GeoJSON export."""
    from mapper.export import to_geojson, write_gpkg
    from mapper.query import FilterState
    from mapper.selection import select

    selection = select(bundle, FilterState(layers=("jumpp", "interconnectors", "wind_zones")))
    counts = selection.counts
    gpkg = write_gpkg(selection, folder / "mapper_export.gpkg")
    collection = to_geojson(selection)
    frame = gpd.GeoDataFrame.from_features(collection["features"], crs="EPSG:4326")
    lines = frame[frame["layer"] == "interconnectors"].reset_index(drop=True)
    zones = frame[frame["layer"] == "wind_zones"].reset_index(drop=True)
    out: dict[str, Fixture] = {
        "gpkg": Fixture(
            gpkg,
            counts["interconnectors"],
            {"location": "geometry", "name": "name", "category": "status", "geometry": "line"},
            layer="interconnectors",
        ),
        "gpkg_jumpp": Fixture(
            gpkg,
            counts["jumpp"],
            {"location": "country", "name": "name", "country": "country", "year": "year"},
            layer="jumpp",
        ),
    }
    shp_dir = folder / "shp"
    shp_dir.mkdir()
    keep = ["name", "kind", "status", "year", "voltage_kv"]  # Shapefile field names: 10 characters at most
    lines[[*keep, "geometry"]].to_file(
        shp_dir / "interconnectors.shp", driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8"
    )
    shp_zip = folder / "interconnectors_shapefile.zip"
    with zipfile.ZipFile(shp_zip, "w") as archive:
        for member in sorted(shp_dir.iterdir()):
            archive.write(member, member.name)
    out["shapefile"] = Fixture(shp_zip, len(lines), {"location": "geometry", "name": "name", "geometry": "line"})
    # a Japanese Shapefile as many GIS tools write it: Shift-JIS attributes and no .cpg file
    sjis_dir = folder / "shp_sjis"
    sjis_dir.mkdir()
    japanese = lines[["geometry"]].assign(名称=[f"テスト送電線 {k + 1}" for k in range(len(lines))])
    japanese.to_file(sjis_dir / "送電線.shp", driver="ESRI Shapefile", engine="pyogrio", encoding="cp932")
    sjis_zip = folder / "lines_shiftjis_no_cpg.zip"
    with zipfile.ZipFile(sjis_zip, "w") as archive:
        for member in sorted(sjis_dir.iterdir()):
            if member.suffix.lower() != ".cpg":
                archive.write(member, member.name)
    out["shapefile_sjis"] = Fixture(sjis_zip, len(lines), {"location": "geometry", "name": "名称", "geometry": "line"})
    kml = folder / "doc.kml"
    lines[["name", "geometry"]].rename(columns={"name": "Name"}).to_file(kml, driver="KML", engine="pyogrio")
    kmz = folder / "interconnectors.kmz"
    with zipfile.ZipFile(kmz, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(kml, "doc.kml")
    kml.unlink()
    out["kmz"] = Fixture(kmz, len(lines), {"location": "geometry", "name": "Name", "geometry": "line"})
    parquet = folder / "wind_zones.parquet"
    zones[["name", "country", "status", "capacity_mw", "year", "geometry"]].to_parquet(parquet)
    out["parquet"] = Fixture(
        parquet,
        len(zones),
        {"location": "geometry", "name": "name", "country": "country", "number": "capacity_mw", "geometry": "polygon"},
    )
    geojson = folder / "mapper_export.geojson"
    # the interconnector lines and the country-level JUMPP activities (null geometry) of the export
    kept = [f for f in collection["features"] if f["properties"]["layer"] in ("interconnectors", "jumpp")]
    geojson.write_text(json.dumps({**collection, "features": kept}, ensure_ascii=False), encoding="utf-8")
    out["geojson"] = Fixture(
        geojson, len(kept), {"location": "geometry", "name": "name", "country": "country", "geometry": "line"}
    )
    return out


def write_fixtures(folder: str | Path, bundle: Any) -> dict[str, Fixture]:
    """Write every upload fixture into ``folder``; see the module docstring."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fixtures = {
        "sjis_csv": _sjis_csv(folder),
        "bom_csv": _bom_csv(folder),
        "xlsx": _xlsx(folder),
        "countries_csv": _countries_csv(folder),
        "wkt_csv": _wkt_csv(folder),
        "broken_csv": _broken_csv(folder),
    }
    fixtures |= _project_exports(folder, bundle)
    return fixtures


def hostile_csv(payloads: dict[str, str]) -> bytes:
    """A CSV whose names, categories, free text and column names are the hostile payloads
    (one row per payload, on a grid over the Mekong region), UTF-8."""
    buffer = io.StringIO()
    rows = [
        {"name": text, "type": text, "notes": text, f"{text} (col)": text, "lat": 10 + 1.5 * k, "lon": 98 + 3 * (k % 4)}
        for k, text in enumerate(payloads.values())
    ]
    columns = ["name", "type", "notes", *[f"{t} (col)" for t in payloads.values()], "lat", "lon"]
    pd.DataFrame(rows, columns=columns).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


if __name__ == "__main__":  # pragma: no cover
    import mapper

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "upload-fixtures")
    for key, fixture in write_fixtures(target, mapper.load_bundle()).items():
        print(f"{key}: {fixture.path} ({fixture.rows} rows)")
