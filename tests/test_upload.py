"""Uploads: every format reads, detection picks the right columns, country names match,
rows with problems are set aside with row/column/value/hint and never dropped silently,
the bytes given are never changed, and an upload becomes a layer like any other."""

from __future__ import annotations

import hashlib
import io
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import mapper
from mapper.countrynames import ALIASES, _index, country_code, normalise
from mapper.query import FilterState
from mapper.selection import select
from mapper.upload import (
    Mapping,
    UploadError,
    UploadLimitError,
    apply_mapping,
    detect_mapping,
    read_upload,
    rejected_csv,
    upload_layer,
)

sys.path.insert(0, str(Path(__file__).parent))
from make_upload_fixtures import COUNTRY_VARIANTS, Fixture, write_fixtures


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory: pytest.TempPathFactory, bundle: mapper.Bundle) -> dict[str, Fixture]:
    """The upload fixtures (tests/make_upload_fixtures.py), written once per session."""
    return write_fixtures(tmp_path_factory.mktemp("uploads"), bundle)


def _read(fixture: Fixture, **kw: object) -> mapper.upload.UploadTable:
    return read_upload(fixture.path.name, fixture.path.read_bytes(), layer=fixture.layer, **kw)  # type: ignore[arg-type]


def test_every_fixture_reads_with_all_its_rows(fixtures: dict[str, Fixture]) -> None:
    offenders = []
    for key, fixture in fixtures.items():
        table = _read(fixture)
        if len(table.frame) != fixture.rows or len(table.rows) != fixture.rows:
            offenders.append(f"{key}: {len(table.frame)} rows read, {fixture.rows} in the file")
    assert not offenders, offenders


def test_detection_picks_the_expected_columns(fixtures: dict[str, Fixture]) -> None:
    offenders = []
    for key, fixture in fixtures.items():
        table = _read(fixture)
        mapping = detect_mapping(table)
        result = apply_mapping(table, mapping)
        for name, expected in fixture.expect.items():
            if name == "encoding":
                got = table.encoding
            elif name == "geometry":
                got = result.geometry
            else:
                got = getattr(mapping, name)
            if got != expected:
                offenders.append(f"{key}: {name} is {got!r}, expected {expected!r}")
    assert not offenders, offenders


def test_good_and_rejected_rows_add_up_to_the_rows_of_the_file(fixtures: dict[str, Fixture]) -> None:
    offenders = []
    for key, fixture in fixtures.items():
        table = _read(fixture)
        result = apply_mapping(table, detect_mapping(table))
        if len(result.frame) + result.rejected_count != fixture.rows:
            offenders.append(f"{key}: {len(result.frame)} good + {result.rejected_count} rejected != {fixture.rows}")
        if dict(zip(result.rejected["row"], result.rejected["column"], strict=True)) != fixture.rejected:
            offenders.append(
                f"{key}: rejected {result.rejected[['row', 'column']].values.tolist()}, expected {fixture.rejected}"
            )
    assert not offenders, offenders


def test_every_rejected_row_says_row_column_value_and_what_to_do(fixtures: dict[str, Fixture]) -> None:
    table = _read(fixtures["broken_csv"])
    rejected = apply_mapping(table, detect_mapping(table)).rejected
    by_row = {row: (column, value, problem) for row, column, value, problem in rejected.itertuples(index=False)}
    assert by_row[3] == ("lat", "abc", by_row[3][2])
    assert "not a number" in by_row[3][2]
    assert by_row[4][1] == "102.6331"
    assert "swapped" in by_row[4][2]
    assert by_row[5][1] == "95.2"
    assert "outside -90..90" in by_row[5][2]
    assert by_row[6][1] == "Atlantis"
    assert "alpha-3" in by_row[6][2]
    assert "name is empty" in by_row[7][2]
    assert "longitude is empty" in by_row[9][2]
    offenders = [p for p in rejected["problem"] if not any(w in p for w in ("check", "write", "fill", "give"))]
    assert not offenders, f"problems that do not say what to do: {offenders}"


def test_country_level_rows_have_no_geometry_and_their_country(fixtures: dict[str, Fixture]) -> None:
    table = _read(fixtures["broken_csv"])
    frame = apply_mapping(table, detect_mapping(table)).frame
    row = frame[frame["name"] == "Country level"].iloc[0]
    assert row["geometry"] is None
    assert row["country"] == "KHM"
    assert row["location_precision"] == "country"
    exact = frame[frame["name"] == "Good site"].iloc[0]
    assert exact["location_precision"] == "exact"
    assert exact["country"] == "LAO"


def test_rejected_csv_keeps_the_original_cells(fixtures: dict[str, Fixture]) -> None:
    table = _read(fixtures["broken_csv"])
    result = apply_mapping(table, detect_mapping(table))
    data = rejected_csv(result)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert back["row"].astype(int).tolist() == result.rejected_rows
    original = pd.read_csv(fixtures["broken_csv"].path, dtype=str, keep_default_na=False)
    for _, line in back.iterrows():
        source = original.iloc[int(line["row"]) - 2]
        assert [line[c] for c in original.columns] == source.tolist()
        assert line["problems"]


def test_upload_bytes_are_never_changed(fixtures: dict[str, Fixture]) -> None:
    offenders = []
    for key, fixture in fixtures.items():
        data = fixture.path.read_bytes()
        before = hashlib.sha256(data).hexdigest()
        table = _read(fixture)
        result = apply_mapping(table, detect_mapping(table))
        rejected_csv(result)
        if hashlib.sha256(data).hexdigest() != before or fixture.path.read_bytes() != data:
            offenders.append(key)
    assert not offenders


def test_every_country_variant_matches_its_code() -> None:
    offenders = {v: (country_code(v), code) for v, code in COUNTRY_VARIANTS.items() if country_code(v) != code}
    assert not offenders, offenders


def test_ambiguous_and_unknown_country_names_match_nothing() -> None:
    offenders = [v for v in ("Korea", "Congo", "Atlantis", "Mekong", "") if country_code(v) is not None]
    assert not offenders


def test_every_alias_is_a_spelling_the_kept_sources_lack() -> None:
    sources = _index(False)[0]
    offenders = [f"{iso}: {name}" for iso, names in ALIASES.items() for name in names if normalise(name) in sources]
    assert not offenders, f"already in pycountry/CLDR, remove from ALIASES: {offenders}"


def test_xlsx_lists_sheets_and_reads_the_one_picked(fixtures: dict[str, Fixture]) -> None:
    table = _read(fixtures["xlsx"])
    assert table.sheets == ("Sites", "Countries")
    assert table.sheet == "Sites"
    assert table.rows == (5, 6, 7)  # the sheet's own row numbers (title row, two header rows above)
    other = _read(fixtures["xlsx"], sheet="Countries")
    mapping = detect_mapping(other)
    assert (mapping.location, mapping.country, mapping.name) == ("country", "Country", "Programme")
    assert apply_mapping(other, mapping).frame["country"].tolist() == ["VNM", "LAO"]
    with pytest.raises(mapper.DataReadError, match="Sites, Countries"):
        _read(fixtures["xlsx"], sheet="Nope")


def test_geopackage_lists_layers_and_reads_the_one_picked(fixtures: dict[str, Fixture]) -> None:
    table = _read(fixtures["gpkg"])
    assert {"interconnectors", "jumpp", "wind_zones"} <= set(table.layers)
    with pytest.raises(mapper.DataReadError, match="interconnectors"):
        read_upload("x.gpkg", fixtures["gpkg"].path.read_bytes(), layer="nope")


def test_limits_give_a_clear_message(monkeypatch: pytest.MonkeyPatch, fixtures: dict[str, Fixture]) -> None:
    data = fixtures["countries_csv"].path.read_bytes()
    monkeypatch.setenv("MAPPER_UPLOAD_MAX_ROWS", "5")
    with pytest.raises(UploadLimitError, match="MAPPER_UPLOAD_MAX_ROWS"):
        read_upload("c.csv", data)
    monkeypatch.setenv("MAPPER_UPLOAD_MAX_MB", "0.0001")
    with pytest.raises(UploadLimitError, match="MAPPER_UPLOAD_MAX_MB"):
        read_upload("c.csv", data)


def test_unreadable_uploads_name_the_file_and_what_to_do() -> None:
    cases = {
        "notes.docx": (b"PK\x03\x04", "cannot read"),
        "sheet.xlsx": (b"not a zip", "Excel"),
        "shapes.zip": (_zip({"readme.txt": b"x"}), ".shp"),
        "empty.csv": (b"", "empty"),
        "header_only.csv": (b"name,lat,lon\n", "no rows"),
    }
    offenders = []
    for name, (data, words) in cases.items():
        try:
            read_upload(name, data)
            offenders.append(f"{name}: read")
        except mapper.DataReadError as exc:
            if name not in str(exc) or words not in str(exc) or "/tmp" in str(exc):
                offenders.append(f"{name}: {exc}")
    assert not offenders, offenders


def _zip(members: dict[str, bytes]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_table_without_location_says_what_is_needed() -> None:
    table = read_upload("plain.csv", b"name,notes\nA,x\n")
    with pytest.raises(UploadError, match="lon and lat"):
        detect_mapping(table)


def test_mapping_round_trips_through_json_and_refuses_unknown_columns(fixtures: dict[str, Fixture]) -> None:
    table = _read(fixtures["sjis_csv"])
    mapping = detect_mapping(table)
    assert Mapping.from_dict(json.loads(json.dumps(mapping.to_dict()))) == mapping
    with pytest.raises(UploadError, match="緯度"):
        apply_mapping(table, mapping.with_changes(category="nope"))
    with pytest.raises(UploadError, match="unknown mapping key"):
        Mapping.from_dict({"colour": "x"})


def test_uploaded_layer_joins_the_bundle_like_any_layer(fixtures: dict[str, Fixture], bundle: mapper.Bundle) -> None:
    table = _read(fixtures["sjis_csv"])
    mapping = detect_mapping(table).with_changes(attribution="Test team, JUMPP desk")
    layer, frame = upload_layer(apply_mapping(table, mapping), mapping, layer_id="my_sites")
    extended = bundle.with_layers([(layer, frame)])
    assert "my_sites" not in bundle.catalogue
    assert list(extended.catalogue)[-1] == "my_sites"
    selection = select(extended, FilterState(country=("LAO",)))
    assert selection.counts["my_sites"] == 1
    assert "Test team, JUMPP desk" in selection.attributions()
    by_year = select(extended, FilterState(layers=("my_sites",), year=(2023, None)))
    assert by_year.counts == {"my_sites": 2}
    found = select(extended, FilterState(layers=("my_sites",), search="ハノイ"))
    assert found.counts == {"my_sites": 1}
    assert extended.layers["my_sites"]["country_name"].tolist()[0] == "Laos" or "Lao" in str(
        extended.layers["my_sites"]["country_name"].tolist()[0]
    )
    by_type = select(extended, FilterState(layers=("my_sites",), my_sites_category=("太陽光",)))
    assert by_type.counts == {"my_sites": 2}
    by_capacity = select(extended, FilterState(layers=("my_sites",), my_sites_number=(20, None)))
    assert by_capacity.counts == {"my_sites": 2}
    with pytest.raises(mapper.SpecError, match="already in the catalogue"):
        extended.with_layers([(layer, frame)])


def test_cli_add_export_html_and_snapshot(
    fixtures: dict[str, Fixture], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mapper.cli import main

    sjis, xlsx, broken = fixtures["sjis_csv"].path, fixtures["xlsx"].path, fixtures["broken_csv"].path
    out = tmp_path / "out.geojson"
    args = ["--add", str(broken), "--add", f"{xlsx}::Countries", "--add-map", "attribution=Test desk"]
    assert main(["export", "-o", str(out), "--layer", "jumpp", *args]) == 0
    err = capsys.readouterr().err
    assert "row 4, column 'lat', value '102.6331'" in err
    assert "swapped" in err
    features = json.loads(out.read_text(encoding="utf-8"))
    layers = {f["properties"]["layer"] for f in features["features"]}
    assert layers == {"jumpp", "upload_1", "upload_2"}
    upload_2 = [f["properties"] for f in features["features"] if f["properties"]["layer"] == "upload_2"]
    assert {p["country"] for p in upload_2} == {"VNM", "LAO"}
    assert {p["source_publisher"] for p in upload_2} == {"Test desk"}
    assert "Test desk" in [m["attribution"] for m in features["metadata"]["layers"]]
    page = tmp_path / "map.html"
    assert main(["html", "-o", str(page), "--add", str(sjis)]) == 0
    assert "テスト地点 ビエンチャン" in _decoded_page(page.read_text(encoding="utf-8"))
    svg = tmp_path / "map.svg"
    assert main(["snapshot", "-o", str(svg), "--region", "mekong", "--add", str(sjis)]) == 0
    assert "テスト地点" in svg.read_text(encoding="utf-8")


def _decoded_page(page: str) -> str:
    import re

    found = re.findall(r'JSON\.parse\("((?:[^"\\]|\\.)*)"\)', page)
    return json.dumps([json.loads(json.loads(f'"{m}"')) for m in found], ensure_ascii=False)


def test_cli_bad_uploads_exit_2_with_a_clear_message(
    fixtures: dict[str, Fixture], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mapper.cli import main

    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1,2\n", encoding="utf-8")
    cases = {
        "missing file": (["--add", str(tmp_path / "nope.csv")], "nope.csv"),
        "no location": (["--add", str(plain)], "lon and lat"),
        "unknown column": (["--add", str(plain), "--add-map", "lon=Longitude", "--add-map", "lat=b"], "Longitude"),
        "unknown sheet": (["--add", f"{fixtures['xlsx'].path}::Nope"], "Sites, Countries"),
        "unknown key": (["--add", str(plain), "--add-map", "colour=a"], "colour"),
    }
    offenders = []
    for name, (args, words) in cases.items():
        code = main(["export", "-o", str(tmp_path / "x.geojson"), "--force", *args])
        err = capsys.readouterr().err
        if code != 2 or words not in err or "Traceback" in err:
            offenders.append(f"{name}: exit {code}: {err[-300:]}")
    assert not offenders, offenders
    # overrides make an undetectable table usable
    assert (
        main(["export", "-o", str(tmp_path / "y.csv"), "--add", str(plain), "--add-map", "lon=a", "--add-map", "lat=b"])
        == 0
    )


def test_a_shift_jis_shapefile_without_cpg_reads_as_japanese(fixtures: dict[str, Fixture]) -> None:
    table = _read(fixtures["shapefile_sjis"])
    assert table.frame["名称"].iloc[0] == "テスト送電線 1"
    assert any("cp932" in note for note in table.notes)
    assert not any("cp932" in note for note in _read(fixtures["shapefile"]).notes)  # its .cpg says UTF-8


def test_preview_shows_rows_with_their_numbers_and_changes_keep_the_rest(fixtures: dict[str, Fixture]) -> None:
    table = _read(fixtures["broken_csv"])
    preview = table.preview(3)
    assert preview["row"].tolist() == [2, 3, 4]
    assert list(preview.columns) == ["row", "name", "lat", "lon", "country"]
    gis = _read(fixtures["gpkg"]).preview(2)
    assert gis["geometry (WKT)"].str.startswith("MULTILINESTRING").all()
    mapping = detect_mapping(table)
    changed = mapping.with_changes(category="country", title="Mine")
    assert (changed.category, changed.title, changed.lat) == ("country", "Mine", mapping.lat)
    assert mapping.with_changes(category="").category is None


def _rejected_by_row(result: mapper.upload.UploadResult) -> dict[int, set[tuple[str, str | None]]]:
    out: dict[int, set[tuple[str, str | None]]] = {}
    for row, column, value, _ in result.rejected.itertuples(index=False):
        out.setdefault(int(row), set()).add((column, value))
    return out


def test_mixed_good_and_bad_cells_in_one_column_set_aside_exactly_the_bad_rows() -> None:
    """The checks run over whole columns: 2,000 rows where bad cells of every kind are
    scattered among good ones give exactly the bad rows, with their column and value."""
    lines = ["name,lon,lat,country"]
    expected: dict[int, set[tuple[str, str | None]]] = {}
    country_level: list[int] = []
    wide: list[int] = []
    for i in range(2000):
        row = i + 2  # the header is line 1
        name, lon, lat, country = f"Site {i}", f"{100 + (i % 7) / 10:.1f}", f"{15 + (i % 5) / 10:.1f}", "LAO"
        if i % 97 == 5:
            lat = "abc"
            expected.setdefault(row, set()).add(("lat", "abc"))
        elif i % 89 == 7:
            lon = "181.5"
            expected.setdefault(row, set()).add(("lon", "181.5"))
        elif i % 83 == 9:
            lon, lat = "", ""
            country = "Atlantis"  # no coordinates and no known country
            expected.setdefault(row, set()).add(("country", "Atlantis"))
        elif i % 79 == 11:
            lon, lat = "", ""  # no coordinates, a known country: a country-level record
            country_level.append(row)
        elif i % 73 == 13:
            lon = "１０２．５"  # full-width digits are read
            wide.append(row)
        elif i % 71 == 15:
            lat = " "
            expected.setdefault(row, set()).add(("lat", None))
        if i % 61 == 17:
            name = "  "
            expected.setdefault(row, set()).add(("name", None))  # blank: shown as empty
        lines.append(f'"{name}",{lon},{lat},{country}')
    table = read_upload("mixed.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    mapping = Mapping(location="lonlat", name="name", lon="lon", lat="lat", country="country")
    result = apply_mapping(table, mapping)
    got = _rejected_by_row(result)
    rows = sorted(set(got) | set(expected))
    offenders = [
        f"row {r}: {got.get(r)} set aside, expected {expected.get(r)}" for r in rows if got.get(r) != expected.get(r)
    ]
    assert not offenders, offenders
    assert len(result.frame) + result.rejected_count == 2000
    frame = result.frame.set_index("upload_row")
    good_country_level = [r for r in country_level if r not in expected]
    assert frame.index[frame["location_precision"] == "country"].tolist() == good_country_level
    good_wide = [r for r in wide if r not in expected]
    assert frame.loc[good_wide].geometry.x.round(1).tolist() == [102.5] * len(good_wide)


def test_mixed_wkt_and_country_cells_set_aside_exactly_the_bad_rows() -> None:
    data = (
        "name,wkt,country\n"
        "A,POINT (102.6 17.9),LAO\n"  # 2 good
        'B,"LINESTRING (0 0, 1 1)",LAO\n'  # 3 another kind of geometry
        "C,nonsense,Thailand\n"  # 4 not WKT
        "D,,Vietnam\n"  # 5 no WKT, a country: country-level
        "E,SRID=4326;POINT (100.5 13.7),THA\n"  # 6 good (the SRID prefix is dropped)
        "F,POINT (1 2),\n"  # 7 good, no country
        "G,,\n"  # 8 no location at all
        "H,POINT EMPTY,Atlantis\n"  # 9 empty geometry, unknown country
        "I,POINT (200 10),LAO\n"  # 10 outside the degrees
    )
    table = read_upload("wkt.csv", data.encode())
    mapping = Mapping(location="wkt", name="name", wkt="wkt", country="country")
    result = apply_mapping(table, mapping)
    expected = {
        3: {("wkt", "LineString")},
        4: {("wkt", "nonsense")},
        8: {("wkt", None)},
        9: {("country", "Atlantis")},
        10: {("wkt", "bounds (200.0, 10.0, 200.0, 10.0)")},
    }
    assert _rejected_by_row(result) == expected
    assert dict(zip(result.frame["upload_row"], result.frame["location_precision"], strict=True)) == {
        2: "exact",
        5: "country",
        6: "exact",
        7: "exact",
    }
    assert [c if isinstance(c, str) else None for c in result.frame["country"]] == ["LAO", "VNM", "THA", None]


def test_every_upload_gets_the_country_check_whatever_its_size(bundle: mapper.Bundle) -> None:
    """A point outside the country its row names is a warning naming the record, also in an
    upload far larger than a table checked by hand (the check runs over whole columns)."""
    lines = ["name,lat,lon,country"]
    wrong = set()
    for i in range(12_000):
        if i % 1000 == 3:
            lines.append(f"Site {i},21.0278,105.8342,THA")  # Hanoi, named Thailand
            wrong.add(f"big-r{i + 2}")
        else:
            lines.append(f"Site {i},17.9757,102.6331,LAO")  # Vientiane, in Laos
    table = read_upload("big.csv", ("\n".join(lines) + "\n").encode())
    mapping = detect_mapping(table)
    layer, frame = upload_layer(apply_mapping(table, mapping), mapping, layer_id="big")
    assert list(layer.checks) == ["in_named_countries"]
    extended = bundle.with_layers([(layer, frame)])
    flagged = {p.feature for p in extended.report.problems if p.file == str(layer.source)}
    assert flagged == wrong
    messages = [p.message for p in extended.report.problems if p.feature in wrong]
    offenders = [m for m in messages if "outside THA" not in m or "VNM" not in m]
    assert not offenders, offenders


def test_uploaded_records_name_their_file_upload_time_and_when_they_were_last_checked(
    fixtures: dict[str, Fixture], bundle: mapper.Bundle
) -> None:
    import datetime as dt

    from mapper.upload import VERIFIED_DEFAULT, VERIFIED_GIVEN
    from mapper.validate import freshness_report

    table = _read(fixtures["sjis_csv"])
    uploaded = dt.datetime(2026, 12, 3, 21, 40, 5, tzinfo=dt.UTC)
    mapping = detect_mapping(table)
    frame = apply_mapping(table, mapping, uploaded=uploaded).frame
    offenders = [
        f"{column}: {sorted(set(frame[column]))}"
        for column, expected in {
            "source_file": table.name,
            "uploaded_at": "2026-12-03 21:40:05 UTC",
            "source_date": "2026-12-03",
            "verified_on": "2026-12-03",  # none given: the upload date, labelled as such
            "verified_basis": VERIFIED_DEFAULT,
        }.items()
        if set(frame[column]) != {expected}
    ]
    assert not offenders, offenders
    given = apply_mapping(table, mapping.with_changes(verified_on="2025-06-30"), uploaded=uploaded).frame
    assert set(given["verified_on"]) == {"2025-06-30"}
    assert set(given["verified_basis"]) == {VERIFIED_GIVEN}
    for bad, words in (
        ("2026-12-04", "after the upload date"),
        ("30/06/2025", "YYYY-MM-DD"),
        ("2025-6-30", "YYYY-MM-DD"),
    ):
        with pytest.raises(UploadError, match=words):
            apply_mapping(table, mapping.with_changes(verified_on=bad), uploaded=uploaded)
    # the freshness rules apply: a year and more after the date given, every record is listed
    old = mapping.with_changes(verified_on="2025-06-30")
    layer, records = upload_layer(apply_mapping(table, old, uploaded=uploaded), old, layer_id="checked")
    extended = bundle.with_layers([(layer, records)])
    report = freshness_report(extended, today=dt.date(2026, 12, 3))
    stale = sorted(p.feature for p in report.problems if p.field == "verified_on" and p.feature.startswith("checked-"))
    assert stale == sorted(records["id"])


def test_the_data_as_of_date_stays_the_bundled_one_and_names_the_upload_date_apart(
    fixtures: dict[str, Fixture], bundle: mapper.Bundle
) -> None:
    import datetime as dt

    from mapper.i18n import translator
    from mapper.selection import dates_text

    before = select(bundle).as_of
    table = _read(fixtures["sjis_csv"])
    mapping = detect_mapping(table)
    uploaded = dt.datetime(2099, 1, 2, tzinfo=dt.UTC)  # later than any bundled date
    layer, frame = upload_layer(apply_mapping(table, mapping, uploaded=uploaded), mapping, layer_id="dated")
    selection = select(bundle.with_layers([(layer, frame)]))
    assert selection.as_of == before
    assert selection.uploads_as_of == "2099-01-02"
    tr = translator("en")
    assert dates_text(selection, tr) == f"{tr.date(before)} (your uploads: added {tr.date('2099-01-02')})"
    assert dates_text(select(bundle), tr) == tr.date(before)
    ja = translator("ja")
    assert dates_text(selection, ja) == f"{ja.date(before)}（アップロードしたデータ: {ja.date('2099-01-02')} 追加）"
