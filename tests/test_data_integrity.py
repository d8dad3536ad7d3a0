"""Integrity checks over the WHOLE bundled data (geodata/), run in CI.

Every check is parametrised by record id (or iso3 for the country attributes, or file name),
so a failure names the record to fix. Real data problems are not hidden: a record that fails
a check is marked ``xfail(strict=True)`` with a ``DATA: <id>: <what is wrong>`` reason, so the
suite fails again as soon as the data is fixed (and the mark must then be removed).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import subprocess
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import shapely

import mapper
from mapper.geo import distance_km
from mapper.schema import is_missing, split_list

TODAY = dt.date.today()
MAX_YEAR = TODAY.year + 10  # no record may be dated more than 10 years ahead
MIN_SOURCE_YEAR = 1990

# Collection-time view of the raw files (cheap JSON/CSV reads): decides which records each
# check is parametrised over. The checks themselves use the session ``bundle`` fixture.
CATALOGUE = mapper.load_catalogue()
DATA_ROOT = CATALOGUE.root  # the checkout, or MAPPER_HOME when set
README = DATA_ROOT / "geodata" / "README.md"


def _raw_features(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


RAW: dict[str, list[dict[str, Any]]] = {
    layer_id: [f.get("properties") or {} for f in _raw_features(layer.source)] for layer_id, layer in CATALOGUE.items()
}
with CATALOGUE.countries.attributes.open(encoding="utf-8", newline="") as _fh:
    RAW_ATTRIBUTES: list[dict[str, str]] = list(csv.DictReader(_fh))

ACTIVITY_LAYERS = ("jucep", "jumpp")

# Id convention per layer; ``{iso3}`` is the record's country in lower case.
ID_PATTERNS = {
    "jucep": r"jucep-\d{3}",
    "jumpp": r"jumpp-\d{3}",
    "interconnectors": r"ic-\d{3}",
    "wind_zones": r"wz-{iso3}-\d{3}",
}
# Year each partnership started (JUMPP launched 2019, JUCEP announced April 2021).
PARTNERSHIP_START = {"JUMPP": 2019, "JUCEP": 2021}
LAYER_PARTNERSHIP = {"jucep": "JUCEP", "jumpp": "JUMPP"}

# Country codes records may name without having a row in country_attributes.csv.
ISO3_WITHOUT_ATTRIBUTES = {
    # jucep-003: U.S.-Japan SMR cooperation with Ghana (a "related" JUCEP activity); Ghana is
    # outside the Indo-Pacific, so it has neither a polygon nor attributes, by design.
    "GHA",
}
# ASEAN members. Timor-Leste was admitted as the 11th member on 2025-10-26 (the data's
# membership_source_url cites it; geodata/README.md section 6 and notes/country_attributes.md).
ASEAN = {"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "TLS"}
# JUMPP partner countries, plus the co-leads Japan and the US, which the data records as
# member_jumpp = true (README section 3: "member_jumpp includes the co-leads").
JUMPP_PARTNERS = {"KHM", "LAO", "MMR", "THA", "VNM"}
JUMPP_CO_LEADS = {"JPN", "USA"}

INTERCONNECTOR_END_TOLERANCE_KM = 15.0
LENGTH_RATIO_RANGE = (0.4, 1.6)  # geodesic straight length / published route length
MAX_LAND_SHARE_PCT = 10.0
OFFICIAL_AREA_TOLERANCE = 0.15
CAPACITY_RANGE = {"wind_zones": (1, 20000), "interconnectors": (1, 5000)}
VOLTAGE_RANGE = (22, 1100)

_URL_RE = re.compile(r"^https?://[^\s<>\"']+$")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


# --------------------------------------------------------------------------- helpers


def _xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(reason=f"DATA: {reason}", strict=True)


# Known data problems: check name -> record id -> reason. Each is a strict xfail.
KNOWN_DATA_PROBLEMS: dict[str, dict[str, str]] = {
    "line_length": {
        "ic-012": "ic-012: straight-line length 96.4 km between the Wenshan and Ha Giang city points is 0.32x "
        "the published 300 km (below 0.4): the end points or the published length are wrong",
    },
    "net_zero_year": {
        "VUT": "VUT: net_zero_status = policy but net_zero_year is empty (the notes say the NDC calls "
        "Vanuatu already carbon-negative, so no target year is recorded)",
    },
}


def _params(check: str, ids: list[str], empty_reason: str | None = None) -> list[Any]:
    """``pytest.param`` per id, with the strict DATA xfail of ``check`` where one is known."""
    known = KNOWN_DATA_PROBLEMS.get(check, {})
    unused = set(known) - set(ids)
    assert not unused, f"KNOWN_DATA_PROBLEMS[{check!r}] names ids that are not checked: {sorted(unused)}"
    params = [pytest.param(i, id=i, marks=[_xfail(known[i])] if i in known else []) for i in ids]
    if not params and empty_reason:
        params = [pytest.param(None, id="none", marks=pytest.mark.skip(reason=empty_reason))]
    return params


def _ids(layer_ids: tuple[str, ...] | list[str], where: Any = None) -> list[tuple[str, str]]:
    out = []
    for layer_id in layer_ids:
        for props in RAW[layer_id]:
            if where is None or where(props):
                out.append((layer_id, str(props.get("id"))))
    return out


def _record_params(check: str, pairs: list[tuple[str, str]], empty_reason: str | None = None) -> list[Any]:
    known = KNOWN_DATA_PROBLEMS.get(check, {})
    unused = set(known) - {rid for _, rid in pairs}
    assert not unused, f"KNOWN_DATA_PROBLEMS[{check!r}] names ids that are not checked: {sorted(unused)}"
    params = [
        pytest.param(layer_id, rid, id=rid, marks=[_xfail(known[rid])] if rid in known else [])
        for layer_id, rid in pairs
    ]
    if not params and empty_reason:
        params = [pytest.param(None, None, id="none", marks=pytest.mark.skip(reason=empty_reason))]
    return params


ALL_RECORDS = _ids(list(CATALOGUE))
ATTRIBUTE_ISO3 = [row["iso3"] for row in RAW_ATTRIBUTES]


def _record(bundle: mapper.Bundle, layer_id: str, rid: str) -> dict[str, Any]:
    frame = bundle.layers[layer_id]
    rows = frame[frame["id"].astype(str) == rid]
    assert len(rows) == 1, (
        f"{rid}: expected exactly one record in the bundled layer {layer_id!r}, found {len(rows)} "
        "(a record with validation errors is left out of the bundle; see bundle.report)"
    )
    record = rows.iloc[0].to_dict()
    record["geometry"] = rows.geometry.iloc[0]
    return record


def _attributes(bundle: mapper.Bundle, iso3: str) -> dict[str, Any]:
    rows = bundle.countries[bundle.countries["iso3"] == iso3]
    if len(rows) == 1 and bool(rows["has_attributes"].iloc[0]):
        return rows.iloc[0].to_dict()
    # No polygon (or dropped): fall back to the raw table row so the check still runs.
    raw = next((r for r in RAW_ATTRIBUTES if r["iso3"] == iso3), None)
    assert raw is not None, f"{iso3}: no row in {CATALOGUE.countries.attributes.name}"
    return {k: (None if v == "" else v) for k, v in raw.items()}


def _country_shape(bundle: mapper.Bundle, iso3: str) -> shapely.Geometry:
    rows = bundle.countries[bundle.countries["iso3"] == iso3]
    assert len(rows) == 1, f"no country polygon for {iso3!r} in {CATALOGUE.countries.polygons.name}"
    return rows.geometry.iloc[0]


def _parse_date(value: Any) -> tuple[dt.date, dt.date]:
    """Earliest and latest day a ``YYYY[-MM[-DD]]`` date can stand for."""
    if isinstance(value, dt.date):
        return value, value
    match = _DATE_RE.match(str(value).strip())
    assert match, f"{value!r} is not a date written YYYY-MM-DD, YYYY-MM or YYYY"
    year, month, day = match.groups()
    y = int(year)
    if month is None:
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    m = int(month)
    if day is None:
        return dt.date(y, m, 1), dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    d = dt.date(y, m, int(day))
    return d, d


def _check_date(value: Any, what: str) -> None:
    earliest, latest = _parse_date(value)
    assert earliest <= TODAY, f"{what} {value} is in the future (today is {TODAY})"
    assert latest.year >= MIN_SOURCE_YEAR, f"{what} {value} is before {MIN_SOURCE_YEAR}"


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(_URL_RE.match(value.strip()))


def _named_iso3(layer_id: str, record: dict[str, Any]) -> set[str]:
    codes: set[str] = set()
    for field in ("country", "country_a", "country_b"):
        if not is_missing(record.get(field)):
            codes.add(str(record[field]))
    codes.update(split_list(record.get("countries")))
    return codes


# --------------------------------------------------------------------------- 1. validation

FILES = sorted(
    {layer.source.name for layer in CATALOGUE.values()}
    | {CATALOGUE.countries.polygons.name, CATALOGUE.countries.attributes.name}
)


@pytest.fixture(scope="module")
def validation(catalogue: mapper.Catalogue) -> mapper.validate.ValidationReport:
    return mapper.validate.validate_catalogue(catalogue)


@pytest.mark.parametrize("name", FILES)
def test_file_validates_without_errors_or_warnings(
    name: str, validation: mapper.validate.ValidationReport, bundle: mapper.Bundle
) -> None:
    problems = [p for p in validation.problems + bundle.report.problems if Path(p.file).name == name]
    assert not problems, "\n".join(f"{p.severity.upper()}: {p}" for p in problems)


def test_reports_are_clean_overall(validation: mapper.validate.ValidationReport, bundle: mapper.Bundle) -> None:
    """Catch problems not tied to one bundled file (e.g. an unreadable path)."""
    assert not validation.problems, validation.format()
    assert not bundle.report.problems, bundle.report.format()
    for layer_id, features in RAW.items():
        assert len(bundle.layers[layer_id]) == len(features), f"{layer_id}: records were dropped from the bundle"


# --------------------------------------------------------------------------- 2. ids


def test_every_layer_has_an_id_convention() -> None:
    assert set(CATALOGUE) == set(ID_PATTERNS), "add the id convention of new layers to ID_PATTERNS"


@pytest.mark.parametrize(("layer_id", "rid"), _record_params("id", ALL_RECORDS))
def test_id_unique_and_follows_convention(layer_id: str, rid: str) -> None:
    counts = Counter(rid_ for _, rid_ in ALL_RECORDS)
    assert counts[rid] == 1, f"{rid} is used by {counts[rid]} records across the layers"
    props = next(p for p in RAW[layer_id] if str(p.get("id")) == rid)
    country = str(props.get("country") or "").lower()
    pattern = ID_PATTERNS[layer_id].replace("{iso3}", re.escape(country) if country else "[a-z]{3}")
    assert re.fullmatch(pattern, rid), f"{rid} does not follow the {layer_id} convention {pattern}"


def _git_head_ids() -> tuple[list[tuple[str, str]], str | None]:
    """(layer_id, id) of every record at HEAD, or a reason why git cannot tell."""
    git = shutil.which("git")
    if git is None:
        return [], "git is not installed"
    ok = subprocess.run(
        [git, "-C", str(DATA_ROOT), "rev-parse", "--verify", "--quiet", "HEAD"], capture_output=True, check=False
    )
    if ok.returncode != 0:
        return [], "not a git checkout with a HEAD commit"
    pairs: list[tuple[str, str]] = []
    for layer_id, layer in CATALOGUE.items():
        rel = layer.source.relative_to(DATA_ROOT).as_posix()
        shown = subprocess.run(  # "HEAD:./path" is relative to DATA_ROOT, wherever the repository root is
            [git, "-C", str(DATA_ROOT), "show", f"HEAD:./{rel}"], capture_output=True, text=True, check=False
        )
        if shown.returncode != 0:  # file new since HEAD: nothing can have disappeared
            continue
        for feature in json.loads(shown.stdout)["features"]:
            pairs.append((layer_id, str((feature.get("properties") or {}).get("id"))))
    return pairs, None


HEAD_IDS, NO_GIT_REASON = _git_head_ids()


@pytest.mark.parametrize(
    ("layer_id", "rid"),
    _record_params("head_ids", HEAD_IDS, empty_reason=f"cannot read the ids at HEAD: {NO_GIT_REASON or 'none'}"),
)
def test_id_at_head_still_present(layer_id: str, rid: str) -> None:
    """Ids are stable and never reused: no id committed at HEAD may disappear."""
    current = {str(p.get("id")) for p in RAW[layer_id]}
    assert rid in current, (
        f"{rid} is in HEAD:{CATALOGUE[layer_id].source.name} but no longer in the working file; "
        "ids must stay stable (mark a record cancelled instead of deleting or renumbering it)"
    )


# --------------------------------------------------------------------------- 3. provenance


@pytest.mark.parametrize(("layer_id", "rid"), _record_params("provenance", ALL_RECORDS))
def test_record_provenance(layer_id: str, rid: str, bundle: mapper.Bundle) -> None:
    record = _record(bundle, layer_id, rid)
    assert _is_url(record.get("source_url")), f"{rid}: source_url {record.get('source_url')!r} is not http(s)"
    assert not is_missing(record.get("source_publisher")), f"{rid}: source_publisher is empty"
    assert not is_missing(record.get("source_date")), f"{rid}: source_date is empty"
    _check_date(record["source_date"], f"{rid}: source_date")
    bad = [u for u in split_list(record.get("other_sources")) if not _is_url(u)]
    assert not bad, f"{rid}: other_sources holds non-http(s) entries {bad}"


ATTRIBUTE_SOURCE_GROUPS = ("ndc", "net_zero", "offshore_wind", "membership")


@pytest.mark.parametrize("iso3", _params("attribute_provenance", ATTRIBUTE_ISO3))
def test_country_attribute_provenance(iso3: str, bundle: mapper.Bundle) -> None:
    row = _attributes(bundle, iso3)
    for group in ATTRIBUTE_SOURCE_GROUPS:
        urls = split_list(row.get(f"{group}_source_url"))
        bad = [u for u in urls if not _is_url(u)]
        assert not bad, f"{iso3}: {group}_source_url holds non-http(s) entries {bad}"
        date = row.get(f"{group}_source_date")
        if urls:
            assert not is_missing(date), f"{iso3}: {group}_source_url is set but {group}_source_date is empty"
        if not is_missing(date):
            _check_date(date, f"{iso3}: {group}_source_date")


# --------------------------------------------------------------------------- 4. activity locations


@pytest.mark.parametrize(("layer_id", "rid"), _record_params("activity_location", _ids(ACTIVITY_LAYERS)))
def test_activity_location(layer_id: str, rid: str, bundle: mapper.Bundle) -> None:
    record = _record(bundle, layer_id, rid)
    geom = record["geometry"]
    precision = record["location_precision"]
    no_geometry = geom is None or geom.is_empty
    if precision == "country":
        assert no_geometry, f"{rid}: a country-level activity must have null geometry, not a made-up point"
        return
    assert not no_geometry, f"{rid}: null geometry needs location_precision = country (it is {precision!r})"
    tol = CATALOGUE[layer_id].location_tolerance_km
    d = distance_km(geom, _country_shape(bundle, record["country"]))
    assert d <= tol, f"{rid}: the {precision} point lies {d:.1f} km outside {record['country']} (tolerance {tol} km)"


# --------------------------------------------------------------------------- 5. interconnectors

LINE_IDS = _ids(("interconnectors",), lambda p: p.get("kind") == "line")
TRADE_IDS = _ids(("interconnectors",), lambda p: p.get("kind") == "trade_arrangement")
PUBLISHED_LENGTH_IDS = _ids(
    ("interconnectors",), lambda p: p.get("kind") == "line" and p.get("length_km_published") not in (None, "")
)


@pytest.mark.parametrize(("layer_id", "rid"), _record_params("line_ends", LINE_IDS))
def test_line_ends_in_named_countries(layer_id: str, rid: str, bundle: mapper.Bundle) -> None:
    record = _record(bundle, layer_id, rid)
    a, b = record["country_a"], record["country_b"]
    assert a != b, f"{rid}: a cross-border line needs two different countries (both are {a})"
    geom = record["geometry"]
    assert geom is not None, f"{rid}: a line needs a geometry"
    assert geom.geom_type == "LineString", f"{rid}: a line must be a LineString, not a {geom.geom_type}"
    coords = list(geom.coords)
    for label, code, xy in (("first", a, coords[0]), ("last", b, coords[-1])):
        d = distance_km(shapely.Point(xy), _country_shape(bundle, code))
        assert d <= INTERCONNECTOR_END_TOLERANCE_KM, (
            f"{rid}: the {label} vertex {xy} lies {d:.1f} km from {code} "
            f"(more than {INTERCONNECTOR_END_TOLERANCE_KM:g} km)"
        )
    assert record["length_km"] > 0, f"{rid}: length_km is {record['length_km']}"


@pytest.mark.parametrize(("layer_id", "rid"), _record_params("line_length", PUBLISHED_LENGTH_IDS))
def test_line_length_matches_published(layer_id: str, rid: str, bundle: mapper.Bundle) -> None:
    record = _record(bundle, layer_id, rid)
    ratio = record["length_km"] / record["length_km_published"]
    low, high = LENGTH_RATIO_RANGE
    assert low <= ratio <= high, (
        f"{rid}: geodesic length {record['length_km']} km is {ratio:.2f}x the published "
        f"{record['length_km_published']} km (expected {low}-{high}x)"
    )


@pytest.mark.parametrize(("layer_id", "rid"), _record_params("uses_lines", TRADE_IDS))
def test_trade_arrangement_uses_existing_lines(layer_id: str, rid: str, bundle: mapper.Bundle) -> None:
    record = _record(bundle, layer_id, rid)
    kinds = dict(zip(bundle.layers[layer_id]["id"], bundle.layers[layer_id]["kind"], strict=True))
    used = split_list(record.get("uses_lines"))
    assert used, f"{rid}: a trade arrangement must list the lines it uses in uses_lines"
    for line_id in used:
        assert line_id in kinds, f"{rid}: uses_lines names {line_id!r}, which is not in the layer"
        assert kinds[line_id] == "line", f"{rid}: uses_lines names {line_id!r}, a {kinds[line_id]}, not a line"


# --------------------------------------------------------------------------- 6. wind zones

ZONE_IDS = _ids(("wind_zones",))
OFFICIAL_AREA_IDS = _ids(
    ("wind_zones",),
    lambda p: p.get("geometry_precision") == "official_coordinates" and p.get("area_km2_published") not in (None, ""),
)


@pytest.mark.parametrize(("layer_id", "rid"), _record_params("zone_location", ZONE_IDS))
def test_wind_zone_at_sea_near_its_coast(layer_id: str, rid: str, bundle: mapper.Bundle) -> None:
    record = _record(bundle, layer_id, rid)
    assert record["area_km2"] > 0, f"{rid}: area_km2 is {record['area_km2']}"
    assert record["land_share_pct"] <= MAX_LAND_SHARE_PCT, f"{rid}: {record['land_share_pct']}% of the zone is on land"
    tol = CATALOGUE[layer_id].location_tolerance_km
    d = distance_km(record["geometry"], _country_shape(bundle, record["country"]))
    assert d <= tol, f"{rid}: the zone lies {d:.1f} km from {record['country']} (more than {tol:g} km)"


@pytest.mark.parametrize(
    ("layer_id", "rid"),
    _record_params(
        "zone_area",
        OFFICIAL_AREA_IDS,
        empty_reason="no wind zone has official_coordinates and area_km2_published (all outlines are indicative)",
    ),
)
def test_official_wind_zone_area_matches_published(layer_id: str, rid: str, bundle: mapper.Bundle) -> None:
    record = _record(bundle, layer_id, rid)
    published = record["area_km2_published"]
    deviation = abs(record["area_km2"] - published) / published
    assert deviation <= OFFICIAL_AREA_TOLERANCE, (
        f"{rid}: geodesic area {record['area_km2']} km² differs from the published {published} km² by {deviation:.0%}"
    )


# --------------------------------------------------------------------------- 7. plausible ranges


@pytest.mark.parametrize(("layer_id", "rid"), _record_params("ranges", ALL_RECORDS))
def test_plausible_ranges(layer_id: str, rid: str, bundle: mapper.Bundle) -> None:
    record = _record(bundle, layer_id, rid)
    schema = CATALOGUE[layer_id].schema
    for name in ("year", "year_end"):
        spec = schema.fields.get(name)
        value = record.get(name)
        if spec is None or is_missing(value):
            continue
        assert spec.min is None or value >= spec.min, f"{rid}: {name} {value} is below the schema minimum {spec.min}"
        assert spec.max is None or value <= spec.max, f"{rid}: {name} {value} is above the schema maximum {spec.max}"
        assert value <= MAX_YEAR, f"{rid}: {name} {value} is more than 10 years after today ({TODAY})"
    if not is_missing(record.get("year_end")) and not is_missing(record.get("year")):
        assert record["year_end"] >= record["year"], f"{rid}: year_end {record['year_end']} is before year"
    if layer_id in CAPACITY_RANGE and not is_missing(record.get("capacity_mw")):
        low, high = CAPACITY_RANGE[layer_id]
        assert low <= record["capacity_mw"] <= high, f"{rid}: capacity_mw {record['capacity_mw']} not in {low}-{high}"
    if not is_missing(record.get("voltage_kv")):
        low, high = VOLTAGE_RANGE
        assert low <= record["voltage_kv"] <= high, f"{rid}: voltage_kv {record['voltage_kv']} not in {low}-{high}"
    if layer_id in ACTIVITY_LAYERS:
        partnership = record["partnership"]
        assert partnership == LAYER_PARTNERSHIP[layer_id], f"{rid}: partnership {partnership} in the {layer_id} layer"
        start = PARTNERSHIP_START[partnership]
        if record["relation"] != "related":
            assert record["year"] >= start, f"{rid}: year {record['year']} is before {partnership} started ({start})"


# --------------------------------------------------------------------------- 8. country attributes


@pytest.mark.parametrize(("layer_id", "rid"), _record_params("named_countries", ALL_RECORDS))
def test_named_countries_have_attributes(layer_id: str, rid: str, bundle: mapper.Bundle) -> None:
    record = _record(bundle, layer_id, rid)
    missing = sorted(_named_iso3(layer_id, record) - set(ATTRIBUTE_ISO3) - ISO3_WITHOUT_ATTRIBUTES)
    assert not missing, f"{rid}: names {missing}, which have no row in country_attributes.csv and are not allow-listed"


def test_allow_listed_countries_are_still_needed() -> None:
    named = {c for layer_id, features in RAW.items() for p in features for c in _named_iso3(layer_id, p)}
    stale = sorted(ISO3_WITHOUT_ATTRIBUTES - (named - set(ATTRIBUTE_ISO3)))
    assert not stale, f"remove {stale} from ISO3_WITHOUT_ATTRIBUTES: no record needs the exception any more"


def test_membership_groups_are_all_present() -> None:
    missing = sorted((JUMPP_PARTNERS | JUMPP_CO_LEADS | ASEAN) - set(ATTRIBUTE_ISO3))
    assert not missing, f"ASEAN / JUMPP countries without attributes: {missing}"


@pytest.mark.parametrize("iso3", _params("membership", ATTRIBUTE_ISO3))
def test_membership_flags(iso3: str, bundle: mapper.Bundle) -> None:
    row = _attributes(bundle, iso3)
    assert _flag(row["member_asean"]) == (iso3 in ASEAN), f"{iso3}: member_asean is {row['member_asean']}"
    expected_jumpp = iso3 in JUMPP_PARTNERS | JUMPP_CO_LEADS
    assert _flag(row["member_jumpp"]) == expected_jumpp, f"{iso3}: member_jumpp is {row['member_jumpp']}"


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


@pytest.mark.parametrize("iso3", _params("net_zero_year", ATTRIBUTE_ISO3))
def test_net_zero_year_matches_status(iso3: str, bundle: mapper.Bundle) -> None:
    row = _attributes(bundle, iso3)
    status, year = str(row.get("net_zero_status")), row.get("net_zero_year")
    if status in ("law", "policy", "pledge"):
        assert not is_missing(year), f"{iso3}: net_zero_status = {status} but net_zero_year is empty"
    else:
        assert is_missing(year), f"{iso3}: net_zero_year {year} is set but net_zero_status = {status}"


NDC_VALUE_FIELDS = ("ndc_unconditional_pct", "ndc_conditional_pct", "ndc_target_year")


@pytest.mark.parametrize("iso3", _params("field_group_sources", ATTRIBUTE_ISO3))
def test_field_group_values_have_sources(iso3: str, bundle: mapper.Bundle) -> None:
    row = _attributes(bundle, iso3)
    set_ndc = [f for f in NDC_VALUE_FIELDS if not is_missing(row.get(f))]
    if set_ndc:
        assert not is_missing(row.get("ndc_source_url")), f"{iso3}: {set_ndc} set but ndc_source_url is empty"
    if not is_missing(row.get("net_zero_year")) or str(row.get("net_zero_status")) in ("law", "policy", "pledge"):
        assert not is_missing(row.get("net_zero_source_url")), f"{iso3}: net-zero target set but no net_zero_source_url"
    if not is_missing(row.get("offshore_wind_target_gw")):
        assert not is_missing(row.get("offshore_wind_source_url")), (
            f"{iso3}: offshore_wind_target_gw set but offshore_wind_source_url is empty"
        )
    assert split_list(row.get("membership_source_url")), f"{iso3}: membership flags have no membership_source_url"


# --------------------------------------------------------------------------- 9. as-of dates


@cache
def _readme_as_of() -> tuple[str | None, dict[str, str]]:
    """The README's overall as-of date and the as-of date of each file in its table."""
    text = README.read_text(encoding="utf-8")
    overall = re.search(r"as of\s+\**\s*(\d{4}-\d{2}-\d{2})", text, flags=re.IGNORECASE)
    per_file: dict[str, str] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = re.fullmatch(r"`([^`]+)`", cells[0]) if cells else None
        if name and re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells[-1]):
            per_file[name.group(1)] = cells[-1]
    return (overall.group(1) if overall else None), per_file


AS_OF_SPECS = [(layer_id, layer.source.name) for layer_id, layer in CATALOGUE.items()] + [
    ("countries", CATALOGUE.countries.polygons.name),
    ("countries", CATALOGUE.countries.attributes.name),
]


@pytest.mark.parametrize(("spec_id", "file_name"), [pytest.param(s, f, id=f) for s, f in AS_OF_SPECS])
def test_as_of_matches_readme(spec_id: str, file_name: str) -> None:
    overall, per_file = _readme_as_of()
    if overall is None and not per_file:
        pytest.skip("geodata/README.md states no as-of date")
    as_of = CATALOGUE.countries.as_of if spec_id == "countries" else CATALOGUE[spec_id].as_of
    if overall is not None:
        assert str(as_of) == overall, (
            f"{spec_id}: as_of {as_of} but geodata/README.md says all layers are as of {overall}"
        )
    if file_name in per_file:
        assert str(as_of) == per_file[file_name], (
            f"{spec_id}: as_of {as_of} but the README table gives {per_file[file_name]} for {file_name}"
        )


def _all_source_urls() -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for layer in CATALOGUE.values():
        for feature in json.loads(layer.source.read_text(encoding="utf-8"))["features"]:
            p = feature["properties"]
            urls = [p.get("source_url"), *split_list(p.get("other_sources"))]
            pairs += [(str(p.get("id")), u) for u in urls if u]
    for row in RAW_ATTRIBUTES:
        for key in ("ndc_source_url", "net_zero_source_url", "offshore_wind_source_url", "membership_source_url"):
            pairs += [(row["iso3"], u) for u in split_list(row.get(key))]
    return pairs


def test_geodata_readme_lists_every_source_url() -> None:
    readme = (DATA_ROOT / "geodata" / "README.md").read_text(encoding="utf-8")
    unlisted = sorted({f"{rid}: {url}" for rid, url in _all_source_urls() if url not in readme})
    assert not unlisted, "add these sources to geodata/README.md:\n" + "\n".join(unlisted)
