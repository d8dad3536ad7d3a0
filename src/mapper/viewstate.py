"""The full view state of the explorer (filters, choropleth, basemap, centre and zoom) and
its round trip through the URL query string. Bad or stale parameters never raise: they
give the nearest valid view and a notice."""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import xyzservices.providers as xyz

from .data import Bundle
from .facets import Facet
from .geo import display_lon
from .i18n import LANGUAGES, Message, normalise_language
from .query import YEAR_FACET, FilterState, facet_bounds, facet_choices, from_query, param_value
from .style import SCHEMES, Choropleth, categorical_attributes, numeric_attributes
from .workspace import is_id

#: Initial view: the Indo-Pacific.
DEFAULT_CENTER = (12.0, 120.0)
DEFAULT_ZOOM = 3


def tile_providers() -> dict[str, str]:
    """Online basemaps offered by name (xyzservices), for when the network is there.

    Providers that need an API key (CartoDB since 2025, say) are left out: xyzservices warns
    when their URL is built, and the tiles would not load without the key. Looked up once
    per process (each lookup scans xyzservices' whole catalogue; the map page asks on every
    run): a copy is returned.
    """
    return dict(_tile_providers())


@functools.cache
def _tile_providers() -> dict[str, str]:
    names = ["Esri.WorldGrayCanvas", "OpenStreetMap.Mapnik", "Esri.WorldImagery", "Esri.OceanBasemap", "OpenTopoMap"]
    out = {}
    for name in names:
        try:
            provider = xyz.query_name(name)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                provider.build_url()
        except (ValueError, UserWarning):
            continue
        if not provider.requires_token():
            out[name] = provider.name
    return out


@dataclass(frozen=True)
class MapView:
    """Centre and zoom of the map (as the app and URL keep them)."""

    center: tuple[float, float] = DEFAULT_CENTER
    zoom: int = DEFAULT_ZOOM


@dataclass(frozen=True)
class ViewState:
    """Everything a shared link must reproduce."""

    filters: FilterState = field(default_factory=FilterState)
    choropleth: str | None = None
    scheme: str = "quantiles"
    classes: int = 5
    basemap: str | None = None
    view: MapView = field(default_factory=MapView)
    #: True when the user deselected every layer: nothing is drawn or exported.
    layers_off: bool = False
    #: The open workspace (its uploads are layers of the bundle), by id; see
    #: :mod:`mapper.workspace`. Its id is checked against the store by the app.
    workspace: str | None = None
    #: The language picked in the app or given by the link (``en``, ``ja``); None: the browser's.
    lang: str | None = None
    #: The catalogue's facet defaults (``((facet, values), ...)``, see
    #: :meth:`~mapper.catalogue.Catalogue.facet_defaults`), so that links leave a facet at its
    #: default out and write ``*`` for one cleared to show every value.
    defaults: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def choropleth_spec(self) -> Choropleth | None:
        """The choropleth to draw, or None."""
        return Choropleth(self.choropleth, self.scheme, self.classes) if self.choropleth else None

    def to_query(self) -> dict[str, str]:
        """Query-string parameters; defaults are left out so links stay short."""
        params = {WORKSPACE_PARAM: self.workspace} if self.workspace else {}
        params.update(self.filters.to_query(dict(self.defaults)))
        if self.layers_off:
            params["layers"] = NO_LAYERS
        if self.choropleth:
            params["choropleth"] = self.choropleth
            params["scheme"] = self.scheme
            if self.classes != 5:
                params["classes"] = str(self.classes)
        if self.basemap:
            params["basemap"] = self.basemap
        if self.view != MapView():
            params["lat"] = f"{self.view.center[0]:.4f}"
            params["lon"] = f"{self.view.center[1]:.4f}"
            params["zoom"] = str(self.view.zoom)
        if self.lang:
            params["lang"] = self.lang
        return params


@dataclass(frozen=True)
class Report:
    """What the map component reported last, and whether a new component's first report
    (the base map's initial view, sent before the runtime applied the pushed view) is due."""

    last: MapView | None = None
    awaiting_first: bool = False


def take_report(result: Mapping[str, object] | None, report: Report) -> tuple[MapView | None, Report]:
    """Read the map's report: the view to adopt (None when there is nothing new) and the
    report state to keep.

    The app never pushes this view back into the map, so no feedback loop can start: a
    report equal to the last one is ignored, and so is a new component's first report of
    the base map's default view.

    Examples
    --------
    >>> result = {"center": {"lat": 10.0, "lng": 100.0}, "zoom": 5}
    >>> view, report = take_report(result, Report())
    >>> view
    MapView(center=(10.0, 100.0), zoom=5)
    >>> take_report(result, report)[0] is None
    True
    """
    result = result or {}
    center, zoom = result.get("center"), result.get("zoom")
    if not isinstance(center, Mapping) or not isinstance(zoom, int | float):
        return None, report
    try:
        lat, lng = float(center["lat"]), float(center["lng"])
    except (KeyError, TypeError, ValueError):
        return None, report
    reported = MapView((round(lat, 4), round(display_lon(lng), 4)), int(zoom))
    if reported == report.last:
        return None, report
    if report.awaiting_first and reported == MapView():
        return None, Report(reported, True)
    return reported, Report(reported, False)


def view_from_query(params: Mapping[str, str | Iterable[str]], bundle: Bundle) -> tuple[ViewState, list[str]]:
    """The nearest valid view for URL parameters, and a notice per value dropped or fixed.

    The workspace parameter (``ws``) is kept when it looks like an id; whether the store
    holds it is for the caller to check (:func:`mapper.userlayers.resolve_link`), before it
    loads the workspace's layers into ``bundle`` so that ``layers=`` can name them.
    """
    catalogue = bundle.catalogue
    layers_off = param_value(params, "layers") == NO_LAYERS
    if layers_off:
        params = {k: v for k, v in params.items() if k != "layers"}
    filters, notices = from_query(params, catalogue, Controls.for_bundle(bundle).choices)
    state = ViewState(filters=filters, layers_off=layers_off, defaults=tuple(catalogue.facet_defaults().items()))
    choropleth = param_value(params, "choropleth")
    if choropleth:
        spec = catalogue.countries
        allowed = numeric_attributes(spec) + categorical_attributes(spec)
        if choropleth in allowed:
            state = replace(state, choropleth=choropleth)
        else:
            notices.append(
                Message(
                    "ignored choropleth={value}: not a country attribute that can colour the map",
                    value=repr(choropleth),
                )
            )
    scheme = param_value(params, "scheme")
    if scheme:
        if scheme in SCHEMES:
            state = replace(state, scheme=scheme)
        else:
            notices.append(
                Message("ignored scheme={value}: use one of {choices}", value=repr(scheme), choices=", ".join(SCHEMES))
            )
    classes = param_value(params, "classes")
    if classes:
        if classes.isdigit() and 2 <= int(classes) <= 7:
            state = replace(state, classes=int(classes))
        else:
            notices.append(Message("ignored classes={value}: use a whole number from 2 to 7", value=repr(classes)))
    basemap = param_value(params, "basemap")
    if basemap:
        if basemap in tile_providers():
            state = replace(state, basemap=basemap)
        else:
            notices.append(
                Message(
                    "ignored basemap={value}: use one of {choices}",
                    value=repr(basemap),
                    choices=", ".join(tile_providers()),
                )
            )
    workspace = param_value(params, WORKSPACE_PARAM)
    if workspace:
        if is_id(workspace):
            state = replace(state, workspace=workspace)
        else:
            notices.append(
                Message(
                    "ignored ws={value}: not a workspace id (copy the link again from the app)", value=repr(workspace)
                )
            )
    lat, lon, zoom = param_value(params, "lat"), param_value(params, "lon"), param_value(params, "zoom")
    if lat or lon or zoom:
        try:
            lat_f = float(lat) if lat else DEFAULT_CENTER[0]
            lon_f = float(lon) if lon else DEFAULT_CENTER[1]
            zoom_i = int(zoom) if zoom else DEFAULT_ZOOM
            if not (-85 <= lat_f <= 85 and -180 <= lon_f <= 540 and 1 <= zoom_i <= 18):
                raise ValueError
            state = replace(state, view=MapView((lat_f, lon_f), zoom_i))
        except ValueError:
            notices.append(
                Message(
                    "ignored the map position lat={lat}, lon={lon}, zoom={zoom}: out of range",
                    lat=repr(lat),
                    lon=repr(lon),
                    zoom=repr(zoom),
                )
            )
    lang = param_value(params, "lang")
    if lang:
        if normalise_language(lang):
            state = replace(state, lang=normalise_language(lang))
        else:
            notices.append(
                Message("ignored lang={value}: use one of {choices}", value=repr(lang), choices=", ".join(LANGUAGES))
            )
    return state, notices


#: URL parameters of the open workspace and of a saved view of it.
WORKSPACE_PARAM = "ws"
VIEW_PARAM = "view"
NO_CHOROPLETH = "(none)"
#: The ``layers`` URL value when every layer is switched off.
NO_LAYERS = "none"
NO_TILES = "(none: offline)"


@dataclass(frozen=True)
class Controls:
    """The explorer's controls: what the widgets offer (choices and ranges, from the data)
    and the mapping between widget values (by widget key) and a :class:`ViewState`.

    There is one filter widget per declared facet that some layer uses (see
    :mod:`mapper.facets`), keyed ``f_<facet id>``. Ranges left at their full extent mean
    "no restriction", so records without a value stay visible until the user narrows them.
    """

    layers: tuple[str, ...]
    facets: dict[str, Facet]
    #: Values offered per choice facet (countries sorted by name).
    choices: dict[str, list[str]]
    #: Slider extent per range facet (only facets whose data spans a range).
    ranges: dict[str, tuple[float, float]]
    #: Country names by ISO3 code (for labels and sorting).
    names: dict[str, str] = field(default_factory=dict)
    #: Declared defaults of choice facets (picked when a view starts or filters are reset).
    defaults: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def for_bundle(cls, bundle: Bundle) -> Controls:
        """Controls for a bundle. The country choices are the countries that have records in
        some layer, sorted by name."""
        catalogue = bundle.catalogue
        facets = catalogue.facets_of()
        choices = {fid: v for fid, v in facet_choices(bundle.layers, catalogue).items() if fid in facets}
        names = {str(k): str(v) for k, v in zip(bundle.countries["iso3"], bundle.countries["name"], strict=True)}
        for fid, facet in facets.items():
            if facet.is_country:
                choices[fid] = sorted(choices.get(fid, []), key=lambda c: (names.get(c, c).casefold(), c))
        ranges: dict[str, tuple[float, float]] = {}
        for fid, facet in facets.items():
            if facet.kind != "range":
                continue
            bounds = facet_bounds(bundle.layers, catalogue, fid)
            if bounds is None:
                continue
            low, high = bounds
            if facet.integer or high - low >= 10:
                low, high = math.floor(low), math.ceil(high)
            if low < high:
                ranges[fid] = (low, high)
        defaults = {fid: values for fid, values in catalogue.facet_defaults().items() if fid in facets}
        return cls(tuple(catalogue), facets, choices, ranges, names, defaults)

    def default_filters(self) -> FilterState:
        """What a new view shows: every layer, each facet at its declared default."""
        return FilterState(**self.defaults)

    @staticmethod
    def key(facet: str) -> str:
        """The widget key of a facet."""
        return f"f_{facet}"

    def country_label(self, iso3: str) -> str:
        """``"Lao PDR (LAO)"`` for a code."""
        return f"{self.names.get(iso3, iso3)} ({iso3})"

    def filter_values(self, filters: FilterState) -> dict[str, object]:
        """Widget values that show ``filters``."""
        out: dict[str, object] = {"w_layers": list(filters.layers) or list(self.layers)}
        for fid, facet in self.facets.items():
            key = self.key(fid)
            if facet.kind == "choice":
                offered = set(self.choices.get(fid, ()))
                out[key] = [v for v in filters.choice(fid) if v in offered]
            elif facet.kind == "range":
                if fid not in self.ranges:
                    continue
                lo, hi = self.ranges[fid]
                low, high = filters.range(fid)
                out[key] = (
                    lo if low is None else type(lo)(min(max(low, lo), hi)),
                    hi if high is None else type(hi)(max(min(high, hi), lo)),
                )
            else:
                out[key] = filters.text(fid)
        years = self.ranges.get(YEAR_FACET)
        if years:
            lo, hi = (int(v) for v in years)
            out["w_as_of_on"] = filters.as_of_year is not None
            out["w_as_of"] = hi if filters.as_of_year is None else min(max(filters.as_of_year, lo), hi)
        return out

    def values(self, view: ViewState) -> dict[str, object]:
        """Widget values that show ``view`` (filters, choropleth and basemap)."""
        return {
            **self.filter_values(view.filters),
            "w_choropleth": view.choropleth or NO_CHOROPLETH,
            "w_scheme": view.scheme,
            "w_classes": view.classes,
            "w_basemap": view.basemap or NO_TILES,
            **({"w_layers": []} if view.layers_off else {}),
        }

    def filters(self, values: Mapping[str, object]) -> FilterState:
        """The filters the widget values describe. Missing or malformed values (a widget not
        rendered, a single number for a range) mean no restriction: never an exception."""
        layers = [lid for lid in (values.get("w_layers") or []) if lid in self.layers]
        kwargs: dict[str, object] = {}
        texts: dict[str, str] = {}
        for fid, facet in self.facets.items():
            raw = values.get(self.key(fid))
            if facet.kind == "choice":
                kwargs[fid] = tuple(str(v) for v in raw) if isinstance(raw, list | tuple) else ()
            elif facet.kind == "range" and fid in self.ranges:
                lo, hi = self.ranges[fid]
                low, high = _pair(raw, (lo, hi))
                kwargs[fid] = (low if low > lo else None, high if high < hi else None)
            elif facet.kind == "text":
                texts[fid] = str(raw or "")
        return FilterState(
            () if not layers or set(layers) == set(self.layers) else tuple(layers),
            texts=texts,
            as_of_year=_as_of(values, self.ranges.get(YEAR_FACET)),
            **kwargs,
        )

    def view(self, values: Mapping[str, object], map_view: MapView, *, workspace: str | None = None) -> ViewState:
        """The view the widget values describe (``layers_off`` when no layer is selected),
        in the open ``workspace``."""
        layers = [lid for lid in (values.get("w_layers") or []) if lid in self.layers]
        choropleth = values.get("w_choropleth")
        basemap = values.get("w_basemap")
        scheme = str(values.get("w_scheme") or "quantiles")
        classes = values.get("w_classes")
        return ViewState(
            filters=self.filters(values),
            choropleth=None if choropleth in (None, NO_CHOROPLETH) else str(choropleth),
            scheme=scheme if scheme in SCHEMES else "quantiles",
            classes=int(classes) if isinstance(classes, int) and 2 <= classes <= 7 else 5,
            basemap=None if basemap in (None, NO_TILES) else str(basemap),
            view=map_view,
            layers_off=not layers,
            workspace=workspace,
            lang=normalise_language(values.get("w_lang")),
            defaults=tuple(self.defaults.items()),
        )


def _as_of(values: Mapping[str, object], years: tuple[float, float] | None) -> int | None:
    """The as-of year when the year control is on (clamped to the data's years), else None."""
    if not values.get("w_as_of_on") or years is None:
        return None
    low, high = (int(v) for v in years)
    year = values.get("w_as_of")
    if not isinstance(year, int | float) or isinstance(year, bool):
        return high
    return int(min(max(year, low), high))


def _pair(value: object, default: tuple[float, float]) -> tuple[float, float]:
    """A (low, high) range from a slider value, in the default's number type; the default
    for anything else."""
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        low, high = sorted(value)
        kind = type(default[0])
        return kind(low), kind(high)
    return default
