"""An uploaded layer in every output, with hostile text from the upload (the payloads of
tests/make_hostile_corpus.py as names, categories, free text and column names): the map
documents and payload, the folium map, the self-contained HTML, the tables, the GeoJSON,
CSV and GeoPackage exports and the SVG snapshot keep it as text, never as markup or
template code. And the hostile corpus itself goes through the upload path without a
traceback."""

from __future__ import annotations

import html
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import geopandas as gpd

import mapper
from mapper.export import export_bytes, to_geojson
from mapper.selection import select
from mapper.snapshot import draw, to_bytes
from mapper.tables import clicked_records, country_profile, layer_table
from mapper.upload import apply_mapping, detect_mapping, read_upload, upload_layer
from mapper.webmap import MapAssets, build_map, map_payload, popup_html, standalone_html

sys.path.insert(0, str(Path(__file__).parent))
from make_hostile_corpus import PAYLOADS, write_corpus
from make_upload_fixtures import hostile_csv

TEXTS = list(PAYLOADS.values())
TITLE = PAYLOADS["latex"] + " " + PAYLOADS["jinja"]


@pytest.fixture(scope="module")
def hostile(bundle: mapper.Bundle) -> mapper.Bundle:
    """The bundle plus an uploaded layer made of hostile text."""
    table = read_upload("<b>hostile</b>{{7*7}}.csv", hostile_csv(PAYLOADS))
    mapping = detect_mapping(table).with_changes(title=TITLE, attribution=PAYLOADS["html"])
    layer, frame = upload_layer(apply_mapping(table, mapping), mapping, layer_id="hostile_upload")
    return bundle.with_layers([(layer, frame)])


def _embedded(page: str) -> str:
    """The JSON embedded in a page with ``JSON.parse("…")``, decoded, as one text."""
    parts = [json.loads(json.loads(f'"{m}"')) for m in re.findall(r'JSON\.parse\("((?:[^"\\]|\\.)*)"\)', page)]
    return json.dumps(parts, ensure_ascii=False)


def _entities(text: str) -> str:
    return html.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def test_detection_maps_the_hostile_upload(hostile: mapper.Bundle) -> None:
    frame = hostile.layers["hostile_upload"]
    assert frame["name"].tolist() == TEXTS
    assert all(f"{t} (col)" in frame.columns for t in TEXTS)


def test_pages_never_hold_the_text_as_markup_or_run_it_as_a_template(hostile: mapper.Bundle) -> None:
    selection = select(hostile, mapper.FilterState(layers=("hostile_upload",)))
    pages = {
        "standalone_html": standalone_html(selection, title=TITLE),
        "build_map": build_map(selection).get_root().render(),
    }
    offenders = []
    for name, page in pages.items():
        if (
            "<script>alert" in page
            or "<img src=x" in page
            or "evil.example" in page.replace("\\/", "/").split("JSON.parse")[0]
        ):
            offenders.append(f"{name}: markup from the upload outside the data")
        embedded = _embedded(page)
        for text in TEXTS:
            # labels, tooltip and popup columns are the text itself (the runtime escapes them)
            if json.dumps(text, ensure_ascii=False)[1:-1] not in embedded:
                offenders.append(f"{name}: literal text {text!r} missing from the data")
        if re.search(r"(?<![\d.])49 (?!\d)", page.split("<script>", 1)[0]):
            offenders.append(f"{name}: a template ran (49)")
    assert not offenders, offenders


def test_map_documents_and_payload_carry_the_text_as_data(hostile: mapper.Bundle) -> None:
    assets = MapAssets(hostile)
    document = assets.document("hostile_upload")
    assert document["labels"] == TEXTS
    tooltip_labels = [column[0] for column in document["columns"]]
    assert "type" in tooltip_labels
    columns = assets.popups("hostile_upload")
    assert columns[0] == TEXTS  # the heading (label field) of each popup, as plain text
    layer = hostile.catalogue["hostile_upload"]
    records = hostile.layers["hostile_upload"].drop(columns="geometry").to_dict("records")
    popups = [popup_html(record, layer) for record in records]
    offenders = [t for t, p in zip(TEXTS, popups, strict=True) if _entities(t) not in p or "<script>" in p]
    assert not offenders, offenders
    selection = select(hostile)
    payload = map_payload(selection, assets, dict.fromkeys(assets.names(), "x"))
    legend = payload["legend"]
    assert "<script>alert" not in legend
    assert _entities(TITLE) in legend


def test_tables_and_country_profile_hold_the_text_itself(hostile: mapper.Bundle) -> None:
    layer = hostile.catalogue["hostile_upload"]
    table = layer_table(hostile.layers["hostile_upload"], layer)
    assert table["name"].tolist() == TEXTS
    found = clicked_records(hostile.layers, hostile.catalogue, "hostile_upload-r2")
    assert found is not None
    assert found[1]["name"].tolist() == [TEXTS[0]]
    assert "Offshore wind zones" in country_profile(hostile, "LAO").records


def test_exports_keep_the_text_and_the_users_attribution(hostile: mapper.Bundle) -> None:
    selection = select(hostile, mapper.FilterState(layers=("hostile_upload",)))
    collection = json.loads(export_bytes(selection, "geojson"))
    assert [f["properties"]["name"] for f in collection["features"]] == TEXTS
    assert collection["metadata"]["layers"][0]["attribution"] == PAYLOADS["html"]
    assert to_geojson(selection)["features"][0]["properties"]["source_publisher"] == PAYLOADS["html"]
    table = pd.read_csv(io.BytesIO(export_bytes(selection, "csv")), dtype=str, keep_default_na=False)
    formulas = [t for t in TEXTS if t.startswith(("=", "+", "-", "@"))]
    assert [n for n in table["name"] if n.lstrip("'") in formulas] == ["'" + t for t in formulas]
    assert set(TEXTS) - set(formulas) <= set(table["name"])
    data = export_bytes(selection, "gpkg")
    path = Path(pytest.importorskip("tempfile").mkdtemp()) / "x.gpkg"
    path.write_bytes(data)
    back = gpd.read_file(path, layer="hostile_upload")
    assert back["name"].tolist() == TEXTS
    readme = zipfile.ZipFile(io.BytesIO(export_bytes(selection, "zip")))
    text = next(readme.read(n).decode() for n in readme.namelist() if n.endswith("README.txt"))
    assert PAYLOADS["html"] in text


def test_svg_snapshot_keeps_the_text_literal(hostile: mapper.Bundle) -> None:
    selection = select(hostile, mapper.FilterState(layers=("hostile_upload",)))
    svg = ET.fromstring(to_bytes(draw(selection, region="mekong", title=TITLE), "svg"))
    text = " ".join("".join(e.itertext()) for e in svg.iter() if e.tag.endswith("text"))
    assert TITLE in text
    palette = hostile.catalogue["hostile_upload"].style.palette
    missing = [value for value in palette if value not in text]
    assert not missing, missing


def test_the_hostile_corpus_goes_through_the_upload_path_without_a_traceback(tmp_path: Path) -> None:
    cases = write_corpus(tmp_path / "corpus", huge=False)
    offenders = []
    files = [c for c in cases if c.kind in ("file", "upload") and c.path.is_file()]
    assert len(files) > 20
    for case in files:
        name = case.upload_name or case.path.name
        try:
            table = read_upload(name, case.path.read_bytes(), layer=case.layer_name)
            mapping = detect_mapping(table)
            result = apply_mapping(table, mapping)
            if len(result.frame) + result.rejected_count != len(table.frame):
                offenders.append(f"{case.name}: rows lost")
            if len(result.frame):
                upload_layer(result, mapping, layer_id="corpus")
        except mapper.MapperError as exc:
            message = str(exc)
            if "Traceback" in message or str(tmp_path) in message:
                offenders.append(f"{case.name}: {message[:200]}")
        except Exception as exc:  # the point is to find any other exception
            offenders.append(f"{case.name}: {type(exc).__name__}: {str(exc)[:200]}")
    assert not offenders, offenders
