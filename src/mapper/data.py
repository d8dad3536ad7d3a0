"""Load the whole bundle: catalogue, validated and enriched layers, countries, report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import geopandas as gpd
import shapely

from . import _diskcache
from ._errors import Problem, SpecError
from .catalogue import Catalogue, Layer, load_catalogue
from .enrich import check_locations, countries_frame, enrich_layer
from .io import read_layer_file
from .validate import ValidationReport, read_attributes, read_checked


@dataclass(frozen=True)
class EnrichedLayer:
    """An extra layer (e.g. an upload) with its records enriched by :meth:`Bundle.enrich`
    and its consistency findings, ready for :meth:`Bundle.with_enriched_layers`."""

    layer: Layer
    frame: gpd.GeoDataFrame
    findings: list[Problem]


@dataclass
class Bundle:
    """Everything the map, exports and snapshots need, loaded and checked once."""

    catalogue: Catalogue
    layers: dict[str, gpd.GeoDataFrame]
    countries: gpd.GeoDataFrame
    report: ValidationReport
    #: Derived, read-only artefacts computed once per bundle (e.g. the countries' GeoJSON).
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def land(self) -> shapely.Geometry:
        """Union of the country polygons (the coastline reference), computed once."""
        if "land" not in self.cache:
            self.cache["land"] = shapely.union_all(self.countries.geometry.values)
        return self.cache["land"]

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        """One layer's records; unknown ids raise an error listing the valid ones."""
        self.catalogue[layer_id]  # raises UnknownLayerError with the choices
        return self.layers[layer_id]

    def with_layers(self, extra: Iterable[tuple[Layer, gpd.GeoDataFrame]]) -> Bundle:
        """A new bundle with more layers (e.g. uploads: :func:`mapper.upload.upload_layer`)
        after the catalogue's own; this bundle is not changed.

        Each extra layer is enriched like a bundled one (country names and attributes,
        measures) and its consistency findings (a point outside the country it names) are
        added to the new bundle's report as warnings. Selections, the web map
        (``MapAssets``), tables, exports, snapshots and the HTML export then take the extra
        layers as they take the bundled ones.

        Raises
        ------
        SpecError
            If an extra layer's id is already used, or its filters or own facets clash with
            the catalogue's (see :meth:`mapper.catalogue.Catalogue.with_layers`).
        """
        return self.with_enriched_layers(EnrichedLayer(layer, *self.enrich(layer, frame)) for layer, frame in extra)

    def enrich(
        self, layer: Layer, frame: gpd.GeoDataFrame, *, check: bool = True
    ) -> tuple[gpd.GeoDataFrame, list[Problem]]:
        """A layer's records enriched against this bundle's countries (names, attributes,
        measures), indexed 0..n-1, and its consistency findings; what :meth:`with_layers`
        does to each extra layer, for a caller that keeps the result (an upload's layer is
        enriched once, not at every change of its workspace). With ``check=False`` the
        findings are left for :meth:`check` (the records are the same)."""
        needs_land = any(m in ("coast_distance_km", "land_share_pct") for m in layer.measures)
        enriched, findings = enrich_layer(
            frame, layer, self.countries, self.catalogue.countries, self.land if needs_land else None, check=check
        )
        return enriched.reset_index(drop=True), findings

    def check(self, layer: Layer, enriched: gpd.GeoDataFrame) -> list[Problem]:
        """The consistency findings of records :meth:`enrich` gave with ``check=False`` (a
        point outside the country it names, ...): what ``check=True`` adds."""
        return check_locations(enriched, layer, self.countries)

    def with_enriched_layers(self, extra: Iterable[EnrichedLayer]) -> Bundle:
        """:meth:`with_layers` for layers already enriched by :meth:`enrich` of a bundle with
        the same countries (the frames are taken as they are, not copied)."""
        extra = list(extra)
        ids = [item.layer.id for item in extra]
        if len(set(ids)) != len(ids):
            raise SpecError(", ".join(ids), [f"the added layers share ids ({', '.join(ids)}); give each its own id"])
        catalogue = self.catalogue.with_layers({item.layer.id: item.layer for item in extra})
        frames = dict(self.layers)
        report = ValidationReport(problems=list(self.report.problems), checked=dict(self.report.checked))
        for item in extra:
            frames[item.layer.id] = item.frame
            report.problems += item.findings
            report.checked[f"{item.layer.id} ({item.layer.source.name})"] = len(item.frame)
        bundle = Bundle(catalogue=catalogue, layers=frames, countries=self.countries, report=report)
        if "land" in self.cache:
            bundle.cache["land"] = self.cache["land"]
        return bundle

    def sources(self) -> pd.DataFrame:
        """Every distinct source cited by the records: layer, publisher, date, URL, count."""
        rows = []
        for layer_id, frame in self.layers.items():
            if "source_url" not in frame.columns or frame.empty:
                continue
            grouped = frame.groupby(["source_url", "source_publisher", "source_date"], dropna=False).size()
            for (url, publisher, date), n in grouped.items():
                rows.append({"layer": layer_id, "publisher": publisher, "date": date, "url": url, "records": n})
        return pd.DataFrame(rows, columns=["layer", "publisher", "date", "url", "records"])


def _drop_broken(frame: gpd.GeoDataFrame, report: ValidationReport) -> gpd.GeoDataFrame:
    """Leave out the records (by position) that have errors; they stay listed in the report."""
    bad = {p.row for p in report.errors if p.row is not None}
    if not bad:
        return frame
    keep = [row not in bad for row in range(len(frame))]
    return frame[keep]


def load_bundle(
    catalogue: Catalogue | None = None, *, layers_dir: str | Path | None = None, cache: bool = True
) -> Bundle:
    """Read, check and enrich every layer of the catalogue.

    Records with validation errors are left out of the layers and listed in
    ``bundle.report``; consistency findings (a point outside the country it names, a zone
    on land) are kept and reported as warnings.

    Parameters
    ----------
    catalogue
        The layers to load (default: the catalogue in ``layers_dir``).
    layers_dir
        Folder of the layer specs when no catalogue is given (default: the bundled one).
    cache
        Reuse the bundle saved on disk by an earlier run when none of its inputs changed
        (specs, schemas, data files, code, library versions), and save it after loading.
        ``MAPPER_NO_CACHE=1`` turns the cache off too; ``MAPPER_CACHE_DIR`` moves it (see
        :mod:`mapper._diskcache`). Pass False to always read and check the files afresh.
    """
    catalogue = catalogue if catalogue is not None else load_catalogue(layers_dir)
    if not (cache and _diskcache.enabled()):
        return _build_bundle(catalogue)
    key = _diskcache.bundle_key(catalogue)
    cached = _from_cache_value(_diskcache.read(key), catalogue)
    if cached is not None:
        return cached
    bundle = _build_bundle(catalogue)
    _diskcache.write(key, _cache_value(bundle))
    return bundle


def _cache_value(bundle: Bundle) -> dict[str, Any]:
    """What the disk cache keeps of a bundle: the loaded data, not the derived artefacts in
    ``bundle.cache`` nor the catalogue (the caller's catalogue is used on the way back)."""
    return {"layers": bundle.layers, "countries": bundle.countries, "report": bundle.report}


def _from_cache_value(value: Any, catalogue: Catalogue) -> Bundle | None:
    """The bundle a cached value holds, or None if it does not look like one of ``catalogue``."""
    if not isinstance(value, dict):
        return None
    layers, countries, report = value.get("layers"), value.get("countries"), value.get("report")
    if (
        not isinstance(layers, dict)
        or list(layers) != list(catalogue)
        or not all(isinstance(frame, gpd.GeoDataFrame) for frame in layers.values())
        or not isinstance(countries, gpd.GeoDataFrame)
        or not isinstance(report, ValidationReport)
    ):
        return None
    return Bundle(catalogue=catalogue, layers=layers, countries=countries, report=report)


def _build_bundle(catalogue: Catalogue) -> Bundle:
    """Read, check and enrich every layer (the work the disk cache saves)."""
    spec = catalogue.countries
    report = ValidationReport()
    polygons, read_problems = read_layer_file(spec.polygons)
    report.problems += read_problems
    attributes, attr_report = read_attributes(spec.attributes, spec.schema)
    report.extend(attr_report)
    attributes = _drop_broken(attributes, attr_report)
    countries = countries_frame(polygons, attributes, spec)
    bundle = Bundle(catalogue=catalogue, layers={}, countries=countries, report=report)
    land = bundle.land
    for layer in catalogue.values():
        frame, layer_report = read_checked(layer.source, layer.schema)
        report.extend(layer_report)
        frame = _drop_broken(frame, layer_report)
        frame, findings = enrich_layer(frame, layer, countries, spec, land)
        report.problems += findings
        bundle.layers[layer.id] = frame.reset_index(drop=True)
    return bundle


def layer_counts(bundle: Bundle) -> pd.DataFrame:
    """The catalogue as a table with record counts."""
    rows = []
    for layer in bundle.catalogue.values():
        frame = bundle.layers[layer.id]
        rows.append(
            {
                "id": layer.id,
                "title": layer.title,
                "geometry": layer.geometry,
                "records": len(frame),
                "as_of": layer.as_of,
                "source": bundle.catalogue.source_label(layer),
            }
        )
    return pd.DataFrame(rows)
