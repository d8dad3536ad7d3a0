"""The full view state of the explorer (filters, choropleth, basemap, centre and zoom) and
its round trip through the URL query string. Bad or stale parameters never raise: they
give the nearest valid view and a notice."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import xyzservices.providers as xyz

from .data import Bundle
from .query import FilterState, capacity_bounds, facet_choices, from_query, year_bounds
from .style import SCHEMES, Choropleth, categorical_attributes, numeric_attributes
from .workspace import is_id

#: Initial view: the Indo-Pacific.
DEFAULT_CENTER = (12.0, 120.0)
DEFAULT_ZOOM = 3


def tile_providers() -> dict[str, str]:
    """Online basemaps offered by name (xyzservices), for when the network is there.

    Providers that need an API key (CartoDB since 2025, say) are left out: xyzservices warns
    when their URL is built, and the tiles would not load without the key.
    """
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

    def choropleth_spec(self) -> Choropleth | None:
        """The choropleth to draw, or None."""
        return Choropleth(self.choropleth, self.scheme, self.classes) if self.choropleth else None

    def to_query(self) -> dict[str, str]:
        """Query-string parameters; defaults are left out so links stay short."""
        params = {WORKSPACE_PARAM: self.workspace} if self.workspace else {}
        params.update(self.filters.to_query())
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
        return params


def _one(params: Mapping[str, str | Iterable[str]], key: str) -> str | None:
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        items = list(value)
        value = items[-1] if items else None
    return value.strip() if value else None


def view_from_query(params: Mapping[str, str | Iterable[str]], bundle: Bundle) -> tuple[ViewState, list[str]]:
    """The nearest valid view for URL parameters, and a notice per value dropped or fixed.

    The workspace parameter (``ws``) is kept when it looks like an id; whether the store
    holds it is for the caller to check (:func:`mapper.userlayers.resolve_link`), before it
    loads the workspace's layers into ``bundle`` so that ``layers=`` can name them.
    """
    catalogue = bundle.catalogue
    layers_off = _one(params, "layers") == NO_LAYERS
    if layers_off:
        params = {k: v for k, v in params.items() if k != "layers"}
    filters, notices = from_query(params, catalogue, Controls.for_bundle(bundle).choices)
    state = ViewState(filters=filters, layers_off=layers_off)
    choropleth = _one(params, "choropleth")
    if choropleth:
        spec = catalogue.countries
        allowed = numeric_attributes(spec) + categorical_attributes(spec)
        if choropleth in allowed:
            state = replace(state, choropleth=choropleth)
        else:
            notices.append(f"ignored choropleth={choropleth!r}: not a country attribute that can colour the map")
    scheme = _one(params, "scheme")
    if scheme:
        if scheme in SCHEMES:
            state = replace(state, scheme=scheme)
        else:
            notices.append(f"ignored scheme={scheme!r}: use one of {', '.join(SCHEMES)}")
    classes = _one(params, "classes")
    if classes:
        if classes.isdigit() and 2 <= int(classes) <= 7:
            state = replace(state, classes=int(classes))
        else:
            notices.append(f"ignored classes={classes!r}: use a whole number from 2 to 7")
    basemap = _one(params, "basemap")
    if basemap:
        if basemap in tile_providers():
            state = replace(state, basemap=basemap)
        else:
            notices.append(f"ignored basemap={basemap!r}: use one of {', '.join(tile_providers())}")
    workspace = _one(params, WORKSPACE_PARAM)
    if workspace:
        if is_id(workspace):
            state = replace(state, workspace=workspace)
        else:
            notices.append(f"ignored ws={workspace!r}: not a workspace id (copy the link again from the app)")
    lat, lon, zoom = _one(params, "lat"), _one(params, "lon"), _one(params, "zoom")
    if lat or lon or zoom:
        try:
            lat_f = float(lat) if lat else DEFAULT_CENTER[0]
            lon_f = float(lon) if lon else DEFAULT_CENTER[1]
            zoom_i = int(zoom) if zoom else DEFAULT_ZOOM
            if not (-85 <= lat_f <= 85 and -180 <= lon_f <= 540 and 1 <= zoom_i <= 18):
                raise ValueError
            state = replace(state, view=MapView((lat_f, lon_f), zoom_i))
        except ValueError:
            notices.append(f"ignored the map position lat={lat!r}, lon={lon!r}, zoom={zoom!r}: out of range")
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

    Ranges that are left at their full extent mean "no restriction", so records without a
    year or a capacity stay visible until the user narrows the range.
    """

    layers: tuple[str, ...]
    choices: dict[str, list[str]]
    years: tuple[int, int]
    capacity: tuple[int, int]
    #: Country names by ISO3 code (for labels and sorting).
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_bundle(cls, bundle: Bundle) -> Controls:
        """Controls for the bundled data. The country choices are the countries that have
        records in some layer, sorted by name."""
        catalogue = bundle.catalogue
        choices = facet_choices(bundle.layers, catalogue)
        names = {str(k): str(v) for k, v in zip(bundle.countries["iso3"], bundle.countries["name"], strict=True)}
        choices["countries"] = sorted(choices["countries"], key=lambda c: (names.get(c, c).casefold(), c))
        low, high = (int(v) for v in capacity_bounds(bundle.layers, catalogue))
        years = year_bounds(bundle.layers, catalogue)
        return cls(tuple(catalogue), choices, years, (low, max(high, low + 1)), names)

    def country_label(self, iso3: str) -> str:
        """``"Lao PDR (LAO)"`` for a code."""
        return f"{self.names.get(iso3, iso3)} ({iso3})"

    def filter_values(self, filters: FilterState) -> dict[str, object]:
        """Widget values that show ``filters``."""
        (y0, y1), (c0, c1) = self.years, self.capacity
        return {
            "w_layers": list(filters.layers) or list(self.layers),
            "w_partnerships": list(filters.partnerships),
            "w_countries": [c for c in filters.countries if c in self.choices["countries"]],
            "w_statuses": list(filters.statuses),
            "w_technologies": list(filters.technologies),
            "w_years": (
                y0 if filters.year_from is None else min(max(filters.year_from, y0), y1),
                y1 if filters.year_to is None else max(min(filters.year_to, y1), y0),
            ),
            "w_capacity": (
                c0 if filters.capacity_min is None else min(max(round(filters.capacity_min), c0), c1),
                c1 if filters.capacity_max is None else max(min(round(filters.capacity_max), c1), c0),
            ),
            "w_search": filters.search,
        }

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

    def view(self, values: Mapping[str, object], map_view: MapView, *, workspace: str | None = None) -> ViewState:
        """The view the widget values describe (``layers_off`` when no layer is selected),
        in the open ``workspace``.

        Missing or malformed range values (a widget not rendered, a single number) count
        as the full range: never an exception.
        """
        layers = [lid for lid in (values.get("w_layers") or []) if lid in self.layers]
        (y0, y1), (c0, c1) = self.years, self.capacity
        years = _pair(values.get("w_years"), (y0, y1))
        capacity = _pair(values.get("w_capacity"), (c0, c1))
        filters = FilterState(
            layers=() if not layers or set(layers) == set(self.layers) else tuple(layers),
            partnerships=tuple(values.get("w_partnerships") or ()),
            countries=tuple(values.get("w_countries") or ()),
            statuses=tuple(values.get("w_statuses") or ()),
            technologies=tuple(values.get("w_technologies") or ()),
            year_from=years[0] if years[0] > y0 else None,
            year_to=years[1] if years[1] < y1 else None,
            capacity_min=capacity[0] if capacity[0] > c0 else None,
            capacity_max=capacity[1] if capacity[1] < c1 else None,
            search=str(values.get("w_search") or ""),
        )
        choropleth = values.get("w_choropleth")
        basemap = values.get("w_basemap")
        scheme = str(values.get("w_scheme") or "quantiles")
        classes = values.get("w_classes")
        return ViewState(
            filters=filters,
            choropleth=None if choropleth in (None, NO_CHOROPLETH) else str(choropleth),
            scheme=scheme if scheme in SCHEMES else "quantiles",
            classes=int(classes) if isinstance(classes, int) and 2 <= classes <= 7 else 5,
            basemap=None if basemap in (None, NO_TILES) else str(basemap),
            view=map_view,
            layers_off=not layers,
            workspace=workspace,
        )


def _pair(value: object, default: tuple[int, int]) -> tuple[int, int]:
    """A (low, high) range from a slider value; the default for anything else."""
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        low, high = sorted(value)
        return int(low), int(high)
    return default
