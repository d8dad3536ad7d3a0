"""One selection: the records a filter keeps, computed once and shared by every output.

The map, the tables, the exports, the snapshots and the self-contained HTML all take a
:class:`Selection`, so they can never disagree about what "what I see" means, and no output
filters again by itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import geopandas as gpd

from .catalogue import Catalogue, Layer
from .data import Bundle
from .i18n import Translator
from .query import FilterState, apply_filter


@dataclass(frozen=True)
class Selection:
    """The filtered records of every selected layer, with what they came from.

    Attributes
    ----------
    bundle
        The loaded data the selection was made from (countries, catalogue, report).
    filters
        The filter that made it.
    frames
        ``{layer_id: GeoDataFrame}`` of the records kept, in catalogue order. Frames keep
        the index of the full layer, so per-layer caches can be looked up by index.
    """

    bundle: Bundle
    filters: FilterState
    frames: Mapping[str, gpd.GeoDataFrame] = field(repr=False)

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue of the bundle."""
        return self.bundle.catalogue

    @property
    def countries(self) -> gpd.GeoDataFrame:
        """The country polygons with their attributes."""
        return self.bundle.countries

    def layers(self) -> Iterator[tuple[Layer, gpd.GeoDataFrame]]:
        """``(layer spec, records)`` for each selected layer, in catalogue order."""
        for lid, frame in self.frames.items():
            yield self.catalogue[lid], frame

    @property
    def counts(self) -> dict[str, int]:
        """Records kept per layer."""
        return {lid: len(frame) for lid, frame in self.frames.items()}

    @property
    def total(self) -> int:
        """Records kept in all layers."""
        return sum(self.counts.values())

    def attributions(self) -> list[str]:
        """Distinct attributions of the selected layers and the countries, in order."""
        names = [layer.attribution for layer, _ in self.layers()] + [self.catalogue.countries.attribution]
        return list(dict.fromkeys(names))

    @property
    def as_of(self) -> str:
        """The newest as-of date of the selected bundled layers and the countries: the date
        of the data the project publishes (an upload's date is :attr:`uploads_as_of`)."""
        added = self.catalogue.added
        return max(
            [layer.as_of for layer, _ in self.layers() if layer.id not in added] + [self.catalogue.countries.as_of]
        )

    @property
    def uploads_as_of(self) -> str:
        """The newest upload date of the selected layers added to the bundle (a user's
        uploads), or "" when none is selected; outputs name it next to :attr:`as_of`."""
        added = self.catalogue.added
        return max((layer.as_of for layer, _ in self.layers() if layer.id in added), default="")


def dates_text(selection: Selection, tr: Translator) -> str:
    """The selection's as-of date for people, in ``tr``'s language, with the upload date
    named after it when uploads are shown, e.g. ``1 December 2026 (your uploads: added
    3 December 2026)``: the bundled data's date is never replaced by an upload's."""
    text = tr.date(selection.as_of)
    if selection.uploads_as_of:
        text = tr.gettext("{date} (your uploads: added {added})").format(
            date=text, added=tr.date(selection.uploads_as_of)
        )
    return text


def select(bundle: Bundle, filters: FilterState | None = None) -> Selection:
    """Filter the bundle once.

    Raises
    ------
    FilterError
        If the filter names a layer the catalogue does not have (the message lists them).
    """
    filters = filters or FilterState()
    return Selection(bundle=bundle, filters=filters, frames=apply_filter(bundle.layers, bundle.catalogue, filters))
