"""Integrity rules over the WHOLE bundled data (geodata/) that the schema validator does not check.

What lives where:

* ``mapper validate`` (run by ``make test``; tested in tests/test_io_validate.py,
  tests/test_schema.py and tests/test_cli_validate.py) checks each record against its layer's
  schema: required fields, types, allowed values, schema min/max, URL and date formats, id
  pattern and uniqueness within a file, geometry type/validity/coordinate range, and that only
  country-level activities may lack a geometry. Loading the bundle adds the location warnings
  of ``mapper.enrich.check_locations`` (points in their country, lines between theirs, zones
  near their coast and not on land); tests/test_enrich_geo.py asserts the bundle has none.
  None of that is repeated here.
* This module checks rules the validator cannot know, each cross-checked against something
  other than the code under test (the README, published figures, other records, hand-listed
  memberships, today's date, or an independent computation):

  ids unique across layers, ids follow their layer's convention, source dates in the past,
  attribute values have a source (with a date), country-level activities have no geometry,
  interconnector ends in the countries named (tolerance pinned here), computed vs published
  line lengths, every published figure a description states is in its checked field, trade
  arrangements use existing lines, wind zones at sea (land share computed
  independently from the country polygons), official zone areas vs published, dates
  consistent with each other, today and the status, activity partnership and start year,
  plausible capacities, named countries have attributes, membership flags vs the groups'
  member lists, net-zero year vs status, as-of dates vs the README, every source URL in
  geodata/README.md.

Each rule is one function ``_offenders_<rule>(frames...) -> list[str]`` returning one
``"<id>: field=value (why)"`` line per offending record, and one test that asserts the list is
empty, so a failure names every record to fix at once. Known data problems are not hidden:
they are listed, with the reason, in an allow-list per rule (``KNOWN_*``); the rule test
fails on any offender that is not listed AND on a listed id that no longer offends (remove
it from the allow-list once the data is fixed). Every rule is also fed a deliberately broken
copy of the data (the ``test_rule_*_catches_*`` tests), which proves it can fail.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import pytest

import geopandas as gpd
import shapely

import mapper
from mapper.geo import distance_km
from mapper.schema import is_missing, split_list

TODAY = dt.date.today()
MAX_YEARS_AHEAD = 10  # no record may be dated more than 10 years after today
MIN_SOURCE_YEAR = 1990
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

# ASEAN members. Timor-Leste was admitted as the 11th member on 2025-10-26 (the data's
# membership_source_url cites it; geodata/README.md section 6 and notes/country_attributes.md).
ASEAN = {"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "TLS"}
# JUMPP partner countries, plus the co-leads Japan and the US, which the data records as
# member_jumpp = true (README section 3: "member_jumpp includes the co-leads").
JUMPP_PARTNERS = {"KHM", "LAO", "MMR", "THA", "VNM"}
JUMPP_CO_LEADS = {"JPN", "USA"}

# Tolerances pinned here on purpose: widening a layer's location_tolerance_km in layers/*.toml
# (which the bundle's own location warnings use) does not widen these.
INTERCONNECTOR_END_TOLERANCE_KM = 15.0
WIND_ZONE_COAST_TOLERANCE_KM = 80.0  # Bandibuli (wz-kor-002) is published as 70 km off the Ulsan coast
MAX_LAND_SHARE_PCT = 10.0
# geodesic straight length / published route length: a straight line between the true ends
# cannot be longer than the route (5% allowed for rounded published figures); far shorter
# means an end point or the published length is wrong
LENGTH_RATIO_RANGE = (0.4, 1.05)
AREA_TOLERANCE = 0.15  # drawn area vs published area, any precision (outlines are sized from it)
OFFSHORE_DISTANCE_TOLERANCE_KM = 5.0  # inner edge vs published distance offshore (1:50m coastline)
# Plausible capacities, narrower than the schema's bounds (0-20000 and 0-50000 MW).
CAPACITY_RANGE = {"wind_zones": (1, 20000), "interconnectors": (1, 5000)}
# Statuses that describe something that has already happened: the record's year cannot be
# in the future. (A wind zone's year is the year of its current status.)
PAST_STATUSES = {
    "interconnectors": {"operating"},
    "jucep": {"completed"},
    "jumpp": {"completed"},
    "wind_zones": {"designated", "auctioned", "awarded", "operating", "cancelled"},
}
NET_ZERO_TARGET_STATUSES = ("law", "policy", "pledge")
# Attribute field groups: the value fields that need the group's <group>_source_url.
ATTRIBUTE_GROUP_VALUES = {
    "ndc": ("ndc_unconditional_pct", "ndc_conditional_pct", "ndc_target_year"),
    "ndc2035": ("ndc2035_unconditional_pct", "ndc2035_conditional_pct", "ndc2035_target_year"),
    "net_zero": ("net_zero_year",),
    "offshore_wind": ("offshore_wind_target_gw",),
    "membership": (),
}

# --------------------------------------------------------------------------- allow-lists
# Known exceptions, id -> reason. The rule test fails if a listed id no longer offends.

KNOWN_LINE_LENGTH: dict[str, str] = {
    "ic-012": "straight-line length 96.4 km between the Wenshan and Ha Giang city points is 0.32x "
    "the published 300 km (below 0.4): the end points or the published length are wrong",
    "ic-016": "straight line 191.9 km is longer than the published 177.5 km route: the Lao end is the Muang Xay "
    "(Oudomxay town) point, not the Nam Mo 3 substation in Namor district, for which no coordinate was found",
    "ic-017": "straight line about 118 km is far longer than the published 65 km route: the Lao end is the Attapeu "
    "province point (shared with ic-011's Xekaman 1), not the Monsoon substation in Dak Cheung, for which no "
    "coordinate was found",
}
# A description states a figure in km, km2 or ha that is not the record's own published
# length, area or distance offshore (so the published-figure field stays empty on purpose).
KNOWN_STATED_FIGURES: dict[str, str] = {
    "ic-004": "the 173 km is the Tha Li - Khon Kaen 4 line inside Thailand, beyond the record's Thai end; "
    "no length is published for Xayaburi - Tha Li",
    "ic-014": "the 2 km is the distance between the two end points across the Beilun (Ka Long) river, "
    "not a published route length",
    "wz-ind-002": "the 1,443 km2 is the area of all seven Gulf of Mannar zones; the record draws four "
    "sub-blocks whose own area is not published",
}
# Line ends drawn at the same point although they name different plants or substations.
KNOWN_SHARED_END_POINTS: dict[str, str] = {
    "ic-011": "Lao end at the Attapeu province point, shared with ic-017: the Xekaman 1 plant lies some tens of km "
    "east of it; no coordinate was found for the plant",
    "ic-017": "Lao end at the Attapeu province point, shared with ic-011: the Monsoon substation is in Dak Cheung "
    "(Sekong); no coordinate was found for it",
    "ic-005": "Cambodian end at the Stung Treng province point, shared with ic-015: the 230 kV line from Don Sahong "
    "and the 115 kV line from Ban Hat may end at different Stung Treng substations; neither has a coordinate",
    "ic-015": "Cambodian end at the Stung Treng province point, shared with ic-005 (see there)",
}
KNOWN_NET_ZERO: dict[str, str] = {
    "VUT": "net_zero_status = policy but net_zero_year is empty (the notes say the NDC calls Vanuatu "
    "already carbon-negative, so no target year is recorded)",
}
# Country codes records may name without having a row in country_attributes.csv.
KNOWN_ISO3_WITHOUT_ATTRIBUTES: dict[str, str] = {
    "GHA": "jucep-003: U.S.-Japan SMR cooperation with Ghana (a 'related' JUCEP activity); Ghana is "
    "outside the Indo-Pacific, so it has neither a polygon nor attributes, by design",
}


def _assert_no_offenders(offenders: list[str], known: Mapping[str, str] | None = None) -> None:
    """Fail on any offender whose id (the text before the first ':') is not in ``known``, and
    on any id in ``known`` that no longer offends (a stale allow-list entry)."""
    known = known or {}
    offending_ids = {line.split(":", 1)[0] for line in offenders}
    new = [line for line in offenders if line.split(":", 1)[0] not in known]
    stale = [f"{rid}: {reason}" for rid, reason in known.items() if rid not in offending_ids]
    message = []
    if new:
        message.append(f"{len(new)} offender(s):\n" + "\n".join(new))
    if stale:
        message.append("allow-listed but no longer offending (remove from the allow-list):\n" + "\n".join(stale))
    assert not message, "\n".join(message)


# --------------------------------------------------------------------------- helpers

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _date_span(value: Any) -> tuple[dt.date, dt.date] | None:
    """Earliest and latest day a ``YYYY[-MM[-DD]]`` date can stand for (None if unreadable:
    the date format itself is the validator's business)."""
    if isinstance(value, dt.date):
        return value, value
    match = _DATE_RE.match(str(value).strip())
    if not match:
        return None
    year, month, day = match.groups()
    y = int(year)
    if month is None:
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    m = int(month)
    if day is None:
        return dt.date(y, m, 1), dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    d = dt.date(y, m, int(day))
    return d, d


def _records(frame: pd.DataFrame) -> Iterable[dict[str, Any]]:
    """The records of ``frame`` as dicts; a GeoDataFrame's geometry under ``"geometry"``."""
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
    for n, record in enumerate(frame.to_dict("records")):
        if geoms is not None:
            record["geometry"] = geoms.iloc[n]
        yield record


def _present(value: Any) -> bool:
    return not is_missing(value)


def _flag(value: Any) -> bool:
    return _present(value) and str(value).strip().lower() in ("true", "1", "yes")


def _named_iso3(record: Mapping[str, Any]) -> set[str]:
    codes = {str(record[f]) for f in ("country", "country_a", "country_b") if _present(record.get(f))}
    return codes | set(split_list(record.get("countries")))


def _shapes(countries: pd.DataFrame) -> dict[str, Any]:
    return dict(zip(countries["iso3"], countries.geometry, strict=True))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def layers(bundle: mapper.Bundle) -> dict[str, Any]:
    """The bundled layers (validated and enriched), by layer id."""
    return dict(bundle.layers)


@pytest.fixture(scope="module")
def attributes(bundle: mapper.Bundle) -> pd.DataFrame:
    """The country attributes table (the countries that have a row in country_attributes.csv)."""
    frame = bundle.countries[bundle.countries["has_attributes"].astype(bool)]
    return pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)


@pytest.fixture(scope="module")
def shapes(bundle: mapper.Bundle) -> dict[str, Any]:
    """Country polygons by ISO3."""
    return _shapes(bundle.countries)


@pytest.fixture(scope="module")
def readme(catalogue: mapper.Catalogue) -> str:
    return (catalogue.root / "geodata" / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def as_of_by_file(catalogue: mapper.Catalogue) -> dict[str, str]:
    """The as-of date the catalogue gives each bundled file."""
    out = {layer.source.name: str(layer.as_of) for layer in catalogue.values()}
    out[catalogue.countries.polygons.name] = str(catalogue.countries.as_of)
    out[catalogue.countries.attributes.name] = str(catalogue.countries.as_of)
    return out


# --------------------------------------------------------------------------- rules: ids


def _offenders_ids_unique_across_layers(layers: Mapping[str, pd.DataFrame]) -> list[str]:
    """The schema checks uniqueness within one file; ids must also be unique across layers."""
    where: dict[str, list[str]] = {}
    for layer_id, frame in layers.items():
        for rid in frame["id"].astype(str):
            where.setdefault(rid, []).append(layer_id)
    return [
        f"{rid}: id={rid} (used {len(lay)} times, in {', '.join(lay)})" for rid, lay in where.items() if len(lay) > 1
    ]


def _offenders_id_convention(layers: Mapping[str, pd.DataFrame]) -> list[str]:
    offenders = [
        f"{layer_id}: layer (no id convention in ID_PATTERNS)" for layer_id in layers if layer_id not in ID_PATTERNS
    ]
    for layer_id, frame in layers.items():
        if layer_id not in ID_PATTERNS:
            continue
        for record in _records(frame):
            rid = str(record["id"])
            country = str(record.get("country") or "").lower()
            pattern = ID_PATTERNS[layer_id].replace("{iso3}", re.escape(country) if country else "[a-z]{3}")
            if not re.fullmatch(pattern, rid):
                offenders.append(f"{rid}: id={rid} (does not follow the {layer_id} convention {pattern})")
    return offenders


# --------------------------------------------------------------------------- rules: provenance


def _offenders_source_dates(
    layers: Mapping[str, pd.DataFrame], attributes: pd.DataFrame, today: dt.date = TODAY
) -> list[str]:
    """Every source date (records and attribute groups) is not in the future and not before 1990."""
    dated: list[tuple[str, str, Any]] = []
    for frame in layers.values():
        dated += [(str(r["id"]), "source_date", r.get("source_date")) for r in _records(frame)]
    for row in _records(attributes):
        dated += [(row["iso3"], f"{g}_source_date", row.get(f"{g}_source_date")) for g in ATTRIBUTE_GROUP_VALUES]
    offenders = []
    for rid, field, value in dated:
        span = _date_span(value) if _present(value) else None
        if span is None:
            continue
        earliest, latest = span
        if earliest > today:
            offenders.append(f"{rid}: {field}={value} (in the future; today is {today})")
        elif latest.year < MIN_SOURCE_YEAR:
            offenders.append(f"{rid}: {field}={value} (before {MIN_SOURCE_YEAR})")
    return offenders


def _offenders_attribute_sources(attributes: pd.DataFrame) -> list[str]:
    """A field group with values has a source URL, and a group with a source URL has its date."""
    offenders = []
    for row in _records(attributes):
        iso3 = row["iso3"]
        for group, fields in ATTRIBUTE_GROUP_VALUES.items():
            url = row.get(f"{group}_source_url")
            set_fields = [f for f in fields if _present(row.get(f))]
            if group == "net_zero" and str(row.get("net_zero_status")) in NET_ZERO_TARGET_STATUSES:
                set_fields.append(f"net_zero_status={row['net_zero_status']}")
            if set_fields and not split_list(url):
                offenders.append(f"{iso3}: {group}_source_url=<empty> ({', '.join(set_fields)} set without a source)")
            if split_list(url) and not _present(row.get(f"{group}_source_date")):
                offenders.append(f"{iso3}: {group}_source_date=<empty> ({group}_source_url is set)")
    return offenders


def _offenders_readme_lists_every_source_url(
    layers: Mapping[str, pd.DataFrame], attributes: pd.DataFrame, readme: str
) -> list[str]:
    pairs: list[tuple[str, str, str]] = []
    for frame in layers.values():
        for r in _records(frame):
            urls = ([r["source_url"]] if _present(r.get("source_url")) else []) + split_list(r.get("other_sources"))
            urls += split_list(r.get("published_figures_source"))
            pairs += [(str(r["id"]), "source_url", u) for u in urls]
    for row in _records(attributes):
        for group in ATTRIBUTE_GROUP_VALUES:
            pairs += [(row["iso3"], f"{group}_source_url", u) for u in split_list(row.get(f"{group}_source_url"))]
    return sorted(
        {f"{rid}: {field}={url} (not listed in geodata/README.md)" for rid, field, url in pairs if url not in readme}
    )


def _readme_as_of(readme: str) -> tuple[str | None, dict[str, str]]:
    """The README's overall as-of date and the as-of date of each file in its table."""
    overall = re.search(r"as of\s+\**\s*(\d{4}-\d{2}-\d{2})", readme, flags=re.IGNORECASE)
    per_file: dict[str, str] = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = re.fullmatch(r"`([^`]+)`", cells[0]) if cells else None
        if name and re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells[-1]):
            per_file[name.group(1)] = cells[-1]
    return (overall.group(1) if overall else None), per_file


def _offenders_as_of_vs_readme(as_of_by_file: Mapping[str, str], readme: str) -> list[str]:
    overall, per_file = _readme_as_of(readme)
    if overall is None and not per_file:
        return ["geodata/README.md: as_of=<none> (states no as-of date)"]
    offenders = []
    for name, as_of in as_of_by_file.items():
        if overall is not None and as_of != overall:
            offenders.append(f"{name}: as_of={as_of} (geodata/README.md says all layers are as of {overall})")
        if name in per_file and as_of != per_file[name]:
            offenders.append(f"{name}: as_of={as_of} (the README table gives {per_file[name]})")
    return offenders


# --------------------------------------------------------------------------- rules: geometry


def _offenders_country_level_without_geometry(layers: Mapping[str, pd.DataFrame]) -> list[str]:
    """A country-level activity has no site: null geometry, not a made-up point. (The validator
    only checks the converse: a null geometry needs location_precision = country.)"""
    offenders = []
    for layer_id in ACTIVITY_LAYERS:
        for r in _records(layers[layer_id]):
            geom = r["geometry"]
            if r.get("location_precision") == "country" and geom is not None and not geom.is_empty:
                offenders.append(
                    f"{r['id']}: geometry={geom.wkt[:60]} (location_precision = country needs null geometry)"
                )
    return offenders


def _offenders_line_ends_in_named_countries(lines: pd.DataFrame, shapes: Mapping[str, Any]) -> list[str]:
    """A line joins two different countries: one LineString from country_a to country_b, each end
    within INTERCONNECTOR_END_TOLERANCE_KM of its country."""
    offenders = []
    for r in _records(lines):
        if r.get("kind") != "line":
            continue
        rid, a, b, geom = r["id"], r["country_a"], r["country_b"], r["geometry"]
        if a == b:
            offenders.append(f"{rid}: country_b={b} (a cross-border line needs two different countries)")
        if geom is None or geom.geom_type != "LineString":
            offenders.append(f"{rid}: geometry={getattr(geom, 'geom_type', None)} (a line must be one LineString)")
            continue
        coords = list(geom.coords)
        for field, code, xy in (("country_a", a, coords[0]), ("country_b", b, coords[-1])):
            if code not in shapes:
                offenders.append(f"{rid}: {field}={code} (no country polygon to check the end against)")
                continue
            d = distance_km(shapely.Point(xy), shapes[code])
            if d > INTERCONNECTOR_END_TOLERANCE_KM:
                offenders.append(
                    f"{rid}: {field}={code} (the end {xy} lies {d:.1f} km from {code}, "
                    f"more than {INTERCONNECTOR_END_TOLERANCE_KM:g} km)"
                )
    return offenders


def _offenders_line_length_vs_published(lines: pd.DataFrame) -> list[str]:
    """The geodesic length of a line is within LENGTH_RATIO_RANGE of its published length."""
    low, high = LENGTH_RATIO_RANGE
    offenders = []
    for r in _records(lines):
        published = r.get("length_km_published")
        if r.get("kind") != "line" or not _present(published):
            continue
        ratio = r["length_km"] / published
        if not low <= ratio <= high:
            offenders.append(
                f"{r['id']}: length_km={r['length_km']} (is {ratio:.2f}x the published {published} km; "
                f"expected {low}-{high}x)"
            )
    return offenders


def _offenders_shared_end_points(lines: pd.DataFrame) -> list[str]:
    """Two lines may end at the same point only if they name the same end (one substation or
    plant); a town point standing for two different plants puts at least one of them wrong."""
    ends: dict[tuple[float, float], list[tuple[str, str, str]]] = {}
    for r in _records(lines):
        geom = r["geometry"]
        if r.get("kind") != "line" or geom is None or geom.geom_type != "LineString":
            continue
        coords = list(geom.coords)
        for field, xy in (("end_a", coords[0]), ("end_b", coords[-1])):
            key = (round(xy[0], 4), round(xy[1], 4))
            ends.setdefault(key, []).append((str(r["id"]), field, str(r.get(field) or "")))
    offenders = []
    for xy, users in ends.items():
        names = {name.split(",")[0].strip().casefold() for _, _, name in users}
        if len(users) > 1 and len(names) > 1:
            for rid, field, name in users:
                others = ", ".join(f"{o} {f}" for o, f, _ in users if o != rid)
                offenders.append(f"{rid}: {field}={name[:60]} (drawn at {xy}, the same point as {others})")
    return offenders


def _offenders_trade_arrangement_lines(lines: pd.DataFrame) -> list[str]:
    """A trade arrangement lists in uses_lines the line records it uses, and they exist."""
    kinds = dict(zip(lines["id"].astype(str), lines["kind"], strict=True))
    offenders = []
    for r in _records(lines):
        if r.get("kind") != "trade_arrangement":
            continue
        used = split_list(r.get("uses_lines"))
        if not used:
            offenders.append(f"{r['id']}: uses_lines=<empty> (a trade arrangement must list the lines it uses)")
        for line_id in used:
            if line_id not in kinds:
                offenders.append(f"{r['id']}: uses_lines={line_id} (no such record in the layer)")
            elif kinds[line_id] != "line":
                offenders.append(f"{r['id']}: uses_lines={line_id} (a {kinds[line_id]}, not a line)")
    return offenders


def _offenders_wind_zone_at_sea(zones: pd.DataFrame, shapes: Mapping[str, Any]) -> list[str]:
    """A zone lies at sea near its country: at most MAX_LAND_SHARE_PCT of it inside any country
    polygon (computed here with plain shapely, not with the bundle's land_share_pct) and within
    WIND_ZONE_COAST_TOLERANCE_KM of its country."""
    land = shapely.union_all(list(shapes.values()))
    offenders = []
    for r in _records(zones):
        rid, geom, code = r["id"], r["geometry"], r["country"]
        share = 100 * geom.intersection(land).area / geom.area if geom.area else 100.0
        if share > MAX_LAND_SHARE_PCT:
            offenders.append(f"{rid}: geometry ({share:.0f}% of the zone is on land; at most {MAX_LAND_SHARE_PCT:g}%)")
        if code not in shapes:
            offenders.append(f"{rid}: country={code} (no country polygon to check the zone against)")
            continue
        d = distance_km(geom, shapes[code])
        if d > WIND_ZONE_COAST_TOLERANCE_KM:
            offenders.append(
                f"{rid}: country={code} (the zone lies {d:.0f} km from {code}, "
                f"more than {WIND_ZONE_COAST_TOLERANCE_KM:g} km)"
            )
    return offenders


def _offenders_official_area_vs_published(zones: pd.DataFrame) -> list[str]:
    """A zone with a published area has (nearly) that area, whatever its precision: official
    outlines are the area, and indicative ones are sized from it (geodata/README.md)."""
    offenders = []
    for r in _records(zones):
        published = r.get("area_km2_published")
        if not _present(published):
            continue
        deviation = abs(r["area_km2"] - published) / published
        if deviation > AREA_TOLERANCE:
            offenders.append(
                f"{r['id']}: area_km2={r['area_km2']} (differs from the published {published} km² by {deviation:.0%}; "
                f"at most {AREA_TOLERANCE:.0%}; {r.get('geometry_precision')} outline)"
            )
    return offenders


def _offenders_distance_offshore_vs_published(zones: pd.DataFrame, shapes: Mapping[str, Any]) -> list[str]:
    """A zone with a published distance offshore has its inner edge that far from its country's
    coast (computed here from the country polygons), within OFFSHORE_DISTANCE_TOLERANCE_KM."""
    offenders = []
    for r in _records(zones):
        published = r.get("distance_offshore_km_published")
        if not _present(published) or r["country"] not in shapes:
            continue
        drawn = distance_km(r["geometry"], shapes[r["country"]])
        if abs(drawn - published) > OFFSHORE_DISTANCE_TOLERANCE_KM:
            offenders.append(
                f"{r['id']}: geometry (inner edge {drawn:.1f} km from the {r['country']} coast; published "
                f"{published:g} km, tolerance {OFFSHORE_DISTANCE_TOLERANCE_KM:g} km: move or redraw the outline)"
            )
    return offenders


# Figures a description states, by layer, and the published-figure field a geometry test reads
# (line length vs straight line, area vs drawn area, distance offshore vs inner edge).
_STATED_FIGURES: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "interconnectors": (("length_km_published", re.compile(r"\b\d[\d,.]*\s*km\b")),),
    "wind_zones": (
        ("area_km2_published", re.compile(r"\b\d[\d,.]*\s*(?:km2|km²|ha)\b")),
        (
            "distance_offshore_km_published",
            re.compile(r"\b\d[\d,.]*(?:\s*-\s*\d[\d,.]*)?\s*km\s+(?:off|offshore|from the|east|west|north|south)\b"),
        ),
    ),
}


def _offenders_stated_figure_without_field(layers: Mapping[str, pd.DataFrame]) -> list[str]:
    """A record whose description states a published length, area or distance offshore carries
    it in the field the geometry tests read, so that every stated figure is checked against the
    geometry (trade arrangements have no route of their own and are skipped)."""
    offenders = []
    for layer_id, checks in _STATED_FIGURES.items():
        for r in _records(layers[layer_id]):
            if r.get("kind") == "trade_arrangement":
                continue
            text = str(r.get("description") or "")
            for field, pattern in checks:
                stated = pattern.search(text)
                if stated and not _present(r.get(field)):
                    offenders.append(
                        f"{r['id']}: {field}=<empty> (the description states '{stated.group(0)}': record the "
                        f"published figure so the geometry is checked against it)"
                    )
    return offenders


# --------------------------------------------------------------------------- rules: values


def _offenders_dates_vs_status_and_today(layers: Mapping[str, pd.DataFrame], today: dt.date = TODAY) -> list[str]:
    """year_end is not before year; no year is more than MAX_YEARS_AHEAD after today; a record
    whose status has already happened (operating, completed, awarded, ...) is not dated in the future."""
    offenders = []
    for layer_id, frame in layers.items():
        for r in _records(frame):
            rid, year, year_end, status = r["id"], r.get("year"), r.get("year_end"), r.get("status")
            if _present(year) and _present(year_end) and year_end < year:
                offenders.append(f"{rid}: year_end={year_end} (before year {year})")
            for field, value in (("year", year), ("year_end", year_end)):
                if _present(value) and value > today.year + MAX_YEARS_AHEAD:
                    offenders.append(f"{rid}: {field}={value} (more than {MAX_YEARS_AHEAD} years after today, {today})")
                if _present(value) and status in PAST_STATUSES.get(layer_id, ()) and value > today.year:
                    offenders.append(
                        f"{rid}: {field}={value} (status {status} but dated after this year, {today.year})"
                    )
    return offenders


def _offenders_activity_partnership(layers: Mapping[str, pd.DataFrame]) -> list[str]:
    """An activity names its layer's partnership, and a core activity is not dated before the
    partnership started (a related one may be)."""
    offenders = []
    for layer_id in ACTIVITY_LAYERS:
        expected = LAYER_PARTNERSHIP[layer_id]
        for r in _records(layers[layer_id]):
            if r.get("partnership") != expected:
                offenders.append(
                    f"{r['id']}: partnership={r.get('partnership')} (the {layer_id} layer holds {expected})"
                )
            start = PARTNERSHIP_START[expected]
            if r.get("relation") != "related" and _present(r.get("year")) and r["year"] < start:
                offenders.append(f"{r['id']}: year={r['year']} (a core activity before {expected} started in {start})")
    return offenders


def _offenders_relation_basis(layers: Mapping[str, pd.DataFrame]) -> list[str]:
    """Every bundled activity says why it is core or related (``relation_basis``); a core one
    must name its partnership there, since core means its source places it under that banner."""
    offenders = []
    for layer_id in ACTIVITY_LAYERS:
        expected = LAYER_PARTNERSHIP[layer_id]
        for r in _records(layers[layer_id]):
            basis = r.get("relation_basis")
            if not _present(basis) or not str(basis).strip():
                offenders.append(f"{r['id']}: relation_basis is empty (say why it is {r.get('relation')})")
            elif r.get("relation") == "core" and expected not in str(basis):
                offenders.append(
                    f"{r['id']}: relation_basis does not name {expected} (a core record's source places it under it)"
                )
    return offenders


def _offenders_capacity_plausible(layers: Mapping[str, pd.DataFrame]) -> list[str]:
    offenders = []
    for layer_id, (low, high) in CAPACITY_RANGE.items():
        for r in _records(layers[layer_id]):
            value = r.get("capacity_mw")
            if _present(value) and not low <= value <= high:
                offenders.append(f"{r['id']}: capacity_mw={value} (implausible for {layer_id}: expected {low}-{high})")
    return offenders


# --------------------------------------------------------------------------- rules: countries


def _offenders_named_countries_have_attributes(
    layers: Mapping[str, pd.DataFrame], attributes: pd.DataFrame
) -> list[str]:
    """Every country a record names has a row in country_attributes.csv (one line per country)."""
    known = set(attributes["iso3"])
    named_by: dict[str, list[str]] = {}
    for frame in layers.values():
        for r in _records(frame):
            for code in sorted(_named_iso3(r) - known):
                named_by.setdefault(code, []).append(str(r["id"]))
    return [
        f"{code}: iso3={code} (named by {', '.join(ids)}; no row in country_attributes.csv)"
        for code, ids in sorted(named_by.items())
    ]


def _offenders_membership_flags(attributes: pd.DataFrame) -> list[str]:
    """member_asean and member_jumpp agree with the groups' member lists, and every member has a row."""
    offenders = [
        f"{code}: iso3={code} (an ASEAN/JUMPP member without a row in country_attributes.csv)"
        for code in sorted((ASEAN | JUMPP_PARTNERS | JUMPP_CO_LEADS) - set(attributes["iso3"]))
    ]
    for row in _records(attributes):
        iso3 = row["iso3"]
        for field, members in (("member_asean", ASEAN), ("member_jumpp", JUMPP_PARTNERS | JUMPP_CO_LEADS)):
            if _flag(row.get(field)) != (iso3 in members):
                offenders.append(f"{iso3}: {field}={row.get(field)} (expected {iso3 in members})")
    return offenders


def _offenders_net_zero_year_vs_status(attributes: pd.DataFrame) -> list[str]:
    """A net-zero target (law, policy, pledge) has a year; no target, no year."""
    offenders = []
    for row in _records(attributes):
        status, year = str(row.get("net_zero_status")), row.get("net_zero_year")
        if status in NET_ZERO_TARGET_STATUSES and not _present(year):
            offenders.append(f"{row['iso3']}: net_zero_year=<empty> (net_zero_status = {status})")
        elif status not in NET_ZERO_TARGET_STATUSES and _present(year):
            offenders.append(f"{row['iso3']}: net_zero_year={year} (net_zero_status = {status})")
    return offenders


def _offenders_ndc2035_complete(attributes: pd.DataFrame) -> list[str]:
    """A 2035 (NDC 3.0) entry names its target, year and source (URL, publisher, date); a
    percentage says its target type (the map never colours two types on one scale), and a
    base-year target its base year."""
    offenders = []
    for row in _records(attributes):
        iso3 = row["iso3"]
        fields = [f for f in row if str(f).startswith("ndc2035_")]
        if not any(_present(row.get(f)) for f in fields):
            continue
        for needed in ("target_text", "target_year", "source_url", "source_publisher", "source_date"):
            if not _present(row.get(f"ndc2035_{needed}")):
                offenders.append(f"{iso3}: ndc2035_{needed}=<empty> (a 2035 NDC entry needs it)")
        pct = [f for f in ("ndc2035_unconditional_pct", "ndc2035_conditional_pct") if _present(row.get(f))]
        kind = row.get("ndc2035_target_type")
        if pct and not _present(kind):
            offenders.append(f"{iso3}: ndc2035_target_type=<empty> ({', '.join(pct)} set without a target type)")
        if kind == "base_year" and not re.fullmatch(r"\d{4}", str(row.get("ndc2035_base_year") or "")):
            offenders.append(
                f"{iso3}: ndc2035_base_year={row.get('ndc2035_base_year')} (a base-year target needs the year)"
            )
    return offenders


# --------------------------------------------------------------------------- the rule tests


def test_ids_are_unique_across_layers(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_ids_unique_across_layers(layers))


def test_ids_follow_their_layer_convention(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_id_convention(layers))


def test_source_dates_are_past_and_after_1990(layers: dict[str, pd.DataFrame], attributes: pd.DataFrame) -> None:
    _assert_no_offenders(_offenders_source_dates(layers, attributes))


def test_attribute_values_have_a_dated_source(attributes: pd.DataFrame) -> None:
    _assert_no_offenders(_offenders_attribute_sources(attributes))


def test_geodata_readme_lists_every_source_url(
    layers: dict[str, pd.DataFrame], attributes: pd.DataFrame, readme: str
) -> None:
    _assert_no_offenders(_offenders_readme_lists_every_source_url(layers, attributes, readme))


def test_as_of_dates_match_the_readme(as_of_by_file: dict[str, str], readme: str) -> None:
    _assert_no_offenders(_offenders_as_of_vs_readme(as_of_by_file, readme))


def test_country_level_activities_have_no_geometry(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_country_level_without_geometry(layers))


def test_interconnector_ends_lie_in_the_countries_named(
    layers: dict[str, pd.DataFrame], shapes: dict[str, Any]
) -> None:
    _assert_no_offenders(_offenders_line_ends_in_named_countries(layers["interconnectors"], shapes))


def test_line_length_matches_published_length(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_line_length_vs_published(layers["interconnectors"]), KNOWN_LINE_LENGTH)


def test_lines_share_an_end_point_only_for_the_same_end(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_shared_end_points(layers["interconnectors"]), KNOWN_SHARED_END_POINTS)


def test_rule_shared_end_points_catches_two_plants_on_one_point(layers: dict[str, pd.DataFrame]) -> None:
    lines = layers["interconnectors"]
    a, b = "ic-001", "ic-004"
    end = next(iter(lines.loc[lines["id"] == a].geometry.iloc[0].coords))
    moved = shapely.LineString([end, *list(lines.loc[lines["id"] == b].geometry.iloc[0].coords)[1:]])
    offenders = _offenders_shared_end_points(_set(lines, b, geometry=moved))
    assert _names(offenders, a)
    assert _names(offenders, b)


def test_trade_arrangements_use_existing_lines(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_trade_arrangement_lines(layers["interconnectors"]))


def test_wind_zones_lie_at_sea_near_their_country(layers: dict[str, pd.DataFrame], shapes: dict[str, Any]) -> None:
    _assert_no_offenders(_offenders_wind_zone_at_sea(layers["wind_zones"], shapes))


def test_wind_zone_area_matches_published_area(layers: dict[str, pd.DataFrame]) -> None:
    zones = layers["wind_zones"]
    assert zones["area_km2_published"].notna().sum() >= 10  # the rule has data to bite on
    _assert_no_offenders(_offenders_official_area_vs_published(zones))


def test_wind_zone_distance_offshore_matches_published_distance(
    layers: dict[str, pd.DataFrame], shapes: dict[str, Any]
) -> None:
    zones = layers["wind_zones"]
    assert zones["distance_offshore_km_published"].notna().sum() >= 10
    _assert_no_offenders(_offenders_distance_offshore_vs_published(zones, shapes))


def test_every_stated_published_figure_is_checked_against_the_geometry(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_stated_figure_without_field(layers), KNOWN_STATED_FIGURES)


def test_rule_stated_figure_catches_a_figure_left_out_of_its_field(layers: dict[str, pd.DataFrame]) -> None:
    lines, zones = layers["interconnectors"], layers["wind_zones"]
    line = _first(lines, id="ic-008")  # its description gives 128.2 km
    zone = _first(zones, id="wz-aus-004")  # 1,022 km2, at least 20 km offshore
    assert not _names(_offenders_stated_figure_without_field(layers), line)
    broken = _with(layers, "interconnectors", _set(lines, line, length_km_published=None))
    assert _names(_offenders_stated_figure_without_field(broken), line)
    for field in ("area_km2_published", "distance_offshore_km_published"):
        broken = _with(layers, "wind_zones", _set(zones, zone, **{field: None}))
        assert any(o.startswith(f"{zone}: {field}=") for o in _offenders_stated_figure_without_field(broken))


def test_rule_distance_offshore_catches_a_zone_drawn_too_close(
    layers: dict[str, pd.DataFrame], shapes: dict[str, Any]
) -> None:
    zones = layers["wind_zones"]
    rid = _first(zones, id="wz-vnm-002")
    # the outline the 2026-12-03 pass replaced: 3.9 km offshore against the developer's 20-50 km
    old = shapely.Polygon([(107.9159, 10.639), (107.9388, 10.5999), (108.0179, 10.6451), (107.995, 10.6843)])
    assert _names(_offenders_distance_offshore_vs_published(_set(zones, rid, geometry=old), shapes), rid)
    assert not _names(_offenders_distance_offshore_vs_published(zones, shapes), rid)


def test_rule_line_length_catches_a_straight_line_longer_than_the_route(layers: dict[str, pd.DataFrame]) -> None:
    lines = layers["interconnectors"]
    rid = _first(lines, id="ic-008")
    length = float(lines.loc[lines["id"] == rid, "length_km"].iloc[0])
    assert _names(_offenders_line_length_vs_published(_set(lines, rid, length_km_published=0.9 * length)), rid)
    assert not _names(_offenders_line_length_vs_published(_set(lines, rid, length_km_published=length)), rid)


def test_dates_agree_with_each_other_today_and_status(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_dates_vs_status_and_today(layers))


def test_activities_match_their_partnership_and_its_start(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_activity_partnership(layers))


def test_activities_say_why_they_are_core_or_related(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_relation_basis(layers))


def test_capacities_are_plausible(layers: dict[str, pd.DataFrame]) -> None:
    _assert_no_offenders(_offenders_capacity_plausible(layers))


def test_named_countries_have_attributes(layers: dict[str, pd.DataFrame], attributes: pd.DataFrame) -> None:
    _assert_no_offenders(_offenders_named_countries_have_attributes(layers, attributes), KNOWN_ISO3_WITHOUT_ATTRIBUTES)


def test_membership_flags_match_member_lists(attributes: pd.DataFrame) -> None:
    _assert_no_offenders(_offenders_membership_flags(attributes))


def test_net_zero_year_matches_status(attributes: pd.DataFrame) -> None:
    _assert_no_offenders(_offenders_net_zero_year_vs_status(attributes), KNOWN_NET_ZERO)


# --------------------------------------------------------------------------- each rule can fail
# Each rule is fed a copy of the real data with one record broken on purpose; the offenders
# must name that record. (The copies are deep: the session bundle is never touched.)


def _copy(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.copy(deep=True)


def _set(frame: pd.DataFrame, rid: str, **values: Any) -> pd.DataFrame:
    """A copy of ``frame`` with the given fields of record ``rid`` changed."""
    out = _copy(frame)
    id_field = "id" if "id" in out.columns else "iso3"
    mask = out[id_field].astype(str) == rid
    assert mask.sum() == 1, f"no record {rid}"
    for field, value in values.items():
        if field == "geometry":
            out.loc[mask, out.geometry.name] = value
        else:
            out[field] = out[field].astype(object)
            out.loc[mask, field] = value
    return out


def _first(frame: pd.DataFrame, **where: Any) -> str:
    mask = pd.Series(True, index=frame.index)
    for field, value in where.items():
        mask &= frame[field].astype(object) == value
    return str(frame.loc[mask, "id" if "id" in frame.columns else "iso3"].iloc[0])


def _with(layers: Mapping[str, pd.DataFrame], layer_id: str, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {**layers, layer_id: frame}


def _names(offenders: list[str], rid: str) -> bool:
    return any(line.startswith(f"{rid}:") for line in offenders)


def test_allow_list_fails_on_a_new_offender_and_on_a_stale_entry() -> None:
    _assert_no_offenders(["x-1: f=1 (known)"], {"x-1": "known problem"})
    with pytest.raises(AssertionError, match="x-2: f=2"):
        _assert_no_offenders(["x-1: f=1 (known)", "x-2: f=2 (new)"], {"x-1": "known problem"})
    with pytest.raises(AssertionError, match="no longer offending"):
        _assert_no_offenders([], {"x-1": "known problem"})


def test_rule_unique_ids_catches_an_id_reused_in_another_layer(layers: dict[str, pd.DataFrame]) -> None:
    taken = str(layers["jucep"]["id"].iloc[0])
    broken = _with(layers, "jumpp", _set(layers["jumpp"], str(layers["jumpp"]["id"].iloc[0]), id=taken))
    assert _names(_offenders_ids_unique_across_layers(broken), taken)


def test_rule_id_convention_catches_a_wrong_prefix_and_country(layers: dict[str, pd.DataFrame]) -> None:
    zone = str(layers["wind_zones"]["id"].iloc[0])
    broken = _with(layers, "wind_zones", _set(layers["wind_zones"], zone, country="ZZZ"))
    broken = _with(broken, "jumpp", _set(layers["jumpp"], str(layers["jumpp"]["id"].iloc[0]), id="jucep-999"))
    offenders = _offenders_id_convention(broken)
    assert _names(offenders, zone)
    assert _names(offenders, "jucep-999")
    assert _names(_offenders_id_convention({**layers, "new_layer": layers["jumpp"].iloc[:0]}), "new_layer")


def test_rule_source_dates_catches_future_and_ancient_dates(
    layers: dict[str, pd.DataFrame], attributes: pd.DataFrame
) -> None:
    rid = str(layers["interconnectors"]["id"].iloc[0])
    broken = _with(layers, "interconnectors", _set(layers["interconnectors"], rid, source_date=f"{TODAY.year + 1}-01"))
    old = _set(attributes, "JPN", ndc_source_date="1985")
    offenders = _offenders_source_dates(broken, old)
    assert _names(offenders, rid)
    assert _names(offenders, "JPN")


def test_rule_attribute_sources_catches_a_value_without_source(attributes: pd.DataFrame) -> None:
    iso3 = _first(attributes, net_zero_status="law")
    broken = _set(attributes, iso3, net_zero_source_url=None)
    undated = _set(attributes, iso3, ndc_source_date=None)
    assert _names(_offenders_attribute_sources(broken), iso3)
    assert _names(_offenders_attribute_sources(undated), iso3)


def test_rule_readme_sources_catches_an_unlisted_url(
    layers: dict[str, pd.DataFrame], attributes: pd.DataFrame, readme: str
) -> None:
    rid = str(layers["jumpp"]["id"].iloc[0])
    broken = _with(layers, "jumpp", _set(layers["jumpp"], rid, source_url="https://example.org/not-in-readme"))
    assert _names(_offenders_readme_lists_every_source_url(broken, attributes, readme), rid)


def test_rule_as_of_catches_a_date_the_readme_does_not_state(as_of_by_file: dict[str, str], readme: str) -> None:
    name = next(iter(as_of_by_file))
    assert _names(_offenders_as_of_vs_readme({**as_of_by_file, name: "1999-01-01"}, readme), name)
    assert _offenders_as_of_vs_readme(as_of_by_file, "no date here") != []


def test_rule_country_level_catches_a_made_up_point(layers: dict[str, pd.DataFrame]) -> None:
    rid = _first(layers["jumpp"], location_precision="country")
    broken = _with(layers, "jumpp", _set(layers["jumpp"], rid, geometry=shapely.Point(102.6, 17.97)))
    assert _names(_offenders_country_level_without_geometry(broken), rid)


def test_rule_line_ends_catches_swapped_countries_and_same_country(
    layers: dict[str, pd.DataFrame], shapes: dict[str, Any]
) -> None:
    lines = layers["interconnectors"]
    rid = _first(lines, kind="line")
    row = lines[lines["id"] == rid].iloc[0]
    swapped = _set(lines, rid, country_a=row["country_b"], country_b=row["country_a"])
    same = _set(lines, rid, country_b=row["country_a"])
    assert _names(_offenders_line_ends_in_named_countries(swapped, shapes), rid)
    assert any("two different countries" in o for o in _offenders_line_ends_in_named_countries(same, shapes))


def test_rule_line_length_catches_a_published_length_far_off(layers: dict[str, pd.DataFrame]) -> None:
    lines = layers["interconnectors"]
    rid = _first(lines, kind="line")
    length = float(lines.loc[lines["id"] == rid, "length_km"].iloc[0])
    assert _names(_offenders_line_length_vs_published(_set(lines, rid, length_km_published=3 * length)), rid)


def test_rule_trade_arrangement_catches_a_missing_or_non_line_reference(layers: dict[str, pd.DataFrame]) -> None:
    lines = layers["interconnectors"]
    rid = _first(lines, kind="trade_arrangement")
    other = str(lines.loc[(lines["kind"] == "trade_arrangement") & (lines["id"] != rid), "id"].iloc[0])
    for uses in ("ic-999", other, None):
        assert _names(_offenders_trade_arrangement_lines(_set(lines, rid, uses_lines=uses)), rid), uses


def test_rule_wind_zone_catches_a_zone_on_land_and_one_far_away(
    layers: dict[str, pd.DataFrame], shapes: dict[str, Any]
) -> None:
    zones = layers["wind_zones"]
    on_land, far = str(zones["id"].iloc[0]), str(zones["id"].iloc[1])
    broken = _set(zones, on_land, geometry=shapely.box(101.5, 17.5, 102.5, 18.5), country="THA")  # inland Laos/Thailand
    broken = _set(broken, far, geometry=shapely.box(-120.0, -45.0, -119.8, -44.8))  # the open South Pacific
    offenders = _offenders_wind_zone_at_sea(broken, shapes)
    assert any(o.startswith(f"{on_land}: geometry") for o in offenders)
    assert any(o.startswith(f"{far}: country") for o in offenders)


def test_rule_official_area_catches_a_wrong_area(layers: dict[str, pd.DataFrame]) -> None:
    zones = layers["wind_zones"]
    rid = str(zones["id"].iloc[0])
    area = float(zones.loc[zones["id"] == rid, "area_km2"].iloc[0])
    broken = _set(zones, rid, geometry_precision="official_coordinates", area_km2_published=2 * area)
    assert _names(_offenders_official_area_vs_published(broken), rid)
    indicative = _set(zones, rid, geometry_precision="indicative", area_km2_published=2 * area)
    assert _names(_offenders_official_area_vs_published(indicative), rid)
    matching = _set(zones, rid, geometry_precision="official_coordinates", area_km2_published=area)
    assert not _names(_offenders_official_area_vs_published(matching), rid)


def test_rule_dates_catches_inverted_far_future_and_premature_status(layers: dict[str, pd.DataFrame]) -> None:
    jumpp = layers["jumpp"]
    inverted = _first(jumpp, status="completed")
    year = int(jumpp.loc[jumpp["id"] == inverted, "year"].iloc[0])
    lines = layers["interconnectors"]
    operating = _first(lines, status="operating")
    broken = _with(layers, "jumpp", _set(jumpp, inverted, year_end=year - 1))
    broken = _with(broken, "interconnectors", _set(lines, operating, year=TODAY.year + 1))
    zones = layers["wind_zones"]
    far = str(zones["id"].iloc[0])
    broken = _with(broken, "wind_zones", _set(zones, far, year=TODAY.year + MAX_YEARS_AHEAD + 1))
    offenders = _offenders_dates_vs_status_and_today(broken)
    assert _names(offenders, inverted)
    assert _names(offenders, operating)
    assert _names(offenders, far)


def test_rule_partnership_catches_wrong_partnership_and_early_core_activity(layers: dict[str, pd.DataFrame]) -> None:
    jucep = layers["jucep"]
    wrong = str(jucep["id"].iloc[0])
    early = _first(jucep, relation="core")
    broken = _set(jucep, wrong, partnership="JUMPP")
    broken = _set(broken, early, year=PARTNERSHIP_START["JUCEP"] - 1) if early != wrong else broken
    offenders = _offenders_activity_partnership(_with(layers, "jucep", broken))
    assert _names(offenders, wrong)
    early_only = _set(jucep, early, year=PARTNERSHIP_START["JUCEP"] - 1)
    assert _names(_offenders_activity_partnership(_with(layers, "jucep", early_only)), early)


def test_rule_relation_basis_catches_a_missing_basis_and_a_core_basis_without_the_partnership(
    layers: dict[str, pd.DataFrame],
) -> None:
    jumpp = layers["jumpp"]
    core = _first(jumpp, relation="core")
    related = _first(jumpp, relation="related")
    broken = _set(jumpp, related, relation_basis=None)
    broken = _set(broken, core, relation_basis="A statement about Mekong power.")
    offenders = _offenders_relation_basis(_with(layers, "jumpp", broken))
    assert _names(offenders, related)
    assert _names(offenders, core)


def test_rule_capacity_catches_an_implausible_capacity(layers: dict[str, pd.DataFrame]) -> None:
    rid = str(layers["interconnectors"]["id"].iloc[0])
    broken = _with(layers, "interconnectors", _set(layers["interconnectors"], rid, capacity_mw=9000.0))
    assert _names(_offenders_capacity_plausible(broken), rid)


def test_rule_named_countries_catches_a_country_without_attributes(
    layers: dict[str, pd.DataFrame], attributes: pd.DataFrame
) -> None:
    rid = str(layers["jumpp"]["id"].iloc[0])
    broken = _with(layers, "jumpp", _set(layers["jumpp"], rid, countries="LAO;FRA"))
    offenders = _offenders_named_countries_have_attributes(broken, attributes)
    assert any(o.startswith("FRA:") and rid in o for o in offenders)


def test_rule_membership_catches_a_wrong_flag_and_a_missing_member(attributes: pd.DataFrame) -> None:
    assert _names(_offenders_membership_flags(_set(attributes, "JPN", member_asean=True)), "JPN")
    assert _names(_offenders_membership_flags(_set(attributes, "LAO", member_jumpp=False)), "LAO")
    without_tls = attributes[attributes["iso3"] != "TLS"]
    assert _names(_offenders_membership_flags(without_tls), "TLS")


def test_rule_net_zero_catches_year_without_target_and_target_without_year(attributes: pd.DataFrame) -> None:
    target = _first(attributes, net_zero_status="law")
    assert _names(_offenders_net_zero_year_vs_status(_set(attributes, target, net_zero_year=None)), target)
    none = _first(attributes, net_zero_status="none")
    assert _names(_offenders_net_zero_year_vs_status(_set(attributes, none, net_zero_year=2050)), none)


def test_ndc2035_entries_are_complete(attributes: pd.DataFrame) -> None:
    _assert_no_offenders(_offenders_ndc2035_complete(attributes))


def test_rule_ndc2035_catches_a_percentage_without_type_and_an_entry_without_source(attributes: pd.DataFrame) -> None:
    typed = _first(attributes, ndc2035_target_type="base_year")
    offenders = _offenders_ndc2035_complete(
        _set(attributes, typed, ndc2035_target_type=None, ndc2035_source_publisher=None, ndc2035_base_year="BAU")
    )
    assert any(o.startswith(f"{typed}: ndc2035_target_type") for o in offenders)
    assert any(o.startswith(f"{typed}: ndc2035_source_publisher") for o in offenders)
    base = _offenders_ndc2035_complete(_set(attributes, typed, ndc2035_base_year="BAU"))
    assert any(o.startswith(f"{typed}: ndc2035_base_year") for o in base)
