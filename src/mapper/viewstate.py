"""The full view state of the explorer (filters, choropleth, basemap, centre and zoom) and
its round trip through the URL query string. Bad or stale parameters never raise: they
give the nearest valid view and a notice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from .data import Bundle
from .query import FilterState, facet_choices, from_query
from .style import SCHEMES, Choropleth, categorical_attributes, numeric_attributes
from .webmap import DEFAULT_CENTER, DEFAULT_ZOOM, MapView, tile_providers


@dataclass(frozen=True)
class ViewState:
    """Everything a shared link must reproduce."""

    filters: FilterState = field(default_factory=FilterState)
    choropleth: str | None = None
    scheme: str = "quantiles"
    classes: int = 5
    basemap: str | None = None
    view: MapView = field(default_factory=MapView)

    def choropleth_spec(self) -> Choropleth | None:
        """The choropleth to draw, or None."""
        return Choropleth(self.choropleth, self.scheme, self.classes) if self.choropleth else None

    def to_query(self) -> dict[str, str]:
        """Query-string parameters; defaults are left out so links stay short."""
        params = self.filters.to_query()
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
    """The nearest valid view for URL parameters, and a notice per value dropped or fixed."""
    catalogue = bundle.catalogue
    choices = facet_choices(bundle.layers, catalogue)
    # any country on the map may be filtered on, not only those with records
    choices["countries"] = sorted(set(choices["countries"]) | set(bundle.countries["iso3"]))
    filters, notices = from_query(params, catalogue, choices)
    state = ViewState(filters=filters)
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
