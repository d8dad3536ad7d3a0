"""The years: one rule says what existed or was active in a year, it is a filter of the one
selection (so every output honours it), and the year and the language travel in the link
and through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import pick_layer

import mapper
from mapper.cli import main
from mapper.query import END_YEAR_FIELD, FilterState, active_in_year, active_spans, from_query, with_defaults
from mapper.selection import select
from mapper.viewstate import ViewState, view_from_query


def _records(bundle: mapper.Bundle, layer_id: str, rows: list[dict[str, object]]):
    """A few records of a layer with chosen years and statuses (the rest copied from the first)."""
    frame = bundle.layers[layer_id].iloc[[0] * len(rows)].reset_index(drop=True).copy()
    if "status_history" in frame.columns:  # the copied record's own history would overrule the year rule
        frame["status_history"] = None
    for column in ("year", "year_end", "status"):
        if column in frame.columns:
            frame[column] = frame[column].astype(object)
    for i, row in enumerate(rows):
        for key, value in row.items():
            frame.loc[i, key] = value
    return frame


def test_a_record_is_active_from_its_year_until_its_end(bundle: mapper.Bundle) -> None:
    lid = pick_layer(bundle, facet="year", where=lambda _, f: END_YEAR_FIELD in f.columns)
    layer = bundle.catalogue[lid]
    frame = _records(
        bundle,
        lid,
        [
            {"year": 2020, "year_end": None, "status": "ongoing"},  # from 2020 on
            {"year": 2020, "year_end": 2022, "status": "completed"},  # 2020..2022
            {"year": 2025, "year_end": None, "status": "announced"},  # from 2025 on
        ],
    )
    shown = {year: active_in_year(frame, layer, year).tolist() for year in (2019, 2020, 2022, 2023, 2025)}
    assert shown == {
        2019: [False, False, False],
        2020: [True, True, False],
        2022: [True, True, False],
        2023: [True, False, False],
        2025: [True, False, True],
    }


def test_a_cancelled_record_is_shown_before_its_year_and_hidden_from_it_on(bundle: mapper.Bundle) -> None:
    lid = pick_layer(
        bundle,
        facet="year",
        where=lambda layer, f: (
            {"cancelled", "awarded"} <= set(layer.schema.fields["status"].allowed or ())
            and END_YEAR_FIELD not in f.columns
        ),
    )
    layer = bundle.catalogue[lid]
    frame = _records(bundle, lid, [{"year": 2024, "status": "cancelled"}, {"year": 2024, "status": "awarded"}])
    assert active_in_year(frame, layer, 2020).tolist() == [True, False]
    assert active_in_year(frame, layer, 2023).tolist() == [True, False]
    assert active_in_year(frame, layer, 2024).tolist() == [False, True]
    spans = active_spans(frame, layer)
    assert spans["last"].tolist() == [2023, float("inf")]


def test_a_record_without_a_year_is_left_out_of_an_as_of_view(bundle: mapper.Bundle) -> None:
    # a layer in which some records have no published year (e.g. no commissioning year yet)
    lid = pick_layer(bundle, facet="year", where=lambda layer, f: f[layer.facet_fields("year")[0]].isna().any())
    field = bundle.catalogue[lid].facet_fields("year")[0]
    frame = bundle.layers[lid]
    kept = select(bundle, FilterState(layers=(lid,), as_of_year=2026)).frames[lid]
    assert len(kept) > 0
    assert not kept[field].isna().any()
    assert len(select(bundle, FilterState(layers=(lid,))).frames[lid]) == len(frame)


def test_every_output_takes_the_as_of_selection(bundle: mapper.Bundle) -> None:
    """The year is a filter of the one selection: counts, exports and the map payload agree."""
    from mapper.export import export_bytes
    from mapper.webmap import MapAssets, map_payload

    selection = select(bundle, FilterState(as_of_year=2021))
    total = sum(selection.counts.values())
    assert 0 < total < sum(select(bundle).counts.values())
    exported = json.loads(export_bytes(selection, "geojson"))
    assert len(exported["features"]) == total
    assert exported["metadata"]["filter"]["as_of_year"] == 2021
    assets = MapAssets(bundle)
    payload = map_payload(selection, assets, {n: n for n in assets.names()})
    assert {layer["id"] for layer in payload["layers"]} == set(selection.counts)


def test_the_year_and_the_language_round_trip_through_the_link(bundle: mapper.Bundle) -> None:
    catalogue = bundle.catalogue
    view = ViewState(
        filters=with_defaults(FilterState(as_of_year=2024, country=("VNM",)), catalogue),
        lang="ja",
        defaults=tuple(catalogue.facet_defaults().items()),
    )
    query = view.to_query()
    assert query["as_of_year"] == "2024"
    assert query["lang"] == "ja"
    restored, notices = view_from_query(query, bundle)
    assert notices == []
    assert restored == view


def test_bad_year_and_language_values_in_a_link_give_notices(bundle: mapper.Bundle) -> None:
    state, notices = from_query({"as_of_year": "soon"}, bundle.catalogue)
    assert state.as_of_year is None
    assert notices == ["ignored as_of_year='soon': not a whole number"]
    view, notices = view_from_query({"lang": "fr"}, bundle)
    assert view.lang is None
    assert notices == ["ignored lang='fr': use one of en, ja"]


def test_the_cli_exports_as_of_a_year_with_japanese_labels(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "asof.geojson"
    assert main(["export", "-o", str(out), "--year", "2021", "--lang", "ja", "--layer", "jumpp"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    # the relation facet starts at its declared default (core), named in Japanese too
    assert data["metadata"]["filter"] == {"layers": ["jumpp"], "relation": ["core"], "as_of_year": 2021}
    assert data["metadata"]["filter_description"] == "レイヤー jumpp；中核か関連か：中核；2021年時点"
    assert data["metadata"]["labels"]["jumpp"]["title"] == "JUMPPの活動"
    assert all(f["properties"]["year"] <= 2021 for f in data["features"])
    assert capsys.readouterr().out == f"{out} を書き出しました（jumpp: {len(data['features'])}）\n"  # --lang ja


def test_the_cli_writes_a_japanese_html_map_with_a_year_control(tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    assert main(["html", "-o", str(out), "--year", "2023", "--lang", "ja"]) == 0
    html = out.read_text(encoding="utf-8")
    assert '<html lang="ja">' in html
    assert "2023年時点" in html  # the caption describes the filter in Japanese
    # the payload opens the year control at 2023 over every year of the data
    assert '\\"time\\":\\u007b\\"min\\":' in html
    assert '\\"year\\":2023' in html


# --- dated status histories (a fixture layer: histories written into a copy of the data) ----


@pytest.fixture
def history_bundle(layers_copy: Path, edit_geojson) -> tuple[mapper.Bundle, dict[str, str]]:
    """A copy of the data whose first awarded and first cancelled wind zones carry a dated
    history (made up for the test, in the copy only; the real records are never edited)."""
    chosen: dict[str, str] = {}

    def add(features: list[dict]) -> None:
        for feature in features:
            props = feature["properties"]
            if props["status"] == "awarded" and "awarded" not in chosen:
                props["year"] = 2024
                props["status_history"] = "2020:designated; 2022:auctioned; 2024:awarded"
                chosen["awarded"] = props["id"]
            elif props["status"] == "cancelled" and "cancelled" not in chosen:
                props["year"] = 2023
                props["status_history"] = "2019:proposed; 2021:designated; 2023:cancelled"
                chosen["cancelled"] = props["id"]

    edit_geojson(layers_copy / "geodata" / "wind_zones.geojson", add)
    assert set(chosen) == {"awarded", "cancelled"}, chosen
    bundle = mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"))
    assert bundle.report.ok, bundle.report.format()
    return bundle, chosen


def _status(bundle: mapper.Bundle, year: int | None, rid: str, **facets: tuple[str, ...]) -> str | None:
    frame = select(bundle, FilterState(layers=("wind_zones",), as_of_year=year, **facets)).frames["wind_zones"]
    rows = frame[frame["id"] == rid]
    return None if rows.empty else str(rows["status"].iloc[0])


def test_as_of_a_year_a_record_with_a_status_history_shows_the_status_that_held_then(history_bundle) -> None:
    bundle, ids = history_bundle
    awarded, cancelled = ids["awarded"], ids["cancelled"]
    assert [_status(bundle, y, awarded) for y in (2019, 2020, 2021, 2022, 2023, 2024, 2026)] == [
        None,  # before its first dated status
        "designated",
        "designated",
        "auctioned",
        "auctioned",
        "awarded",
        "awarded",
    ]
    assert _status(bundle, None, awarded) == "awarded"  # all years: the current status
    # a cancelled zone is shown from its first entry until the year before it was cancelled
    assert [_status(bundle, y, cancelled) for y in (2018, 2019, 2021, 2022, 2023)] == [
        None,
        "proposed",
        "designated",
        "designated",
        None,
    ]
    # the status filter and every output see the status of that year
    assert _status(bundle, 2021, awarded, status=("designated",)) == "designated"
    assert _status(bundle, 2021, awarded, status=("awarded",)) is None
    assert bundle.layers["wind_zones"].set_index("id").loc[awarded, "status"] == "awarded"  # the data is unchanged
    from mapper.export import export_bytes

    exported = json.loads(export_bytes(select(bundle, FilterState(layers=("wind_zones",), as_of_year=2021)), "geojson"))
    [feature] = [f for f in exported["features"] if f["properties"]["id"] == awarded]
    assert feature["properties"]["status"] == "designated"
    assert feature["properties"]["status_history"] == "2020:designated; 2022:auctioned; 2024:awarded"


def test_records_without_a_history_keep_the_year_rule(history_bundle) -> None:
    bundle, _ids = history_bundle
    plain = select(bundle, FilterState(layers=("wind_zones",))).frames["wind_zones"]
    with_history = set(bundle.layers["wind_zones"].dropna(subset=["status_history"])["id"])
    plain = plain[~plain["id"].isin(with_history)]
    layer = bundle.catalogue["wind_zones"]
    for year in (2015, 2021, 2024):
        kept = select(bundle, FilterState(layers=("wind_zones",), as_of_year=year)).frames["wind_zones"]
        kept = kept[~kept["id"].isin(with_history)]
        assert kept["id"].tolist() == plain[active_in_year(plain, layer, year)]["id"].tolist()
        assert kept["status"].tolist() == plain[active_in_year(plain, layer, year)]["status"].tolist()


def test_a_bad_status_history_is_reported_naming_record_field_and_value(layers_copy: Path, edit_geojson) -> None:
    bad = {
        "2019 designated": "write each entry as YEAR:status",
        "2021:designated; 2019:proposed": "increasing order",
        "2019:built; 2024:awarded": "each status must be one of",
        "2019:designated; 2022:auctioned": "ends with 'auctioned', but status is",
        "1990:designated; 2024:awarded": "outside 2000..2040",
    }
    written: dict[str, str] = {}

    def add(features: list[dict]) -> None:
        awarded = [f for f in features if f["properties"]["status"] == "awarded"]
        for feature, value in zip(awarded, bad, strict=False):
            feature["properties"]["status_history"] = value
            written[feature["properties"]["id"]] = value

    edit_geojson(layers_copy / "geodata" / "wind_zones.geojson", add)
    assert len(written) == len(bad)
    bundle = mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"))
    found = {p.feature: p for p in bundle.report.problems if p.field == "status_history"}
    assert sorted(found) == sorted(written)
    for rid, value in written.items():
        assert bad[value] in str(found[rid]), str(found[rid])
        assert found[rid].value == value


def test_the_live_map_colours_and_describes_a_record_by_its_status_in_the_year(history_bundle) -> None:
    """As of a year, the map payload (a filter change, no rebuild) carries, for the records
    whose status then was not today's, the colour, tooltip and popup text of that status:
    the status every other output takes (the selection's, as the snapshot draws it)."""
    from mapper.webmap import MapAssets, map_payload, popup_fields

    bundle, ids = history_bundle
    awarded = ids["awarded"]
    layer = bundle.catalogue["wind_zones"]
    index = int(bundle.layers["wind_zones"].index[bundle.layers["wind_zones"]["id"] == awarded][0])
    assets = MapAssets(bundle, "ja")
    refs = {name: name for name in ["countries", *bundle.layers]}

    def payload(year: int | None) -> dict:
        selection = select(bundle, FilterState(layers=("wind_zones",), as_of_year=year))
        out = map_payload(selection, assets, refs)
        [spec] = out["layers"]
        return spec, out["legend"], selection.frames["wind_zones"]

    spec, legend, frame = payload(2021)
    changes = {c["i"]: c for c in spec["asof"]}
    today = bundle.layers["wind_zones"]["status"]
    assert set(changes) == {i for i in frame.index if frame.loc[i, "status"] != today[i]}  # only those
    assert index in changes
    assert frame.loc[index, "status"] == "designated"
    change = changes[index]
    assert change["color"] == layer.style.color_for("designated") != layer.style.color_for("awarded")
    tip_fields = [f for f in layer.tooltip if f != layer.label_field]
    assert change["tip"] == {str(tip_fields.index("status")): "区域指定済み"}  # the value in the map's language
    pop_fields = [name for name, _, _ in popup_fields(layer)]
    assert change["pop"] == {str(pop_fields.index("status")): "区域指定済み"}
    assert "区域指定済み" in legend  # the legend of that year names the status it shows
    # every record's colour is the one the snapshot gives the status it draws (one rule)
    documents = assets.document("wind_zones")
    for i, record in frame.iterrows():
        shown = changes[i]["color"] if i in changes else None
        expected = layer.style.color_for(record["status"])
        if shown is None:
            shown = (
                documents["palette"][_color_code(documents, i)] if _color_code(documents, i) is not None else expected
            )
        assert shown == expected, record["id"]

    spec, legend, _frame = payload(2026)
    assert spec["asof"] == []  # today's status: the documents as they are
    spec, _legend, _frame = payload(None)
    assert "asof" not in spec


def _color_code(document: dict, i: int) -> int | None:
    """The palette code of record ``i`` in a layer document (None: not drawn, e.g. no site)."""
    if "points" in document:
        points = document["points"]
        return points["c"][points["i"].index(i)] if i in points["i"] else None
    return next((f["properties"]["c"] for f in document["features"] if f["properties"]["i"] == i), None)


def test_the_html_map_carries_the_changes_of_every_year_for_its_year_control(history_bundle) -> None:
    from mapper.webmap import MapAssets, map_payload, standalone_html

    bundle, ids = history_bundle
    frame = bundle.layers["wind_zones"]
    awarded = int(frame.index[frame["id"] == ids["awarded"]][0])
    cancelled = int(frame.index[frame["id"] == ids["cancelled"]][0])
    layer = bundle.catalogue["wind_zones"]
    selection = select(bundle, FilterState(layers=("wind_zones",)))
    refs = {name: name for name in ["countries", *bundle.layers]}
    [spec] = map_payload(selection, MapAssets(bundle), refs, years=(2015, 2026))["layers"]
    by_year = {int(y): {c["i"]: c["color"] for c in changes} for y, changes in spec["years"].items()}
    color = layer.style.color_for
    assert by_year[2020][awarded] == by_year[2021][awarded] == color("designated")
    assert by_year[2022][awarded] == by_year[2023][awarded] == color("auctioned")
    assert awarded not in by_year.get(2024, {})  # awarded since 2024: today's colour
    assert by_year[2019][cancelled] == color("proposed")
    assert by_year[2021][cancelled] == color("designated")
    assert "asof" not in spec
    html = standalone_html(select(bundle, FilterState(layers=("wind_zones",), as_of_year=2021)))
    assert '"years"' in html
    assert color("designated") in html
