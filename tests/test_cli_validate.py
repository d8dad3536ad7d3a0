"""The ``mapper`` command line: ``validate`` and ``layers``."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import mapper
from mapper.cli import main
from mapper.io import read_table


@pytest.fixture
def bundled_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make sure the CLI reads the bundled data, whatever the environment says."""
    monkeypatch.delenv("MAPPER_HOME", raising=False)


@pytest.fixture
def broken_home(layers_copy: Path, edit_geojson, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A copy whose interconnectors file has a bad voltage and a swapped coordinate."""
    path = layers_copy / "geodata" / "interconnectors.geojson"
    ids: list[str] = []

    def breakit(features: list[dict[str, Any]]) -> None:
        features[0]["properties"]["voltage_kv"] = 5000
        lon, lat = features[1]["geometry"]["coordinates"][0]
        features[1]["geometry"]["coordinates"][0] = [lat, lon + 90]
        ids.extend(f["properties"]["id"] for f in features[:2])

    edit_geojson(path, breakit)
    monkeypatch.setenv("MAPPER_HOME", str(layers_copy))
    return {"root": layers_copy, "path": path, "ids": ids}


def test_validate_bundled_data_succeeds(bundled_home: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "OK: 0 error(s)" in out
    for name in ("interconnectors.geojson", "jucep_activities.geojson", "wind_zones.geojson", "country_attributes.csv"):
        assert name in out


def test_validate_broken_copy_fails_naming_file_feature_and_field(
    broken_home: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    path, (first, second) = str(broken_home["path"]), broken_home["ids"]
    assert "FAILED: 2 error(s)" in out
    error_lines = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert len(error_lines) == 2
    voltage = next(line for line in error_lines if "'voltage_kv'" in line)
    assert path in voltage
    assert f"feature {first}" in voltage
    assert "5000" in voltage
    geometry = next(line for line in error_lines if "'geometry'" in line)
    assert path in geometry
    assert f"feature {second}" in geometry


def test_validate_given_broken_file_fails(broken_home: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(broken_home["path"])]) == 1
    out = capsys.readouterr().out
    assert str(broken_home["path"]) in out
    assert broken_home["ids"][0] in out
    assert "voltage_kv" in out


def test_validate_given_good_file_succeeds(
    bundled_home: None, catalogue: mapper.Catalogue, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(catalogue["jumpp"].source)]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_missing_file_fails(bundled_home: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "jumpp_activities.geojson"
    assert main(["validate", str(missing)]) == 1
    assert str(missing) in capsys.readouterr().out


def test_validate_as_layer_checks_a_renamed_file(
    bundled_home: None, catalogue: mapper.Catalogue, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renamed = tmp_path / "my_lines.geojson"
    shutil.copy(catalogue["interconnectors"].source, renamed)
    assert main(["validate", str(renamed)]) == 1  # cannot tell the layer from the name
    assert main(["validate", str(renamed), "--as-layer", "interconnectors"]) == 0
    assert main(["validate", str(renamed), "--as-layer", "jumpp"]) == 1  # wrong schema
    capsys.readouterr()


def test_validate_advice_names_a_flag_that_exists(
    bundled_home: None, catalogue: mapper.Catalogue, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renamed = tmp_path / "my_lines.geojson"
    shutil.copy(catalogue["interconnectors"].source, renamed)
    assert main(["validate", str(renamed)]) == 1
    out = capsys.readouterr().out
    flag = re.search(r"pass (--[\w-]+) ID", out)
    assert flag, out
    try:
        rc = main(["validate", str(renamed), flag.group(1), "interconnectors"])
    except SystemExit as exc:  # argparse rejects an unknown flag
        rc = exc.code
    assert rc == 0


def test_validate_strict_fails_on_warnings(
    layers_copy: Path, edit_geojson, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = layers_copy / "geodata" / "jumpp_activities.geojson"

    def misplace(features: list[dict[str, Any]]) -> None:
        features[0]["properties"].update(country="LAO", location_precision="city", location_name="Bangkok")
        features[0]["geometry"] = {"type": "Point", "coordinates": [100.5, 13.75]}

    edit_geojson(path, misplace)
    monkeypatch.setenv("MAPPER_HOME", str(layers_copy))
    assert main(["validate"]) == 0  # a warning alone does not fail
    out = capsys.readouterr().out
    assert "WARNING" in out
    assert "jumpp-001" in out
    assert main(["validate", "--strict"]) == 1
    assert main(["validate", "--strict", "--no-checks"]) == 0
    capsys.readouterr()


def test_broken_spec_exits_2_with_the_spec_error(
    layers_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = layers_copy / "layers" / "wind_zones.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace('id = "wind_zones"', 'id = "zones"'), encoding="utf-8")
    monkeypatch.setenv("MAPPER_HOME", str(layers_copy))
    assert main(["validate"]) == 2
    captured = capsys.readouterr()
    assert str(spec) in captured.err
    assert "zones" in captured.err


def test_layers_lists_every_layer_with_counts(
    bundled_home: None, bundle: mapper.Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["layers"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    for layer_id, frame in bundle.layers.items():
        row = next(line for line in lines if line.split() and line.split()[0] == layer_id)
        assert str(len(frame)) in row.split()
    n_attributes = len(read_table(bundle.catalogue.countries.attributes))
    assert 0 < n_attributes < len(bundle.countries)
    assert f"{len(bundle.countries)} polygons" in out
    assert f"{n_attributes} with attributes" in out


def test_layers_counts_follow_the_data(
    layers_copy: Path, edit_geojson, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = layers_copy / "geodata" / "jucep_activities.geojson"
    before = len(json.loads(path.read_text(encoding="utf-8"))["features"])
    edit_geojson(path, lambda features: features.pop())
    monkeypatch.setenv("MAPPER_HOME", str(layers_copy))
    assert main(["layers"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("jucep "))
    assert str(before - 1) in row.split()


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert "frobnicate" in capsys.readouterr().err


def test_validate_layer_name_picks_a_table_of_a_geopackage_export(
    bundled_home: None, bundle: mapper.Bundle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mapper.export import write_export
    from mapper.selection import select

    path = write_export(select(bundle, mapper.FilterState(layers=("jumpp",))), tmp_path / "export.gpkg")
    assert main(["validate", str(path), "--as-layer", "jumpp"]) == 1
    out = capsys.readouterr().out
    assert "several layers (jumpp, countries, about)" in out
    assert "--layer-name" in out
    assert main(["validate", str(path), "--as-layer", "jumpp", "--layer-name", "jumpp", "--strict"]) == 0


@pytest.mark.parametrize(
    ("flags", "valid"),
    [
        (["--country", "LAOS"], "LAO"),
        (["--status", "Operatin"], "operating"),
        (["--partnership", "JUMP"], "JUMPP"),
        (["--technology", "solarr"], "solar"),
        (["--layer", "jumpps"], "jumpp"),
    ],
)
def test_export_with_an_unknown_value_exits_2_listing_the_valid_ones(
    bundled_home: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], valid: str
) -> None:
    out = tmp_path / "x.geojson"
    assert main(["export", "-o", str(out), *flags]) == 2
    err = capsys.readouterr().err
    assert flags[1] in err
    assert valid in err
    assert "Traceback" not in err
    assert not out.exists()


def test_export_accepts_harmless_case_differences(
    bundled_home: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lower = tmp_path / "lower.geojson"
    upper = tmp_path / "upper.geojson"
    assert main(["export", "-o", str(lower), "--layer", "JUMPP", "--partnership", "jumpp", "--country", "lao"]) == 0
    assert main(["export", "-o", str(upper), "--layer", "jumpp", "--partnership", "JUMPP", "--country", "LAO"]) == 0
    records = json.loads(lower.read_text(encoding="utf-8"))["features"]
    assert records
    assert [f["id"] for f in records] == [f["id"] for f in json.loads(upper.read_text(encoding="utf-8"))["features"]]
    assert {f["properties"]["partnership"] for f in records} == {"JUMPP"}


def test_a_facet_that_leaves_some_layers_unfiltered_says_so(tmp_path, capsys) -> None:
    assert main(["export", "-o", str(tmp_path / "x.geojson"), "--partnership", "jumpp"]) == 0
    err = capsys.readouterr().err
    assert "the partnership filter does not apply to interconnectors, wind_zones" in err
    assert main(["export", "-o", str(tmp_path / "y.geojson"), "--partnership", "JUMPP", "--layer", "jumpp"]) == 0
    assert "does not apply" not in capsys.readouterr().err


def test_validate_in_japanese_names_the_same_file_feature_and_field(
    broken_home: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """``--lang ja``: the messages are Japanese; tags, files, ids, fields and values are not."""
    assert main(["validate", "--no-checks", "--lang", "ja"]) == 1
    out = capsys.readouterr().out
    path, (first, second) = str(broken_home["path"]), broken_home["ids"]
    assert "FAILED: エラー2件、警告0件" in out
    errors = [line for line in out.splitlines() if line.startswith("ERROR")]
    voltage = next(line for line in errors if "「voltage_kv」" in line)
    assert f"{path}、地物 {first}、項目「voltage_kv」：" in voltage
    assert "1100 以下にしてください（値：5000" in voltage
    swapped = next(line for line in errors if second in line)
    assert "経度 -180..180／緯度 -90..90 の範囲外の座標があります" in swapped
    assert not [line for line in errors if re.search(r"\b(must|has|is) ", line)]


def test_a_cli_error_follows_lang(bundled_home: None, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "x.geojson"
    assert main(["export", "-o", str(out), "--layer", "nope", "--lang", "ja"]) == 2
    err = capsys.readouterr().err
    assert "mapper: error: layer の値 'nope' は不明です。有効な値：interconnectors, " in err
    assert main(["export", "-o", str(out), "--layer", "nope"]) == 2
    assert "mapper: error: unknown layer value(s) 'nope'; valid values:" in capsys.readouterr().err
    assert not out.exists()


def test_cli_usage_errors_follow_lang(bundled_home: None, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    taken = tmp_path / "taken.geojson"
    taken.write_text("{}", encoding="utf-8")
    assert main(["export", "-o", str(taken), "--lang", "ja"]) == 2
    assert f"mapper: error: {taken} は既に存在します。別の名前にするか" in capsys.readouterr().err
    assert taken.read_text(encoding="utf-8") == "{}"  # nothing the user gave is overwritten
    assert main(["snapshot", "-o", str(tmp_path / "map.gif"), "--lang", "ja"]) == 2
    assert "map.gif：地図画像のファイル形式は .png、.svg、.pdf のいずれかです" in capsys.readouterr().err
    assert main(["export", "-o", str(tmp_path / "x.csv"), "--filter", "status", "--lang", "ja"]) == 2
    assert "--filter 'status'：「条件=値」の形で指定してください" in capsys.readouterr().err
    assert main(["export", "-o", str(taken)]) == 2
    assert "already exists; choose another name or pass --force" in capsys.readouterr().err


def test_progress_notes_and_rows_set_aside_follow_lang(
    bundled_home: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``--lang ja``: the progress lines, the "note:" lines, an --add file's summary, notes and
    rows set aside (stderr) and the "wrote" line (stdout) are Japanese; the ``mapper:`` prefix,
    file names, layer ids and values are not translated."""
    sites = tmp_path / "sites.csv"
    good = "".join(f"site {k},{102 + k / 10},{17 + k / 10}\n" for k in range(8))
    sites.write_text(f"name,lon,lat\n{good}B,103.0,x\n", encoding="utf-8")  # row 10 has no latitude
    out = tmp_path / "x.csv"
    args = ["export", "-o", str(out), "--partnership", "JUMPP", "--add", str(sites)]
    assert main([*args, "--lang", "ja"]) == 0
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert (
        f"mapper: {sites}：9 行中 8 行を地図に表示（地点に 8 行、国に 0 行）。1 行を除外 → レイヤー upload_1（lonlat）"
        in err
    )
    set_aside = f"mapper: {sites}：除外：10 行目、列 'lat'、値 'x'：緯度 'x' は数値ではありません。"
    assert set_aside + "十進の度で記入してください（例：102.6）" in err
    assert "mapper: データを読み込み、検証しています…" in err
    assert any(line.startswith("mapper: 注記：partnership の絞り込みは interconnectors, ") for line in err)
    assert any(line.startswith("mapper: csv を書き出しています（") for line in err)
    english = [line for line in err if re.search(r"\b(loading|writing|note|the|row|set aside|does not)\b", line)]
    assert english == []
    assert captured.out.startswith(f"{out} を書き出しました（")

    out.unlink()
    assert main(args) == 0  # English by default, word for word as before
    captured = capsys.readouterr()
    assert "mapper: loading and checking the data…" in captured.err
    assert (
        f"mapper: {sites}: set aside: row 10, column 'lat', value 'x': the latitude 'x' is not a number" in captured.err
    )
    assert "the partnership filter does not apply to interconnectors, wind_zones" in captured.err
    assert captured.out.startswith(f"wrote {out} (")


def test_the_freshness_report_header_follows_lang(bundled_home: None, capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate", "--today", "2026-12-03", "--lang", "ja"])
    out = capsys.readouterr().out
    assert "鮮度（2026-12-03 時点）：365 日以内に検証されていないレコードと、期日を過ぎた状況や目標" in out
    assert re.search(r"^鮮度：(指摘 \d+ 件|指摘なし)$", out, flags=re.MULTILINE)
    assert "freshness" not in out


def test_layers_in_japanese_keeps_ids_and_columns(bundled_home: None, bundle: mapper.Bundle, capsys) -> None:
    from mapper.i18n import translator

    assert main(["layers", "--lang", "ja"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "title", "geometry", "records", "as_of", "source"]
    for layer_id, layer in bundle.catalogue.items():
        row = next(line for line in lines if line.split() and line.split()[0] == layer_id)
        assert translator("ja").data(layer.title) in row
    assert lines[-1].startswith(f"国：ポリゴン {len(bundle.countries)} 件")
