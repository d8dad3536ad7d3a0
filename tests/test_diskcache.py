"""The on-disk cache of the loaded bundle (``mapper._diskcache``), and the light imports of
the command line that make a cached run fast."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from geopandas.testing import assert_geodataframe_equal

import mapper
import mapper.data
from mapper import _diskcache


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own, with the cache turned on."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("MAPPER_CACHE_DIR", str(folder))
    monkeypatch.delenv("MAPPER_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every full (uncached) build of a bundle: one entry per build."""
    calls: list[str] = []
    build = mapper.data._build_bundle

    def counting(catalogue: mapper.Catalogue) -> mapper.Bundle:
        calls.append(str(catalogue.root))
        return build(catalogue)

    monkeypatch.setattr(mapper.data, "_build_bundle", counting)
    return calls


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("bundle-*.pkl")) if folder.is_dir() else []


def problems(bundle: mapper.Bundle) -> list[tuple[Any, ...]]:
    # repr(value): a NaN value is not equal to itself once unpickled
    return [(p.file, p.field, p.message, p.feature, repr(p.value), p.severity, p.row) for p in bundle.report.problems]


def assert_same_bundle(cached: mapper.Bundle, fresh: mapper.Bundle) -> None:
    assert list(cached.layers) == list(fresh.layers)
    for layer_id, frame in fresh.layers.items():
        assert_geodataframe_equal(cached.layers[layer_id], frame, check_less_precise=False)
        assert list(cached.layers[layer_id].geometry.to_wkb()) == list(frame.geometry.to_wkb())
    assert_geodataframe_equal(cached.countries, fresh.countries, check_less_precise=False)
    assert list(cached.countries.geometry.to_wkb()) == list(fresh.countries.geometry.to_wkb())
    assert problems(cached) == problems(fresh)
    assert cached.report.checked == fresh.report.checked


def swap_case_after(path: Path, marker: bytes) -> None:
    """Change one byte of ``path``: the case of the first letter after ``marker``."""
    data = bytearray(path.read_bytes())
    start = data.index(marker) + len(marker)
    at = next(i for i in range(start, len(data)) if chr(data[i]).isalpha())
    data[at : at + 1] = bytes([data[at]]).swapcase()
    path.write_bytes(bytes(data))


def test_cached_bundle_equals_a_fresh_one(cache_dir: Path, builds: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAPPER_HOME", raising=False)
    first = mapper.load_bundle()
    assert len(builds) == 1
    assert len(entries(cache_dir)) == 1
    cached = mapper.load_bundle()
    assert len(builds) == 1  # read from the cache, not rebuilt
    fresh = mapper.load_bundle(cache=False)
    assert len(builds) == 2
    assert_same_bundle(cached, fresh)
    assert_same_bundle(first, fresh)
    assert cached.report.ok


def test_cached_bundle_keeps_problems_and_the_given_catalogue(
    cache_dir: Path, builds: list[str], layers_copy: Path, edit_geojson: Callable
) -> None:
    def breakit(features: list[dict[str, Any]]) -> None:
        features[0]["properties"]["voltage_kv"] = 5000  # an error: the record is dropped
        features[1]["properties"]["year"] = 2015.5

    edit_geojson(layers_copy / "geodata" / "interconnectors.geojson", breakit)
    catalogue = mapper.load_catalogue(layers_copy / "layers")
    mapper.load_bundle(catalogue)
    cached = mapper.load_bundle(catalogue)
    assert len(builds) == 1
    assert cached.catalogue is catalogue
    assert not cached.cache  # derived artefacts are not cached on disk
    assert len(cached.report.errors) == 2
    assert_same_bundle(cached, mapper.load_bundle(catalogue, cache=False))


@pytest.mark.parametrize(
    ("relative", "marker"),
    [
        ("geodata/wind_zones.geojson", b'"name": "'),
        ("geodata/countries.geojson", b'"source":"'),  # metadata no frame shows
        ("geodata/country_attributes.csv", b"JPN,"),
        ("layers/wind_zones.toml", b'description = "'),
        ("layers/schemas/activity.toml", b'description = "'),
    ],
)
def test_changing_one_byte_of_an_input_rebuilds(
    cache_dir: Path, builds: list[str], layers_copy: Path, relative: str, marker: bytes
) -> None:
    layers = layers_copy / "layers"
    mapper.load_bundle(mapper.load_catalogue(layers))
    mapper.load_bundle(mapper.load_catalogue(layers))
    assert len(builds) == 1

    swap_case_after(layers_copy / relative, marker)
    rebuilt = mapper.load_bundle(mapper.load_catalogue(layers))
    assert len(builds) == 2
    assert len(entries(cache_dir)) == 2  # one entry per version of the inputs
    again = mapper.load_bundle(mapper.load_catalogue(layers))
    assert len(builds) == 2  # and the new version is cached in turn
    fresh = mapper.load_bundle(mapper.load_catalogue(layers), cache=False)
    assert_same_bundle(rebuilt, fresh)
    assert_same_bundle(again, fresh)


def test_a_copy_of_the_data_elsewhere_is_its_own_entry(cache_dir: Path, builds: list[str], layers_copy: Path) -> None:
    # same bytes, other paths: the report names the copy's files, so it is not shared
    bundle = mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"))
    other = layers_copy / "other"
    other.mkdir()
    for name in ("layers", "geodata"):
        (layers_copy / name).rename(other / name)
    moved = mapper.load_bundle(mapper.load_catalogue(other / "layers"))
    assert len(builds) == 2
    assert set(moved.report.checked) != set(bundle.report.checked)
    assert all(str(other) in name for name in moved.report.checked)


def test_a_catalogue_changed_in_code_is_not_served_from_the_cache(
    cache_dir: Path, builds: list[str], layers_copy: Path
) -> None:
    import dataclasses

    catalogue = mapper.load_catalogue(layers_copy / "layers")
    mapper.load_bundle(catalogue)
    layer = catalogue["wind_zones"]
    catalogue._layers["wind_zones"] = dataclasses.replace(layer, location_tolerance_km=0.0)
    strict = mapper.load_bundle(catalogue)
    assert len(builds) == 2
    assert_same_bundle(strict, mapper.load_bundle(catalogue, cache=False))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.write_bytes(b"this is not a pickle"), id="garbage"),
        pytest.param(lambda path: path.write_bytes(path.read_bytes()[:1000]), id="truncated"),
        pytest.param(lambda path: path.write_bytes(b""), id="empty"),
        pytest.param(
            lambda path: path.write_bytes(pickle.dumps({"format": _diskcache.FORMAT_VERSION, "key": "x", "value": 1})),
            id="other-key",
        ),
        pytest.param(
            lambda path: path.write_bytes(
                pickle.dumps({"format": _diskcache.FORMAT_VERSION, "key": path.stem[len("bundle-") :], "value": [1]})
            ),
            id="not-a-bundle",
        ),
    ],
)
def test_a_corrupt_cache_file_is_ignored_and_rebuilt(
    cache_dir: Path,
    builds: list[str],
    layers_copy: Path,
    damage: Callable[[Path], Any],
    capfd: pytest.CaptureFixture[str],
) -> None:
    catalogue = mapper.load_catalogue(layers_copy / "layers")
    mapper.load_bundle(catalogue)
    [entry] = entries(cache_dir)
    damage(entry)
    rebuilt = mapper.load_bundle(catalogue)
    assert len(builds) == 2
    assert_same_bundle(rebuilt, mapper.load_bundle(catalogue, cache=False))
    assert entries(cache_dir) == [entry]  # written again, whole
    mapper.load_bundle(catalogue)
    assert len(builds) == 3  # the cache=False load above, and no more
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("value", ["1", "yes", "true"])
def test_mapper_no_cache_disables_the_cache(
    cache_dir: Path, builds: list[str], layers_copy: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("MAPPER_NO_CACHE", value)
    catalogue = mapper.load_catalogue(layers_copy / "layers")
    mapper.load_bundle(catalogue)
    mapper.load_bundle(catalogue)
    assert len(builds) == 2
    assert not cache_dir.exists()


def test_cache_false_neither_reads_nor_writes(cache_dir: Path, builds: list[str], layers_copy: Path) -> None:
    catalogue = mapper.load_catalogue(layers_copy / "layers")
    mapper.load_bundle(catalogue, cache=False)
    assert not cache_dir.exists()
    mapper.load_bundle(catalogue)
    mapper.load_bundle(catalogue, cache=False)
    assert len(builds) == 3


def test_default_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MAPPER_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _diskcache.cache_dir() == tmp_path / "xdg" / "ip-clean-energy-mapper"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _diskcache.cache_dir() == tmp_path / "home" / ".cache" / "ip-clean-energy-mapper"
    monkeypatch.setenv("MAPPER_CACHE_DIR", str(tmp_path / "mine"))
    assert _diskcache.cache_dir() == tmp_path / "mine"


def test_an_unwritable_cache_folder_does_not_crash(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    builds: list[str],
    layers_copy: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("MAPPER_CACHE_DIR", str(blocker / "cache"))  # cannot be created, even by root
    monkeypatch.delenv("MAPPER_NO_CACHE", raising=False)
    catalogue = mapper.load_catalogue(layers_copy / "layers")
    bundle = mapper.load_bundle(catalogue)
    mapper.load_bundle(catalogue)
    assert len(builds) == 2
    assert_same_bundle(bundle, mapper.load_bundle(catalogue, cache=False))
    assert capfd.readouterr().err == ""


def test_a_read_only_cache_folder_does_not_crash(
    cache_dir: Path, builds: list[str], layers_copy: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    catalogue = mapper.load_catalogue(layers_copy / "layers")
    mapper.load_bundle(catalogue)  # an entry written while the folder was writable
    [entry] = entries(cache_dir)
    entry.write_bytes(b"corrupt")  # ... and then damaged: it can neither be removed nor replaced
    cache_dir.chmod(0o500)
    try:
        bundle = mapper.load_bundle(catalogue)
        other = mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"))
    finally:
        cache_dir.chmod(0o700)
    assert len(builds) >= 2  # root may still write the folder; anyone else rebuilds each time
    assert_same_bundle(bundle, other)
    assert not list(cache_dir.glob(".bundle-*.tmp"))  # no temporary file left behind
    assert capfd.readouterr().err == ""


def _modules_after(code: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"}
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_cli_imports_no_heavy_module() -> None:
    loaded = {name.split(".")[0] for name in _modules_after("import mapper.cli; mapper.cli.build_parser()")}
    assert not loaded & {"folium", "matplotlib", "streamlit", "mapclassify", "branca"}
    # nor the data stack: `mapper --help` and a typo answer at once
    assert not loaded & {"pandas", "geopandas", "shapely", "pyproj"}


def test_importing_the_package_is_light_and_its_names_still_work() -> None:
    loaded = {name.split(".")[0] for name in _modules_after("import mapper")}
    assert not loaded & {"pandas", "geopandas", "folium", "matplotlib", "streamlit"}
    loaded = _modules_after(
        "import mapper\n"
        "from mapper import Bundle, Catalogue, FilterState, Layer, apply_filter, load_bundle, load_catalogue\n"
        "from mapper import __version__, geo\n"
        "assert mapper.load_bundle is load_bundle and mapper.Bundle is Bundle\n"
        "assert mapper.FilterState is FilterState and mapper.apply_filter is apply_filter\n"
        "assert callable(mapper.geo.distance_km) and callable(mapper.enrich.enrich_layer)\n"
        "assert isinstance(__version__, str) and 'load_bundle' in dir(mapper)\n"
        "try:\n    mapper.no_such_name\nexcept AttributeError:\n    pass\nelse:\n    raise AssertionError\n"
    )
    assert {"mapper.data", "mapper.query", "mapper.catalogue"} <= loaded


def test_the_cli_choices_match_the_modules_that_define_them() -> None:
    from mapper import cli, export, snapshot, style, validate

    assert cli.MAX_VERIFIED_AGE_DAYS == validate.MAX_VERIFIED_AGE_DAYS
    assert list(cli.EXPORT_FORMATS) == list(export.FORMATS)
    assert list(cli.SNAPSHOT_PRESETS) == list(snapshot.PRESETS)
    assert list(cli.SNAPSHOT_PROJECTIONS) == list(snapshot.PROJECTIONS)
    assert list(cli.SNAPSHOT_REGIONS) == list(snapshot.REGIONS)
    assert list(cli.CHOROPLETH_SCHEMES) == list(style.SCHEMES)
