"""Filter facets are data: declared in layers/facets.toml (or a layer's own spec), they drive
the filter, the app's widgets, the URL keys and the CLI flags. No facet id is fixed in code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mapper
from mapper import FilterError, FilterState, SpecError
from mapper.cli import main
from mapper.facets import parse_facets
from mapper.query import facet_choices, from_query, with_defaults
from mapper.selection import select
from mapper.viewstate import Controls, ViewState, view_from_query

DEVELOPER = """
[facets.developer]
kind = "choice"
label = "Developer"
help = "The developer named by the source."
order = 45
"""


def _add_developer_facet(root: Path) -> None:
    """Declare a new facet and map the wind-zone layer's ``developer`` field to it."""
    facets = root / "layers" / "facets.toml"
    facets.write_text(facets.read_text(encoding="utf-8") + DEVELOPER, encoding="utf-8")
    spec = root / "layers" / "wind_zones.toml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("[filters]\n", '[filters]\ndeveloper = ["developer"]\n', 1), encoding="utf-8")


@pytest.fixture
def developer_bundle(layers_copy: Path) -> mapper.Bundle:
    _add_developer_facet(layers_copy)
    return mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"), cache=False)


def _some_developer(bundle: mapper.Bundle) -> str:
    values = facet_choices(bundle.layers, bundle.catalogue)["developer"]
    assert values, "the wind-zone data names no developer"
    return values[0]


def test_a_declared_facet_filters_its_layers_and_leaves_the_others(developer_bundle: mapper.Bundle) -> None:
    developer = _some_developer(developer_bundle)
    selection = select(developer_bundle, FilterState(developer=(developer,)))
    catalogue = developer_bundle.catalogue
    for lid, frame in selection.frames.items():
        if catalogue[lid].facet_fields("developer"):
            assert len(frame), lid
            assert frame["developer"].str.contains(developer, regex=False).all(), lid
        else:
            assert len(frame) == len(developer_bundle.layers[lid]), f"{lid} has no developer field"


def test_a_declared_facet_gets_a_widget_a_url_key_and_a_round_trip(developer_bundle: mapper.Bundle) -> None:
    controls = Controls.for_bundle(developer_bundle)
    assert "developer" in controls.facets
    developer = _some_developer(developer_bundle)
    values = {**controls.values(ViewState()), Controls.key("developer"): [developer]}
    view = controls.view(values, ViewState().view)
    assert view.filters.choice("developer") == (developer,)
    query = view.to_query()
    assert query["developer"] == developer
    assert view_from_query(query, developer_bundle) == (view, [])


def test_a_declared_facet_gets_a_cli_flag(layers_copy: Path, monkeypatch, tmp_path: Path) -> None:
    _add_developer_facet(layers_copy)
    monkeypatch.setenv("MAPPER_HOME", str(layers_copy))
    monkeypatch.setenv("MAPPER_NO_CACHE", "1")
    bundle = mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"), cache=False)
    developer = _some_developer(bundle)
    out = tmp_path / "dev.geojson"
    assert main(["export", "-o", str(out), "--layer", "wind_zones", "--developer", developer.lower()]) == 0
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert features
    assert all(developer in f["properties"]["developer"] for f in features)
    out2 = tmp_path / "dev2.geojson"
    assert main(["export", "-o", str(out2), "--layer", "wind_zones", "--filter", f"developer={developer}"]) == 0
    assert json.loads(out2.read_text(encoding="utf-8"))["features"] == features


@pytest.fixture
def defaulted_bundle(layers_copy: Path) -> tuple[mapper.Bundle, str]:
    """The developer facet, declared with one of the data's developers as its default."""
    _add_developer_facet(layers_copy)
    plain = mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"), cache=False)
    developer = _some_developer(plain)
    facets = layers_copy / "layers" / "facets.toml"
    text = facets.read_text(encoding="utf-8").replace(
        "order = 45\n", f"order = 45\ndefault = [{json.dumps(developer)}]\n"
    )
    facets.write_text(text, encoding="utf-8")
    return mapper.load_bundle(mapper.load_catalogue(layers_copy / "layers"), cache=False), developer


def test_a_facet_default_is_what_a_new_view_shows_and_links_say_when_it_is_changed(
    defaulted_bundle: tuple[mapper.Bundle, str],
) -> None:
    bundle, developer = defaulted_bundle
    fresh, notices = view_from_query({}, bundle)
    assert notices == []
    assert fresh.filters.choice("developer") == (developer,)
    assert "developer" not in fresh.to_query(), "a facet at its default stays out of links"
    controls = Controls.for_bundle(bundle)
    assert controls.default_filters().choice("developer") == (developer,)
    assert controls.view(controls.values(fresh), fresh.view) == fresh
    # the user clears the facet: every record, and the link says so explicitly
    cleared = controls.view({**controls.values(fresh), Controls.key("developer"): []}, fresh.view)
    assert cleared.filters.choice("developer") == ()
    assert cleared.to_query()["developer"] == "*"
    reopened, notices = view_from_query(cleared.to_query(), bundle)
    assert (reopened, notices) == (cleared, [])
    all_zones = select(bundle, reopened.filters).frames
    default_zones = select(bundle, fresh.filters).frames
    assert sum(map(len, all_zones.values())) > sum(map(len, default_zones.values()))


def test_a_facet_default_applies_to_the_cli_unless_star_is_given(
    defaulted_bundle: tuple[mapper.Bundle, str], layers_copy: Path, monkeypatch, tmp_path: Path
) -> None:
    bundle, developer = defaulted_bundle
    monkeypatch.setenv("MAPPER_HOME", str(layers_copy))
    monkeypatch.setenv("MAPPER_NO_CACHE", "1")
    counts = {}
    for name, flags in (("default", []), ("all", ["--developer", "*"])):
        out = tmp_path / f"{name}.geojson"
        assert main(["export", "-o", str(out), "--layer", "wind_zones", *flags]) == 0
        counts[name] = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert counts["default"]
    assert all(developer in f["properties"]["developer"] for f in counts["default"])
    assert len(counts["all"]) == len(bundle.layers["wind_zones"]) > len(counts["default"])


def test_a_layer_may_declare_its_own_facet(layers_copy: Path) -> None:
    spec = layers_copy / "layers" / "wind_zones.toml"
    text = spec.read_text(encoding="utf-8").replace("[filters]\n", '[filters]\ndeveloper = ["developer"]\n', 1)
    spec.write_text(text + DEVELOPER, encoding="utf-8")
    catalogue = mapper.load_catalogue(layers_copy / "layers")
    assert catalogue.facets["developer"].label == "Developer"
    assert list(catalogue.facets_of(["jumpp"])) == [
        fid for fid in catalogue.facets if catalogue["jumpp"].facet_fields(fid)
    ]


def test_every_bad_facet_declaration_is_listed_at_once() -> None:
    raw = {
        "Bad-Id": {"kind": "choice", "label": "x"},
        "nokind": {"label": "x"},
        "nolabel": {"kind": "range"},
        "odd": {"kind": "range", "label": "x", "aliases": ["a"]},
        "layers": {"kind": "choice", "label": "x"},
        "extra": {"kind": "text", "label": "x", "colour": "red"},
        "rangedefault": {"kind": "range", "label": "x", "default": ["1"]},
        "stardefault": {"kind": "choice", "label": "x", "default": ["*"]},
        "textdefault": {"kind": "choice", "label": "x", "default": "core"},
    }
    with pytest.raises(SpecError) as caught:
        parse_facets(raw, "facets.toml")
    text = str(caught.value)
    for offender in (
        "Bad-Id",
        "nokind",
        "nolabel",
        "odd",
        "layers",
        "colour",
        "rangedefault",
        "stardefault",
        "textdefault",
    ):
        assert offender in text, offender


def test_a_layer_filter_must_name_a_declared_facet_of_a_fitting_field(layers_copy: Path) -> None:
    spec = layers_copy / "layers" / "wind_zones.toml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("[filters]\n", '[filters]\ncolour = ["status"]\n', 1), encoding="utf-8")
    with pytest.raises(SpecError, match=r"filters\.colour is not a declared facet"):
        mapper.load_catalogue(layers_copy / "layers")
    spec.write_text(text.replace('year = ["year"]', 'year = ["name"]', 1), encoding="utf-8")
    with pytest.raises(SpecError, match=r"filters\.year names 'name' of type 'string'; a range facet"):
        mapper.load_catalogue(layers_copy / "layers")


def test_filtering_by_an_undeclared_facet_is_an_error_not_a_silent_no_op(bundle: mapper.Bundle) -> None:
    with pytest.raises(FilterError, match=r"unknown filter.*colour"):
        select(bundle, FilterState(colour=("red",)))


def test_old_links_keep_working_through_aliases(catalogue: mapper.Catalogue) -> None:
    old = {"countries": "lao", "partnerships": "JUMPP", "capacity_min": "100", "capacity_max": "900"}
    state, notices = from_query(old, catalogue)
    assert notices == []
    # facets the old link does not name start at their declared defaults (core activities)
    assert state == with_defaults(
        FilterState(country=("LAO",), partnership=("JUMPP",), capacity=(100.0, 900.0)), catalogue
    )
    assert state.to_query(catalogue.facet_defaults()) == {
        "country": "LAO",
        "partnership": "JUMPP",
        "capacity_from": "100",
        "capacity_to": "900",
    }


def test_no_facet_id_is_written_in_the_code() -> None:
    """Widgets, URL keys and flags come from the declarations: the library and pages name no facet
    except the documented country convention (COUNTRY_FACET) and the search facet's fallback."""
    root = Path(__file__).resolve().parents[1]
    ids = ("partnership", "status", "technology", "capacity")
    offenders = []
    for path in [*(root / "src" / "mapper").glob("*.py"), *(root / "app_pages").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for fid in ids:
            for needle in (f'"{fid}"', f"'{fid}'", f'"{fid}s"', f"f_{fid}"):
                if needle in text:
                    offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def test_every_facet_default_is_a_value_the_data_holds(bundle: mapper.Bundle) -> None:
    offered = facet_choices(bundle.layers, bundle.catalogue)
    offenders = [
        f"{fid}: {value!r}"
        for fid, values in bundle.catalogue.facet_defaults().items()
        for value in values
        if value not in offered.get(fid, [])
    ]
    assert not offenders, f"facet defaults no record holds (a new view would show nothing): {offenders}"
