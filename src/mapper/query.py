"""One filter state for the app, the URL, the CLI and the exports.

A :class:`FilterState` says which layers and which records are shown. Every facet maps to
fields declared in each layer's spec (``[filters]``); a facet a layer does not declare does
not restrict that layer. Empty selections mean "no restriction".
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd

import geopandas as gpd

from ._errors import FilterError, UnknownValueError
from .catalogue import Catalogue, Layer
from .i18n import N_, Translator, translator
from .schema import split_list

_LIST_FACETS = {
    "partnerships": N_("partnership"),
    "countries": N_("country"),
    "statuses": N_("status"),
    "technologies": N_("technology"),
}


@dataclass(frozen=True)
class FilterState:
    """What is shown: layers and record filters.

    Examples
    --------
    >>> FilterState(countries=("LAO",), partnerships=("JUMPP",)).describe()
    'partnership JUMPP; country LAO'
    """

    layers: tuple[str, ...] = ()
    partnerships: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    technologies: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    capacity_min: float | None = None
    capacity_max: float | None = None
    search: str = ""
    #: Show what existed or was active in this year (see :func:`active_in_year`).
    as_of_year: int | None = None

    def __post_init__(self) -> None:
        for name in ("layers", *_LIST_FACETS):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            items = [str(v).strip().upper() if name == "countries" else str(v).strip() for v in value]
            object.__setattr__(self, name, tuple(dict.fromkeys(v for v in items if v)))
        object.__setattr__(self, "search", (self.search or "").strip())
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise FilterError(
                f"year range is {self.year_from}..{self.year_to}: the first year is after the last; swap them"
            )
        if self.capacity_min is not None and self.capacity_max is not None and self.capacity_min > self.capacity_max:
            raise FilterError(
                f"capacity range is {self.capacity_min}..{self.capacity_max} MW: the minimum is above the maximum"
            )

    @property
    def is_empty(self) -> bool:
        """True when nothing is filtered (all layers, all records)."""
        return self == FilterState()

    def validate(self, catalogue: Catalogue) -> FilterState:
        """Raise :class:`FilterError` if a layer id is unknown; return self."""
        unknown = [name for name in self.layers if name not in catalogue]
        if unknown:
            raise FilterError(f"unknown layer(s) {', '.join(unknown)}; available: {', '.join(catalogue)}")
        return self

    def layer_ids(self, catalogue: Catalogue) -> list[str]:
        """The selected layer ids, in catalogue order (all when none is selected)."""
        return [lid for lid in catalogue if not self.layers or lid in self.layers]

    def describe(self, tr: Translator | None = None) -> str:
        """A short human description, e.g. for export metadata and snapshot subtitles
        (in the translator's language; English by default)."""
        tr = tr or translator()
        _ = tr.gettext
        sep = "、" if tr.lang == "ja" else ", "
        parts = []
        if self.layers:
            parts.append(_("layers {ids}").format(ids=sep.join(self.layers)))
        for name, label in _LIST_FACETS.items():
            values = getattr(self, name)
            if values:
                shown = values if name in ("partnerships", "countries") else [tr.value(v) for v in values]
                parts.append(_("{facet} {values}").format(facet=_(label), values=sep.join(shown)))
        if self.year_from is not None or self.year_to is not None:
            low = "…" if self.year_from is None else self.year_from
            high = "…" if self.year_to is None else self.year_to
            parts.append(_("years {low}–{high}").format(low=low, high=high))
        if self.capacity_min is not None or self.capacity_max is not None:
            low = "…" if self.capacity_min is None else f"{self.capacity_min:g}"
            high = "…" if self.capacity_max is None else f"{self.capacity_max:g}"
            parts.append(_("capacity {low}–{high} MW").format(low=low, high=high))
        if self.search:
            parts.append(_("search “{text}”").format(text=self.search))
        if self.as_of_year is not None:
            parts.append(_("as of {year}").format(year=self.as_of_year))
        return ("；" if tr.lang == "ja" else "; ").join(parts) if parts else _("all records")

    def slug(self) -> str:
        """A file-name-safe summary, e.g. ``jumpp_LAO`` or ``all``."""
        parts = list(self.layers)
        for name in _LIST_FACETS:
            parts += list(getattr(self, name))
        if self.year_from is not None or self.year_to is not None:
            parts.append(
                f"{'' if self.year_from is None else self.year_from}-{'' if self.year_to is None else self.year_to}"
            )
        if self.capacity_min is not None or self.capacity_max is not None:
            low = "" if self.capacity_min is None else f"{self.capacity_min:g}"
            high = "" if self.capacity_max is None else f"{self.capacity_max:g}"
            parts.append(f"{low}-{high}MW")
        if self.search:
            parts.append(self.search)
        if self.as_of_year is not None:
            parts.append(f"asof{self.as_of_year}")
        text = "_".join(parts) if parts else "all"
        text = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-_.")
        return text[:80] or "all"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary (lists, not tuples; unset values left out)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if value in ((), None, ""):
                continue
            out[key] = list(value) if isinstance(value, tuple) else value
        return out

    def to_query(self) -> dict[str, str]:
        """Query-string parameters (lists comma-separated) that :func:`from_query` reads back."""
        return {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in self.to_dict().items()}


def _ints(raw: str, name: str, notices: list[str]) -> int | None:
    try:
        return int(raw)
    except ValueError:
        notices.append(f"ignored {name}={raw!r}: not a whole number")
        return None


def _floats(raw: str, name: str, notices: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        notices.append(f"ignored {name}={raw!r}: not a number")
        return None
    if value != value or value in (float("inf"), float("-inf")):
        notices.append(f"ignored {name}={raw!r}: not a finite number")
        return None
    return value


def canonical_values(values: Iterable[str], valid: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """Match values to the valid ones regardless of case and surrounding spaces.

    Returns the canonical spellings of the values found (in the given order, without
    repeats) and the values that match nothing.

    Examples
    --------
    >>> canonical_values(["jumpp", " Operating", "LAOS"], ["JUMPP", "operating", "LAO"])
    (('JUMPP', 'operating'), ['LAOS'])
    """
    by_fold: dict[str, str] = {}
    for choice in valid:
        by_fold.setdefault(str(choice).strip().casefold(), str(choice))
    found: list[str] = []
    unknown: list[str] = []
    for value in values:
        canonical = by_fold.get(str(value).strip().casefold())
        if canonical is None:
            unknown.append(str(value))
        elif canonical not in found:
            found.append(canonical)
    return tuple(found), unknown


def normalise_state(state: FilterState, catalogue: Catalogue, choices: Mapping[str, Iterable[str]]) -> FilterState:
    """The same state with every layer id and facet value in its canonical spelling.

    ``choices`` are the valid values per list facet, from :func:`facet_choices`. Case
    differences are harmless (``jumpp`` → ``JUMPP``, ``Operating`` → ``operating``).

    Raises
    ------
    UnknownValueError
        If a layer id or a facet value matches nothing; the message lists the valid ones.
    """
    layers, unknown = canonical_values(state.layers, catalogue)
    if unknown:
        raise UnknownValueError("layer", unknown, list(catalogue))
    changes: dict[str, tuple[str, ...]] = {"layers": layers}
    for name, facet in _LIST_FACETS.items():
        valid = sorted(choices.get(name, ()))
        found, unknown = canonical_values(getattr(state, name), valid)
        if unknown:
            raise UnknownValueError(facet, unknown, valid)
        changes[name] = found
    return replace(state, **changes)


def from_query(
    params: Mapping[str, str | Iterable[str]],
    catalogue: Catalogue,
    choices: Mapping[str, Iterable[str]] | None = None,
) -> tuple[FilterState, list[str]]:
    """Build the nearest valid state from URL parameters, with a notice for each value dropped.

    Never raises on bad input: unknown layers or values, bad numbers and reversed ranges
    are dropped or fixed and reported in the notices. Case differences are harmless: a
    value is replaced by its canonical spelling (``jumpp`` → ``JUMPP``).
    """
    notices: list[str] = []
    choices = {k: sorted(v) for k, v in (choices or {}).items()}

    def values(name: str) -> list[str]:
        raw = params.get(name)
        if raw is None:
            return []
        items = [raw] if isinstance(raw, str) else list(raw)
        return [v.strip() for item in items for v in str(item).split(",") if v.strip()]

    kwargs: dict[str, Any] = {}
    layers, bad = canonical_values(values("layers"), catalogue)
    if bad:
        notices.append(f"ignored unknown layer(s) {', '.join(bad)}")
    kwargs["layers"] = layers
    for name in _LIST_FACETS:
        items = values(name)
        if name == "countries":
            items = [v.upper() for v in items]
        allowed = choices.get(name)
        if allowed is not None:
            found, bad = canonical_values(items, allowed)
            if bad:
                notices.append(f"ignored unknown {name} value(s) {', '.join(bad)}")
            items = list(found)
        kwargs[name] = tuple(items)
    for name in ("year_from", "year_to", "as_of_year"):
        raw = params.get(name)
        if isinstance(raw, str) and raw:
            kwargs[name] = _ints(raw, name, notices)
    for name in ("capacity_min", "capacity_max"):
        raw = params.get(name)
        if isinstance(raw, str) and raw:
            kwargs[name] = _floats(raw, name, notices)
    search = params.get("search")
    kwargs["search"] = search if isinstance(search, str) else ""
    if (
        kwargs.get("year_from") is not None
        and kwargs.get("year_to") is not None
        and kwargs["year_from"] > kwargs["year_to"]
    ):
        notices.append(f"swapped the year range {kwargs['year_from']}..{kwargs['year_to']}")
        kwargs["year_from"], kwargs["year_to"] = kwargs["year_to"], kwargs["year_from"]
    if (
        kwargs.get("capacity_min") is not None
        and kwargs.get("capacity_max") is not None
        and kwargs["capacity_min"] > kwargs["capacity_max"]
    ):
        notices.append("swapped the capacity range")
        kwargs["capacity_min"], kwargs["capacity_max"] = kwargs["capacity_max"], kwargs["capacity_min"]
    return FilterState(**kwargs), notices


def _matches_any(frame: pd.DataFrame, columns: Iterable[str], wanted: set[str]) -> pd.Series:
    mask = pd.Series(False, index=frame.index)
    for column in columns:
        if column not in frame.columns:
            continue
        mask |= (
            frame[column]
            .map(lambda v: bool(wanted.intersection(split_list(v))), na_action="ignore")
            .fillna(False)
            .astype(bool)
        )
    return mask


def _in_range(frame: pd.DataFrame, columns: Iterable[str], low: float | None, high: float | None) -> pd.Series:
    mask = pd.Series(False, index=frame.index)
    for column in columns:
        if column not in frame.columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        ok = values.notna()
        if low is not None:
            ok &= values >= low
        if high is not None:
            ok &= values <= high
        mask |= ok.fillna(False).astype(bool)
    return mask


def _search_mask(frame: pd.DataFrame, columns: Iterable[str], text: str) -> pd.Series:
    columns = [c for c in columns if c in frame.columns]
    haystack = pd.Series("", index=frame.index)
    for column in columns:
        haystack = haystack + " " + frame[column].astype("string").fillna("").str.casefold()
    mask = pd.Series(True, index=frame.index)
    for word in text.casefold().split():
        mask &= haystack.str.contains(word, regex=False)
    return mask.astype(bool)


def filter_layer(frame: gpd.GeoDataFrame, layer: Layer, state: FilterState) -> gpd.GeoDataFrame:
    """The records of one layer that the state keeps."""
    mask = pd.Series(True, index=frame.index)
    for name, facet in _LIST_FACETS.items():
        wanted = set(getattr(state, name))
        columns = layer.facet_fields(facet)
        if wanted and columns:
            mask &= _matches_any(frame, columns, wanted)
    if (state.year_from is not None or state.year_to is not None) and layer.facet_fields("year"):
        mask &= _in_range(frame, layer.facet_fields("year"), state.year_from, state.year_to)
    if (state.capacity_min is not None or state.capacity_max is not None) and layer.facet_fields("capacity"):
        mask &= _in_range(frame, layer.facet_fields("capacity"), state.capacity_min, state.capacity_max)
    if state.search:
        columns = layer.facet_fields("search") or (layer.label_field,)
        mask &= _search_mask(frame, columns, state.search)
    if state.as_of_year is not None and layer.facet_fields("year"):
        mask &= active_in_year(frame, layer, state.as_of_year)
    return frame[mask.to_numpy()]


#: Statuses that end a record: its year is when it ended (it is shown only before).
ENDING_STATUSES = frozenset({"cancelled"})
#: The optional field that holds the last year a record was active.
END_YEAR_FIELD = "year_end"


def active_spans(frame: pd.DataFrame, layer: Layer) -> pd.DataFrame:
    """The years each record existed or was active: columns ``first`` and ``last``
    (−inf/+inf: unbounded; both NaN: the record cannot be placed in time).

    The rule, from what the records carry:

    * a record starts in its layer's year field (``[filters] year``: the year it was
      announced, started, designated, awarded or commissioned) and is shown from then on;
    * it ends after ``year_end`` when it has one;
    * a record whose status ends it (``cancelled``) counts its year as the end: it is
      shown in the years before (since when is not known) and hidden from that year on;
    * a record with no year cannot be placed in time and is left out of an as-of view.
    """
    start = pd.Series(float("nan"), index=frame.index)
    for column in layer.facet_fields("year"):
        if column in frame.columns:
            start = start.fillna(pd.to_numeric(frame[column], errors="coerce").astype(float))
    ended = pd.Series(False, index=frame.index)
    for column in layer.facet_fields("status"):
        if column in frame.columns:
            ended |= frame[column].isin(ENDING_STATUSES).fillna(False).astype(bool)
    end = (
        pd.to_numeric(frame[END_YEAR_FIELD], errors="coerce").astype(float)
        if END_YEAR_FIELD in frame.columns
        else pd.Series(float("nan"), index=frame.index)
    )
    first = start.where(~ended, float("-inf"))
    last = end.fillna(float("inf")).where(~ended, start - 1)
    dated = start.notna()
    return pd.DataFrame({"first": first.where(dated), "last": last.where(dated)}, index=frame.index)


def active_in_year(frame: pd.DataFrame, layer: Layer, year: int) -> pd.Series:
    """Which records existed or were active in ``year`` (the rule: :func:`active_spans`)."""
    spans = active_spans(frame, layer)
    return ((spans["first"] <= year) & (year <= spans["last"])).fillna(False).astype(bool)


def apply_filter(
    layers: Mapping[str, gpd.GeoDataFrame], catalogue: Catalogue, state: FilterState
) -> dict[str, gpd.GeoDataFrame]:
    """Filter every selected layer; returns ``{layer_id: frame}`` in catalogue order."""
    state.validate(catalogue)
    return {lid: filter_layer(layers[lid], catalogue[lid], state) for lid in state.layer_ids(catalogue)}


def facet_choices(layers: Mapping[str, gpd.GeoDataFrame], catalogue: Catalogue) -> dict[str, list[str]]:
    """The values present in the data for each list facet (for widgets and URL checks)."""
    out: dict[str, set[str]] = {name: set() for name in _LIST_FACETS}
    for lid, frame in layers.items():
        layer = catalogue[lid]
        for name, facet in _LIST_FACETS.items():
            for column in layer.facet_fields(facet):
                if column in frame.columns:
                    for value in frame[column].dropna():
                        out[name].update(split_list(value))
    return {k: sorted(v) for k, v in out.items()}


def _bounds(layers: Mapping[str, gpd.GeoDataFrame], catalogue: Catalogue, facet: str) -> list[float]:
    values: list[float] = []
    for lid, frame in layers.items():
        for column in catalogue[lid].facet_fields(facet):
            if column in frame.columns:
                values += [float(v) for v in pd.to_numeric(frame[column], errors="coerce").dropna()]
    return values


def year_bounds(layers: Mapping[str, gpd.GeoDataFrame], catalogue: Catalogue) -> tuple[int, int]:
    """Smallest and largest year in the data (for the year slider)."""
    years = _bounds(layers, catalogue, "year")
    if not years:
        this_year = _dt.date.today().year
        return this_year, this_year
    return int(min(years)), int(max(years))


def capacity_bounds(layers: Mapping[str, gpd.GeoDataFrame], catalogue: Catalogue) -> tuple[float, float]:
    """Smallest and largest capacity (MW) in the data (for the capacity slider)."""
    values = _bounds(layers, catalogue, "capacity")
    return (min(values), max(values)) if values else (0.0, 0.0)


def with_changes(state: FilterState, **changes: Any) -> FilterState:
    """A copy of ``state`` with some fields changed (validated again)."""
    return replace(state, **changes)
