"""The filter state: normalisation, filtering the bundled layers, URL round trips."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import pick_layer

import mapper
from mapper import FilterError, FilterState, apply_filter
from mapper.query import facet_bounds, facet_choices, filter_layer, from_query, with_defaults
from mapper.schema import split_list


def names_country(row: pd.Series, fields: tuple[str, ...], code: str) -> bool:
    return any(code in split_list(row.get(f)) for f in fields)


# --- FilterState ---------------------------------------------------------------------------


def test_state_normalises_strings_to_tuples_and_upper_cases_countries() -> None:
    state = FilterState(layers="a_layer", country=["lao", "Tha"], status="ongoing", search="  grid  ")
    assert state.layers == ("a_layer",)
    assert state.countries == ("LAO", "THA")  # upper-cased, order kept
    assert state.choice("status") == ("ongoing",)
    assert state.search == "grid"


def test_state_drops_duplicate_values() -> None:
    assert FilterState(layers=("a_layer", "a_layer"), status=["ongoing", "ongoing"]).layers == ("a_layer",)
    assert FilterState(status=["ongoing", "ongoing"]).choice("status") == ("ongoing",)


def test_countries_differing_only_in_case_are_one_country() -> None:
    assert FilterState(country=("lao", "LAO")) == FilterState(country=("LAO",))


def test_empty_state_means_everything() -> None:
    assert FilterState().is_empty
    assert not FilterState(country=("LAO",)).is_empty
    assert FilterState().describe() == "all records"
    assert FilterState().slug() == "all"


def test_reversed_year_range_is_a_filter_error() -> None:
    with pytest.raises(FilterError, match=r"2025\.\.2020"):
        FilterState(year=(2025, 2020))
    FilterState(year=(2020, 2020))  # a single year is fine


def test_reversed_capacity_range_is_a_filter_error() -> None:
    with pytest.raises(FilterError, match="capacity"):
        FilterState(capacity=(500, 100))


def test_with_changes_validates_again() -> None:
    state = FilterState(year=(2020, None))
    assert state.with_values(year=(None, 2022)).range("year") == (None, 2022)
    with pytest.raises(FilterError):
        state.with_values(year=(2020, 2019))


def test_describe_names_each_facet() -> None:
    text = FilterState(country=("LAO",), partnership=("JUMPP",), year=(2020, None), search="grid").describe()
    assert "country LAO" in text
    assert "partnership JUMPP" in text
    assert "2020" in text
    assert "grid" in text


@pytest.mark.parametrize(
    "state",
    [
        FilterState(layers=("a_layer",), country=("LAO",)),
        FilterState(search='grid / "Nam Theun" <2>: a\\b?*|'),
        FilterState(search="../../etc/passwd"),
        FilterState(search="é" * 200),
        FilterState(year=(2020, None), technology=("hydrogen_ammonia",), search="x y  z"),
    ],
)
def test_slug_is_file_name_safe(state: FilterState) -> None:
    slug = state.slug()
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,80}", slug)
    assert slug not in (".", "..")
    assert not slug.startswith(("-", "_"))


@pytest.mark.parametrize("search", [".", ".."])
def test_slug_is_never_a_directory_reference(search: str) -> None:
    assert FilterState(search=search).slug() not in (".", "..")


def test_slug_summarises_the_state() -> None:
    assert FilterState(layers=("a_layer",), country=("LAO",)).slug() == "a_layer_LAO"


# --- apply_filter on the bundled data -------------------------------------------------------


def test_country_filter_keeps_records_naming_the_country_in_any_field(bundle: mapper.Bundle, line_layer: str) -> None:
    catalogue = bundle.catalogue
    result = apply_filter(bundle.layers, catalogue, FilterState(country=("LAO",)))
    assert list(result) == list(catalogue)
    kept_any = 0
    for layer_id, frame in bundle.layers.items():
        fields = catalogue[layer_id].facet_fields("country")
        expected = {row["id"] for _, row in frame.iterrows() if names_country(row, fields, "LAO")}
        assert set(result[layer_id]["id"]) == expected, layer_id
        kept_any += len(expected)
    assert kept_any > 0
    # a record that names LAO only in a later country field (not its first, primary one) is kept
    assert any((result[lid][catalogue[lid].facet_fields("country")[0]] != "LAO").any() for lid in result)
    # lines with LAO at either end are kept
    first, second = catalogue[line_layer].facet_fields("country")[:2]
    lines = result[line_layer]
    assert (lines[first] == "LAO").any()
    assert len(lines) == len(bundle.layers[line_layer].query(f"{first} == 'LAO' or {second} == 'LAO'"))


def test_country_filter_is_case_insensitive_through_the_state(bundle: mapper.Bundle) -> None:
    upper = apply_filter(bundle.layers, bundle.catalogue, FilterState(country=("LAO",)))
    lower = apply_filter(bundle.layers, bundle.catalogue, FilterState(country=("lao",)))
    for layer_id in upper:
        assert upper[layer_id]["id"].tolist() == lower[layer_id]["id"].tolist()


def test_partnership_filter_leaves_layers_without_the_facet_alone(bundle: mapper.Bundle) -> None:
    catalogue = bundle.catalogue
    result = apply_filter(bundle.layers, catalogue, FilterState(partnership=("JUMPP",)))
    with_facet = [lid for lid in catalogue if catalogue[lid].facet_fields("partnership")]
    without = [lid for lid in catalogue if lid not in with_facet]
    assert with_facet
    assert without
    for lid in with_facet:  # kept: exactly the records of that partnership
        field = catalogue[lid].facet_fields("partnership")[0]
        assert result[lid]["id"].tolist() == bundle.layers[lid].query(f"{field} == 'JUMPP'")["id"].tolist()
    assert any(len(result[lid]) == 0 for lid in with_facet)  # a layer of the other partnership only
    assert any(len(result[lid]) == len(bundle.layers[lid]) > 0 for lid in with_facet)
    for lid in without:
        assert len(result[lid]) == len(bundle.layers[lid]), lid


def test_layer_selection_returns_only_those_layers(bundle: mapper.Bundle) -> None:
    first, *_, last = list(bundle.catalogue)
    result = apply_filter(bundle.layers, bundle.catalogue, FilterState(layers=(last, first)))
    assert list(result) == [first, last]  # catalogue order


def test_unknown_layer_is_a_filter_error_listing_the_layers(bundle: mapper.Bundle) -> None:
    with pytest.raises(FilterError) as info:
        apply_filter(bundle.layers, bundle.catalogue, FilterState(layers=("solar",)))
    assert "solar" in str(info.value)
    assert all(lid in str(info.value) for lid in bundle.catalogue)


def test_search_is_case_insensitive_and_every_word_must_match(bundle: mapper.Bundle) -> None:
    layer = bundle.catalogue["jucep"]
    frame = bundle.layers["jucep"]
    hits = filter_layer(frame, layer, FilterState(search="smr FEASIBILITY"))
    assert len(hits) > 0
    for _, row in hits.iterrows():
        text = " ".join(str(row[c]) for c in layer.facet_fields("search")).casefold()
        assert "smr" in text
        assert "feasibility" in text
    only_one = filter_layer(frame, layer, FilterState(search="smr ghana"))
    assert 0 < len(only_one) < len(hits)
    assert len(filter_layer(frame, layer, FilterState(search="smr zzzznotaword"))) == 0


def test_search_looks_only_in_the_layer_search_fields(bundle: mapper.Bundle) -> None:
    # 'announced' is a status value, not in any searched field
    lid = pick_layer(bundle, where=lambda layer, frame: (frame["status"] == "announced").any())
    frame = bundle.layers[lid]
    hits = filter_layer(frame, bundle.catalogue[lid], FilterState(search="xyzzy-announced"))
    assert len(hits) == 0


def test_year_range_keeps_records_inside_it(bundle: mapper.Bundle) -> None:
    state = FilterState(year=(2020, 2022))
    result = apply_filter(bundle.layers, bundle.catalogue, state)
    for layer_id, frame in result.items():
        assert frame["year"].between(2020, 2022).all(), layer_id
        original = bundle.layers[layer_id]
        assert len(frame) == int(original["year"].between(2020, 2022).fillna(False).sum())
    assert sum(len(f) for f in result.values()) > 0


def test_open_ended_year_range(bundle: mapper.Bundle) -> None:
    result = apply_filter(bundle.layers, bundle.catalogue, FilterState(year=(2023, None)))
    for lid, frame in bundle.layers.items():
        field = bundle.catalogue[lid].facet_fields("year")[0]
        assert result[lid]["id"].tolist() == frame[frame[field] >= 2023]["id"].tolist(), lid
    assert sum(len(f) for f in result.values()) > 0


def test_capacity_range_and_layers_without_capacity(bundle: mapper.Bundle) -> None:
    catalogue = bundle.catalogue
    result = apply_filter(bundle.layers, catalogue, FilterState(capacity=(500, 1500)))
    with_facet = [lid for lid in catalogue if catalogue[lid].facet_fields("capacity")]
    without = [lid for lid in catalogue if lid not in with_facet]
    assert with_facet
    assert without
    for layer_id in with_facet:
        field = catalogue[layer_id].facet_fields("capacity")[0]
        kept = result[layer_id]
        assert kept[field].between(500, 1500).all()
        original = bundle.layers[layer_id][field]
        assert len(kept) == int(original.between(500, 1500).fillna(False).sum())
    assert any(len(result[lid]) > 0 for lid in with_facet)
    # layers that declare no capacity facet: untouched
    for lid in without:
        assert len(result[lid]) == len(bundle.layers[lid]), lid


def test_facets_combine_with_and(bundle: mapper.Bundle, line_layer: str) -> None:
    state = FilterState(country=("LAO",), status=("under_construction",))
    lines = apply_filter(bundle.layers, bundle.catalogue, state)[line_layer]
    first, second = bundle.catalogue[line_layer].facet_fields("country")[:2]
    assert len(lines) > 0
    assert (lines["status"] == "under_construction").all()
    assert ((lines[first] == "LAO") | (lines[second] == "LAO")).all()


def test_facet_choices_and_year_bounds(bundle: mapper.Bundle) -> None:
    choices = facet_choices(bundle.layers, bundle.catalogue)
    assert choices["partnership"] == ["JUCEP", "JUMPP"]
    assert {"LAO", "THA", "JPN"} <= set(choices["country"])
    low, high = facet_bounds(bundle.layers, bundle.catalogue, "year")
    assert low <= 2019 <= high


# --- from_query / to_query -------------------------------------------------------------------


def test_from_query_reads_a_clean_query(catalogue: mapper.Catalogue) -> None:
    two = tuple(catalogue)[:2]
    state, notices = from_query(
        {"layers": ",".join(two), "countries": "lao,tha", "year_from": "2020", "capacity_max": "900"},
        catalogue,
    )
    assert notices == []
    # a facet the link does not name starts at its declared default (core JUCEP/JUMPP activities)
    assert state == with_defaults(
        FilterState(layers=two, country=("LAO", "THA"), year=(2020, None), capacity=(None, 900.0)), catalogue
    )


@pytest.mark.parametrize(
    ("params", "expected_state", "notice"),
    [
        ({"layers": "{layer},solar"}, FilterState(layers=("{layer}",)), "solar"),
        ({"year_from": "abc"}, FilterState(), "abc"),
        ({"year_to": "2020.5"}, FilterState(), "2020.5"),
        ({"year_from": "2025", "year_to": "2020"}, FilterState(year=(2020, 2025)), "swapped"),
        ({"capacity_min": "lots"}, FilterState(), "lots"),
        ({"capacity_min": "nan"}, FilterState(), "nan"),
        ({"capacity_max": "inf"}, FilterState(), "inf"),
        ({"capacity_min": "900", "capacity_max": "100"}, FilterState(capacity=(100, 900)), "swapped"),
        ({"countries": "LAO,ATLANTIS"}, FilterState(country=("LAO",)), "ATLANTIS"),
        ({"partnerships": "JUMPP,NATO"}, FilterState(partnership=("JUMPP",)), "NATO"),
    ],
)
def test_from_query_never_raises_and_explains_what_it_dropped(
    catalogue: mapper.Catalogue, params: dict[str, str], expected_state: FilterState, notice: str
) -> None:
    choices = {"country": ["LAO", "THA"], "partnership": ["JUCEP", "JUMPP"]}
    layer = next(iter(catalogue))  # "{layer}" stands for a layer of the catalogue
    params = {k: v.replace("{layer}", layer) for k, v in params.items()}
    expected_state = expected_state.with_values(
        layers=tuple(x.replace("{layer}", layer) for x in expected_state.layers)
    )
    state, notices = from_query(params, catalogue, choices)
    assert state == with_defaults(expected_state, catalogue)
    assert any(notice in n for n in notices), notices


def test_from_query_ignores_empty_and_unknown_parameters(catalogue: mapper.Catalogue) -> None:
    state, notices = from_query({"layers": "", "year_from": "", "colour": "red", "countries": " , "}, catalogue)
    assert state == with_defaults(FilterState(), catalogue)
    assert notices == []


def test_from_query_accepts_repeated_parameters(catalogue: mapper.Catalogue) -> None:
    state, _ = from_query({"countries": ["lao", "tha,vnm"]}, catalogue)
    assert state.countries == ("LAO", "THA", "VNM")


@pytest.mark.parametrize(
    "state",
    [
        FilterState(),
        FilterState(layers=("{first}", "{last}"), country=("LAO", "THA")),
        FilterState(partnership=("JUMPP",), status=("ongoing", "completed"), technology=("grid",)),
        FilterState(year=(2019, 2024), capacity=(0, 1500.5)),
        FilterState(search="nuclear study tour"),
    ],
)
def test_query_round_trip_gives_back_the_same_state(catalogue: mapper.Catalogue, state: FilterState) -> None:
    ids = {"{first}": next(iter(catalogue)), "{last}": list(catalogue)[-1]}
    state = state.with_values(layers=tuple(ids.get(x, x) for x in state.layers))
    query = state.to_query(catalogue.facet_defaults())
    assert all(isinstance(v, str) for v in query.values())
    again, notices = from_query(query, catalogue)
    assert notices == []
    assert again == state


def test_to_dict_leaves_out_unset_values() -> None:
    assert FilterState().to_dict() == {}
    assert FilterState(country=("LAO",), capacity=(0, None)).to_dict() == {"country": ["LAO"], "capacity": [0, None]}


def test_slug_and_description_include_capacity_and_year_zero() -> None:
    state = FilterState(capacity=(100, 500.5))
    assert "capacity100-500.5" in state.slug()
    assert FilterState(year=(0, 10)).describe() == "year 0–10"


def test_canonical_values_ignore_case_and_report_unknown_values() -> None:
    from mapper.query import canonical_values

    assert canonical_values(["jumpp", "JUMPP", " Jucep "], ["JUCEP", "JUMPP"]) == (("JUMPP", "JUCEP"), [])
    assert canonical_values(["LAOS"], ["LAO"]) == ((), ["LAOS"])


def test_normalise_state_canonicalises_or_lists_the_valid_values(bundle: mapper.Bundle) -> None:
    from mapper._errors import UnknownValueError
    from mapper.query import normalise_state

    choices = facet_choices(bundle.layers, bundle.catalogue)
    layer = next(iter(bundle.catalogue))
    state = normalise_state(
        FilterState(layers=(layer.upper(),), partnership=("jumpp",), status=("Ongoing",)), bundle.catalogue, choices
    )
    assert state.layers == (layer,)
    assert state.choice("partnership") == ("JUMPP",)
    assert state.choice("status") == ("ongoing",)
    with pytest.raises(UnknownValueError, match=r"'LAOS'.*LAO"):
        normalise_state(FilterState(country=("LAOS",)), bundle.catalogue, choices)


def test_from_query_is_case_insensitive_and_canonicalises(bundle: mapper.Bundle) -> None:
    choices = facet_choices(bundle.layers, bundle.catalogue)
    layer = next(iter(bundle.catalogue))
    state, notices = from_query(
        {"layers": layer.upper(), "partnerships": "jumpp", "statuses": "ONGOING", "countries": "lao"},
        bundle.catalogue,
        choices,
    )
    assert not notices
    assert state.layers == (layer,)
    assert state.choice("partnership") == ("JUMPP",)
    assert state.choice("status") == ("ongoing",)
    assert state.countries == ("LAO",)
