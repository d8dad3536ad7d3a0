"""One filter state for the app, the URL, the CLI and the exports.

A :class:`FilterState` says which layers and which records are shown. Every facet maps to
fields declared in each layer's spec (``[filters]``); a facet a layer does not declare does
not restrict that layer. Empty selections mean "no restriction".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import geopandas as gpd

from ._errors import FilterError, UnknownValueError
from .catalogue import Catalogue, Layer
from .facets import ALL_VALUES, Facet
from .i18n import Message, SpecText, Translator, translator
from .schema import HISTORY_SUFFIX, parse_status_history, split_list

#: The id of the facet whose values are ISO3 country codes (``values = "country"`` in
#: ``layers/facets.toml``): its values are upper-cased, and the map zooms to them.
COUNTRY_FACET = "country"
Number = int | float
Range = tuple[Number | None, Number | None]


def _is_range(value: object) -> bool:
    return (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in value)
        and any(v is not None for v in value)
    )


@dataclass(frozen=True, init=False)
class FilterState:
    """What is shown: layers and record filters, by facet id (see :mod:`mapper.facets`).

    Facet values are given as keywords: a choice as a value or a sequence of values, a
    range as a ``(low, high)`` pair of numbers (``None`` for an open end), text as a
    string for the ``search`` facet or any text facet passed in ``texts``.

    Examples
    --------
    >>> state = FilterState(country=("LAO",), partnership="JUMPP", year=(2020, None))
    >>> state.choice("country"), state.range("year")
    (('LAO',), (2020, None))
    >>> state.describe()
    'partnership JUMPP; country LAO; year 2020–…'
    """

    layers: tuple[str, ...]
    #: ``((facet, (value, ...)), ...)``: choice facets with at least one value, by facet id.
    choices: tuple[tuple[str, tuple[str, ...]], ...]
    #: ``((facet, low, high), ...)``: range facets with at least one end set, by facet id.
    ranges: tuple[tuple[str, Number | None, Number | None], ...]
    #: ``((facet, text), ...)``: text facets with words, by facet id.
    texts: tuple[tuple[str, str], ...]
    #: Show what existed or was active in this year (see :func:`active_spans`); None: every year.
    as_of_year: int | None

    def __init__(
        self,
        layers: str | Iterable[str] = (),
        search: str = "",
        *,
        texts: Mapping[str, str] | None = None,
        as_of_year: int | None = None,
        **facets: Any,
    ) -> None:
        layer_items = (layers,) if isinstance(layers, str) else tuple(layers)
        object.__setattr__(self, "layers", tuple(dict.fromkeys(str(v).strip() for v in layer_items if str(v).strip())))
        choices: dict[str, tuple[str, ...]] = {}
        ranges: dict[str, tuple[Number | None, Number | None]] = {}
        for fid, value in facets.items():
            if value is None:
                continue
            if _is_range(value):
                low, high = value
                if low is not None and high is not None and low > high:
                    raise FilterError(
                        Message(
                            "{facet} range is {low}..{high}: the low end is above the high end; swap them",
                            facet=fid,
                            low=low,
                            high=high,
                        )
                    )
                ranges[fid] = (low, high)
                continue
            items = (value,) if isinstance(value, str) else tuple(value)
            cleaned = tuple(dict.fromkeys(str(v).strip() for v in items if v is not None and str(v).strip()))
            if fid == COUNTRY_FACET:  # ISO3 codes: "lao" and "LAO" are one country
                cleaned = tuple(dict.fromkeys(v.upper() for v in cleaned))
            if cleaned:
                choices[fid] = cleaned
        object.__setattr__(self, "choices", tuple(sorted(choices.items())))
        object.__setattr__(self, "ranges", tuple((k, lo, hi) for k, (lo, hi) in sorted(ranges.items())))
        if as_of_year is not None and (isinstance(as_of_year, bool) or not isinstance(as_of_year, int)):
            raise FilterError(Message("as-of year {year}: give a whole year such as 2024", year=repr(as_of_year)))
        object.__setattr__(self, "as_of_year", as_of_year)
        words = {"search": search or "", **dict(texts or {})}
        object.__setattr__(
            self, "texts", tuple(sorted((k, str(v).strip()) for k, v in words.items() if v and str(v).strip()))
        )

    # ---- reading -------------------------------------------------------------------------
    def choice(self, facet: str) -> tuple[str, ...]:
        """The values picked for a choice facet (empty: no restriction)."""
        return dict(self.choices).get(facet, ())

    def range(self, facet: str) -> Range:
        """``(low, high)`` of a range facet (``None``: open end)."""
        for fid, low, high in self.ranges:
            if fid == facet:
                return (low, high)
        return (None, None)

    def text(self, facet: str = "search") -> str:
        """The words of a text facet ("" when unset)."""
        return dict(self.texts).get(facet, "")

    @property
    def search(self) -> str:
        """The words of the ``search`` text facet."""
        return self.text("search")

    @property
    def countries(self) -> tuple[str, ...]:
        """The ISO3 codes picked in the country facet (its id is ``country`` by convention)."""
        return self.choice(COUNTRY_FACET)

    @property
    def is_empty(self) -> bool:
        """True when nothing is filtered (all layers, all records)."""
        return self == FilterState()

    def facet_ids(self) -> list[str]:
        """Ids of the facets that restrict something."""
        return [fid for fid, _ in self.choices] + [fid for fid, *_ in self.ranges] + [fid for fid, _ in self.texts]

    # ---- changing ------------------------------------------------------------------------
    def with_values(self, **facets: Any) -> FilterState:
        """A copy with some facets set (``None`` or ``()`` clears one); ``layers`` too."""
        current: dict[str, Any] = dict(self.choices)
        current |= {k: (lo, hi) for k, lo, hi in self.ranges}
        texts = dict(self.texts)
        layers = facets.pop("layers", self.layers)
        as_of_year = facets.pop("as_of_year", self.as_of_year)
        for fid, value in facets.items():
            current.pop(fid, None)
            if fid == "search" or fid in texts:
                texts[fid] = value or ""
            else:
                current[fid] = value
        return FilterState(layers, texts=texts, as_of_year=as_of_year, **current)

    def validate(self, catalogue: Catalogue) -> FilterState:
        """Raise :class:`FilterError` if a layer id or a facet is unknown; return self."""
        unknown = [name for name in self.layers if name not in catalogue]
        if unknown:
            raise FilterError(
                Message(
                    "unknown layer(s) {layers}; available: {available}",
                    layers=", ".join(unknown),
                    available=", ".join(catalogue),
                )
            )
        stray = [fid for fid in self.facet_ids() if fid not in catalogue.facets]
        if stray:
            raise FilterError(
                Message(
                    "unknown filter(s) {filters}; the declared facets are {facets} (layers/facets.toml)",
                    filters=", ".join(stray),
                    facets=", ".join(catalogue.facets),
                )
            )
        return self

    def layer_ids(self, catalogue: Catalogue) -> list[str]:
        """The selected layer ids, in catalogue order (all when none is selected)."""
        return [lid for lid in catalogue if not self.layers or lid in self.layers]

    # ---- writing -------------------------------------------------------------------------
    def describe(self, facets: Mapping[str, Facet] | None = None, tr: Translator | None = None) -> str:
        """A short human description, e.g. for export metadata and snapshot subtitles, in
        ``tr``'s language (English by default: facet ids, as in links).

        With the catalogue's ``facets``, ranges carry their units (``capacity 0–500 MW``),
        and in other languages facets are named by their translated labels.
        """
        facets = facets or {}
        tr = tr or translator()
        _ = tr.gettext
        english = tr.lang == "en"
        sep = ", " if english else "、"

        def name(fid: str) -> str:
            facet = facets.get(fid)
            return fid if english or facet is None else tr.data(facet.label)

        parts = []
        if self.layers:
            parts.append(_("layers {ids}").format(ids=sep.join(self.layers)))
        for fid, values in self.choices:
            shown = values if fid == COUNTRY_FACET else [tr.value(v) for v in values]
            parts.append(_("{facet} {values}").format(facet=name(fid), values=sep.join(shown)))
        for fid, low, high in self.ranges:
            facet = facets.get(fid)
            unit = f" {facet.unit}" if facet is not None and facet.unit else ""
            span = f"{'…' if low is None else f'{low:g}'}–{'…' if high is None else f'{high:g}'}{unit}"
            parts.append(_("{facet} {values}").format(facet=name(fid), values=span))
        for fid, words in self.texts:
            parts.append(_("{facet} “{words}”").format(facet=name(fid), words=words))
        if self.as_of_year is not None:
            parts.append(_("as of {year}").format(year=self.as_of_year))
        return (_("; ")).join(parts) if parts else _("all records")

    def slug(self) -> str:
        """A file-name-safe summary, e.g. ``jumpp_LAO`` or ``all``."""
        parts = list(self.layers)
        for _, values in self.choices:
            parts += list(values)
        for fid, low, high in self.ranges:
            parts.append(f"{fid}{'' if low is None else f'{low:g}'}-{'' if high is None else f'{high:g}'}")
        parts += [words for _, words in self.texts]
        if self.as_of_year is not None:
            parts.append(f"asof{self.as_of_year}")
        text = "_".join(parts) if parts else "all"
        text = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-_.")
        return text[:80] or "all"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary by facet id (ranges as ``[low, high]``; unset left out)."""
        out: dict[str, Any] = {}
        if self.layers:
            out["layers"] = list(self.layers)
        out |= {fid: list(values) for fid, values in self.choices}
        out |= {fid: [low, high] for fid, low, high in self.ranges}
        out |= dict(self.texts)
        if self.as_of_year is not None:
            out["as_of_year"] = self.as_of_year
        return out

    def to_query(self, defaults: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, str]:
        """Query-string parameters that :func:`from_query` reads back: a choice facet under
        its id (values comma-separated), a range under ``<id>_from``/``<id>_to``, text under
        its id (see :mod:`mapper.facets`).

        ``defaults`` are the choice facets' declared defaults (:meth:`Catalogue.facet_defaults`):
        a facet at its default is left out, and one with a default but nothing picked is
        written as ``*`` (every value), so the link opens what was shown.
        """
        params: dict[str, str] = {}
        defaults = defaults or {}
        if self.layers:
            params["layers"] = ",".join(self.layers)
        picked = dict(self.choices)
        for fid, default in defaults.items():
            if fid not in picked and default:
                params[fid] = ALL_VALUES
        for fid, values in self.choices:
            if tuple(values) == tuple(defaults.get(fid, ())):
                continue
            params[fid] = ",".join(values)
        for fid, low, high in self.ranges:
            for key, value in zip(Facet(fid, "range", fid).url_keys, (low, high), strict=True):
                if value is not None:
                    params[key] = f"{value:g}" if isinstance(value, float) else str(value)
        params |= dict(self.texts)
        if self.as_of_year is not None:
            params["as_of_year"] = str(self.as_of_year)
        return params


def _ints(raw: str, name: str, notices: list[str]) -> int | None:
    try:
        return int(raw)
    except ValueError:
        notices.append(Message("ignored {name}={raw}: not a whole number", name=name, raw=repr(raw)))
        return None


def _floats(raw: str, name: str, notices: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        notices.append(Message("ignored {name}={raw}: not a number", name=name, raw=repr(raw)))
        return None
    if value != value or value in (float("inf"), float("-inf")):
        notices.append(Message("ignored {name}={raw}: not a finite number", name=name, raw=repr(raw)))
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

    ``choices`` are the valid values per choice facet, from :func:`facet_choices`. Case
    differences are harmless (``jumpp`` → ``JUMPP``, ``Operating`` → ``operating``).

    Raises
    ------
    UnknownValueError
        If a layer id, a facet or a facet value matches nothing; the message lists the valid ones.
    """
    layers, unknown = canonical_values(state.layers, catalogue)
    if unknown:
        raise UnknownValueError("layer", unknown, list(catalogue))
    facets = catalogue.facets
    stray = [fid for fid in state.facet_ids() if fid not in facets]
    if stray:
        raise UnknownValueError("filter", stray, list(facets))
    changes: dict[str, Any] = {"layers": layers}
    for fid, values in state.choices:
        valid = sorted(choices.get(fid, ()))
        found, unknown = canonical_values(values, valid)
        if unknown:
            raise UnknownValueError(fid, unknown, valid)
        changes[fid] = found
    return state.with_values(**changes)


def with_defaults(state: FilterState, catalogue: Catalogue) -> FilterState:
    """``state`` with each choice facet's declared default where the facet is not given, and
    :data:`~mapper.facets.ALL_VALUES` (``*``) read as "every value" (used by the CLI, whose
    flags, like links, start from the defaults)."""
    changes: dict[str, Any] = {}
    for fid, facet in catalogue.facets.items():
        values = state.choice(fid)
        if ALL_VALUES in values:
            changes[fid] = ()
        elif not values and facet.default:
            changes[fid] = facet.default
    return state.with_values(**changes) if changes else state


def _values(params: Mapping[str, str | Iterable[str]], key: str) -> list[str]:
    raw = params.get(key)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for item in items for v in str(item).split(",") if v.strip()]


def param_value(params: Mapping[str, str | Iterable[str]], key: str) -> str | None:
    """The last value a URL parameter holds, stripped (None when absent or empty): links may
    repeat a key, and the last one wins. The one reader of single-valued link parameters."""
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        items = [str(v) for v in value]
        value = items[-1] if items else None
    return value.strip() if value else None


def from_query(
    params: Mapping[str, str | Iterable[str]],
    catalogue: Catalogue,
    choices: Mapping[str, Iterable[str]] | None = None,
) -> tuple[FilterState, list[str]]:
    """Build the nearest valid state from URL parameters, with a notice for each value dropped.

    The keys are the catalogue's facets' (see :mod:`mapper.facets`), older aliases included.
    Never raises on bad input: unknown layers or values, bad numbers and reversed ranges
    are dropped or fixed and reported in the notices. Case differences are harmless: a
    value is replaced by its canonical spelling (``jumpp`` → ``JUMPP``).
    """
    notices: list[str] = []
    choices = {k: sorted(v) for k, v in (choices or {}).items()}
    layers, bad = canonical_values(_values(params, "layers"), catalogue)
    if bad:
        notices.append(Message("ignored unknown layer(s) {layers}", layers=", ".join(bad)))
    kwargs: dict[str, Any] = {}
    texts: dict[str, str] = {}
    for fid, facet in catalogue.facets.items():
        keys = facet.url_keys
        if facet.kind == "range":
            pairs = [keys, *zip(facet.aliases[::2], facet.aliases[1::2], strict=False)]
            low = high = None
            for key_low, key_high in pairs:
                for key, parse in ((key_low, "low"), (key_high, "high")):
                    raw = param_value(params, key)
                    if not raw:
                        continue
                    number = _ints(raw, key, notices) if facet.integer else _floats(raw, key, notices)
                    if parse == "low" and low is None:
                        low = number
                    elif parse == "high" and high is None:
                        high = number
            if low is not None and high is not None and low > high:
                notices.append(
                    Message(
                        "swapped the {facet} range {low}..{high}",
                        facet=SpecText(facet.label, facet.label.lower()),
                        low=low,
                        high=high,
                    )
                )
                low, high = high, low
            if low is not None or high is not None:
                kwargs[fid] = (low, high)
        elif facet.kind == "text":
            words = next((w for key in (*keys, *facet.aliases) if (w := param_value(params, key))), "")
            if words:
                texts[fid] = words
        else:
            given = [key for key in (*keys, *facet.aliases) if key in params]
            items = [v for key in given for v in _values(params, key)]
            if ALL_VALUES in items:  # every value: no restriction, whatever the default
                continue
            if not given:
                items = list(facet.default)
            if facet.is_country:
                items = [v.upper() for v in items]
            allowed = choices.get(fid)
            if allowed is not None:
                found, bad = canonical_values(items, allowed)
                if bad:
                    notices.append(
                        Message(
                            "ignored unknown {facet} value(s) {values}",
                            facet=SpecText(facet.label, facet.label.lower()),
                            values=", ".join(bad),
                        )
                    )
                items = list(found)
            kwargs[fid] = tuple(items)
    raw_year = param_value(params, "as_of_year")
    as_of_year = _ints(raw_year, "as_of_year", notices) if raw_year else None
    return FilterState(layers, texts=texts, as_of_year=as_of_year, **kwargs), notices


def _matches_any(frame: pd.DataFrame, columns: Iterable[str], wanted: set[str]) -> pd.Series:
    """Records whose value in any of ``columns`` is one of ``wanted`` (list cells: any item).

    Vectorised: each distinct cell is split once, and the codes are compared as arrays.
    """
    mask = np.zeros(len(frame), dtype=bool)
    for column in columns:
        if column not in frame.columns:
            continue
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
        hits = np.array([bool(wanted.intersection(split_list(u))) for u in uniques] + [False], dtype=bool)
        mask |= hits[np.asarray(codes)]
    return pd.Series(mask, index=frame.index)


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
    """The records of one layer that the state keeps.

    A facet the layer does not map to fields leaves it unfiltered, except text: a layer
    with no searched fields is searched in its label field.
    """
    if state.as_of_year is not None and layer.facet_fields(YEAR_FACET):
        frame = status_as_of(frame, layer, state.as_of_year)  # filters and outputs see the status then
    mask = pd.Series(True, index=frame.index)
    for fid, values in state.choices:
        columns = layer.facet_fields(fid)
        if columns:
            mask &= _matches_any(frame, columns, set(values))
    for fid, low, high in state.ranges:
        columns = layer.facet_fields(fid)
        if columns:
            mask &= _in_range(frame, columns, low, high)
    for fid, words in state.texts:
        columns = layer.facet_fields(fid) or ((layer.label_field,) if fid == "search" else ())
        if columns:
            mask &= _search_mask(frame, columns, words)
    if state.as_of_year is not None and layer.facet_fields(YEAR_FACET):
        mask &= active_in_year(frame, layer, state.as_of_year)
    return frame[mask.to_numpy()]


#: The facet that holds a record's year (``[filters] year`` in a layer spec): the as-of
#: rule reads it.
YEAR_FACET = "year"
#: Values that end a record (in any schema field that allows them, e.g. a status): its year
#: is when it ended, and it is shown only before.
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
    * a record whose status ends it (``cancelled``, in a schema field that allows that
      value) counts its year as the end: it is shown in the years before (since when is not
      known) and hidden from that year on;
    * a record with no year cannot be placed in time and is left out of an as-of view;
    * a record with a dated status history (a ``status_history`` field, e.g.
      ``"2019:designated; 2024:awarded"``) starts at its first entry, and when it was
      cancelled it is shown from that first entry until the year before the cancellation.
    """
    start = pd.Series(float("nan"), index=frame.index)
    for column in layer.facet_fields(YEAR_FACET):
        if column in frame.columns:
            start = start.fillna(pd.to_numeric(frame[column], errors="coerce").astype(float))
    ended = pd.Series(False, index=frame.index)
    ending_fields = [n for n, f in layer.schema.fields.items() if f.allowed and ENDING_STATUSES & set(f.allowed)]
    for column in ending_fields:
        if column in frame.columns:
            ended |= frame[column].isin(ENDING_STATUSES).fillna(False).astype(bool)
    end = (
        pd.to_numeric(frame[END_YEAR_FIELD], errors="coerce").astype(float)
        if END_YEAR_FIELD in frame.columns
        else pd.Series(float("nan"), index=frame.index)
    )
    first = start.where(~ended, float("-inf"))
    last = end.fillna(float("inf")).where(~ended, start - 1)
    for _field, histories in _histories(frame, layer):
        for index, history in histories.items():
            opened = next((year for year, status in history if status not in ENDING_STATUSES), None)
            if opened is None:
                continue
            if pd.isna(start[index]) or opened < start[index] or ended[index]:
                first[index] = opened
            if pd.isna(start[index]):
                start[index] = opened
                if not ended[index]:
                    last[index] = end[index] if pd.notna(end[index]) else float("inf")
            closing = [year for year, status in history if status in ENDING_STATUSES]
            if ended[index] and closing:
                last[index] = closing[-1] - 1
    dated = start.notna()
    return pd.DataFrame({"first": first.where(dated), "last": last.where(dated)}, index=frame.index)


def _histories(frame: pd.DataFrame, layer: Layer) -> list[tuple[str, dict[Any, list[tuple[int, str]]]]]:
    """``(field, {index: [(year, status), ...]})`` for each status field of the layer that has a
    dated history in the frame (only the records whose history is filled in)."""
    out = []
    for spec in layer.schema.fields.values():
        current = spec.name.removesuffix(HISTORY_SUFFIX)
        if spec.type != "status_history" or spec.name not in frame.columns or current not in frame.columns:
            continue
        parsed = {
            index: history
            for index, value in frame[spec.name].items()
            if (history := parse_status_history(value) if isinstance(value, str) else [])
        }
        if parsed:
            out.append((current, parsed))
    return out


def status_as_of(frame: pd.DataFrame, layer: Layer, year: int) -> pd.DataFrame:
    """The frame with each status that has a dated history set to the status that held in
    ``year`` (its last entry up to that year); records without a history, or with none
    that early, keep their current status. The index and the other columns are unchanged."""
    histories = _histories(frame, layer)
    if not histories:
        return frame
    frame = frame.copy()
    for field, parsed in histories:
        values = frame[field].astype(object)
        for index, history in parsed.items():
            held = [status for when, status in history if when <= year]
            if held:
                values[index] = held[-1]
        frame[field] = values.astype(frame[field].dtype)
    return frame


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
    """The values present in the data for each choice facet (for widgets and URL checks)."""
    out: dict[str, set[str]] = {fid: set() for fid, f in catalogue.facets.items() if f.kind == "choice"}
    for lid, frame in layers.items():
        layer = catalogue[lid]
        for fid in out:
            for column in layer.facet_fields(fid):
                if column in frame.columns:
                    for value in frame[column].dropna().unique():
                        out[fid].update(split_list(value))
    return {k: sorted(v) for k, v in out.items()}


def facet_bounds(
    layers: Mapping[str, gpd.GeoDataFrame], catalogue: Catalogue, facet: str
) -> tuple[float, float] | None:
    """Smallest and largest value of a range facet in the data (None when it has none)."""
    low, high = float("inf"), float("-inf")
    for lid, frame in layers.items():
        for column in catalogue[lid].facet_fields(facet):
            if column in frame.columns:
                values = pd.to_numeric(frame[column], errors="coerce").dropna()
                if len(values):
                    low, high = min(low, float(values.min())), max(high, float(values.max()))
    return (low, high) if low <= high else None
