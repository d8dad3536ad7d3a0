"""Build ``geodata/countries.geojson`` from Natural Earth 1:50m (npm ``world-atlas@2.0.2``).

Reproducible: downloads the package tarball from the npm registry with ``npm pack`` (or uses
``--tarball PATH``), reads ``countries-50m.json`` (TopoJSON) through GDAL/pyogrio, keeps the
Indo-Pacific region and the partner countries, maps ISO 3166-1 numeric ids to alpha-3 with
pycountry, splits polygons that cross the antimeridian, and rounds coordinates.

Usage::

    python scripts/build_countries.py            # writes geodata/countries.geojson
    python scripts/build_countries.py --tarball /tmp/world-atlas-2.0.2.tgz
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

import antimeridian
import pycountry

import geopandas as gpd
import shapely
from shapely.geometry import mapping, shape

PACKAGE = "world-atlas@2.0.2"
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "geodata" / "countries.geojson"
PRECISION = 3  # decimal degrees: about 100 m, finer than 1:50m linework

# Indo-Pacific region (East, South-East and South Asia, Oceania, the Pacific islands) plus
# partner countries. ISO 3166-1 alpha-3.
KEEP = {
    # partners
    "JPN",
    "USA",
    "AUS",
    "IND",
    "KOR",
    "NZL",
    "CAN",
    # ASEAN and Timor-Leste
    "BRN",
    "KHM",
    "IDN",
    "LAO",
    "MYS",
    "MMR",
    "PHL",
    "SGP",
    "THA",
    "VNM",
    "TLS",
    # East Asia
    "CHN",
    "TWN",
    "MNG",
    "PRK",
    "RUS",
    # South Asia
    "BGD",
    "BTN",
    "LKA",
    "MDV",
    "NPL",
    "PAK",
    # Pacific
    "PNG",
    "FJI",
    "SLB",
    "VUT",
    "WSM",
    "TON",
    "PLW",
    "MHL",
    "FSM",
    "KIR",
    "NRU",
    "TUV",
    "NCL",
    "PYF",
    "GUM",
    "MNP",
    "ASM",
    "COK",
    "NIU",
    "WLF",
}
# Natural Earth names for features whose numeric id pycountry does not know.
_NAME_TO_ISO3 = {"Indian Ocean Ter.": "IOT"}


def _iso3(numeric: str | None, name: str) -> str | None:
    if numeric is None:
        return _NAME_TO_ISO3.get(name)
    country = pycountry.countries.get(numeric=str(numeric).zfill(3))
    return country.alpha_3 if country else None


def _fetch(tarball: Path | None, workdir: Path) -> Path:
    if tarball is None:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=workdir, check=True)
        tarball = next(workdir.glob("world-atlas-*.tgz"))
    with tarfile.open(tarball) as tar:
        member = tar.getmember("package/countries-50m.json")
        tar.extract(member, workdir, filter="data")
    return workdir / "package" / "countries-50m.json"


def _round(geom: shapely.Geometry) -> shapely.Geometry:
    geom = shapely.set_precision(geom, 10**-PRECISION)
    return shapely.make_valid(geom)


def build(tarball: Path | None = None, out: Path = OUT) -> int:
    """Write the country polygons and return the number of features."""
    with tempfile.TemporaryDirectory() as tmp:
        src = _fetch(tarball, Path(tmp))
        world = gpd.read_file(src, layer="countries")
    world["iso3"] = [_iso3(i, n) for i, n in zip(world["id"], world["name"], strict=True)]
    world = world[world["iso3"].isin(KEEP)].copy()
    missing = KEEP - set(world["iso3"])
    # Natural Earth rings that run across the antimeridian (Fiji, Russia) would smear
    # across the whole map: split them at +/-180 first, then repair.
    world["geometry"] = [
        shapely.make_valid(shape(antimeridian.fix_shape(mapping(g), fix_winding=True))) for g in world.geometry
    ]
    # Some countries come in several features (Australia and Ashmore and Cartier Is.): one
    # feature per ISO code, named after its largest part.
    world["_area"] = world.geometry.area
    world = world.sort_values("_area", ascending=False)
    first = world.groupby("iso3")[["name", "id"]].first()
    world = world.dissolve(by="iso3", as_index=False)[["iso3", "geometry"]]
    features = []
    for row in world.sort_values("iso3").itertuples():
        geom = shapely.orient_polygons(_round(row.geometry))  # RFC 7946 right-hand rule
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "iso3": row.iso3,
                    "iso_n3": first.loc[row.iso3, "id"],
                    "name": first.loc[row.iso3, "name"],
                },
                "geometry": mapping(geom),
            }
        )
    collection = {
        "type": "FeatureCollection",
        "metadata": {
            "source": f"Natural Earth 1:50m admin-0 countries via npm {PACKAGE} (countries-50m.json)",
            "source_url": "https://www.npmjs.com/package/world-atlas/v/2.0.2",
            "publisher": "Natural Earth (public domain); world-atlas by Mike Bostock (ISC licence)",
            "licence": "Natural Earth: public domain. world-atlas: ISC, Copyright 2013-2019 Michael Bostock",
            "precision": f"coordinates rounded to {PRECISION} decimal degrees; 1:50m generalisation",
            "built_by": "scripts/build_countries.py",
        },
        "features": features,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    out.write_text(text, encoding="utf-8")
    if missing:
        print(f"not in the source at 1:50m: {', '.join(sorted(missing))}")
    return len(features)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="use this world-atlas tarball")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    n = build(args.tarball, args.out)
    print(f"wrote {n} countries to {args.out}")


if __name__ == "__main__":
    main()
