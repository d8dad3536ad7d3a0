"""The layer catalogue: one TOML spec per layer in ``layers/``, validated into objects.

Adding a layer means adding a data file in ``geodata/`` and a spec in ``layers/``; no code.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _paths
from ._errors import SpecError, UnknownLayerError, spec_value, unknown_keys
from .facets import Facet, merge_facets, parse_facets
from .i18n import Message
from .measures import CHECK_NEEDS, CHECKS, MEASURES
from .schema import Schema, load_schemas, read_toml

GEOMETRIES = {
    "point": ("Point", "MultiPoint"),
    "line": ("LineString", "MultiLineString"),
    "polygon": ("Polygon", "MultiPolygon"),
}
#: Schema field types a facet of each kind can filter on.
_FACET_TYPES = {
    "choice": {"string", "iso3", "iso3_list", "integer", "boolean"},
    "range": {"integer", "number"},
    "text": None,
}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Style:
    """How a layer is drawn on the web map and on snapshots."""

    color_by: str | None = None
    palette: dict[str, str] = field(default_factory=dict)
    default_color: str = "#555555"
    stroke_color: str | None = None
    width_by: str | None = None
    width_stops: tuple[tuple[float, float], ...] = ()
    width: float = 2.0
    radius: float = 6.0
    fill_opacity: float = 0.35

    def color_for(self, value: object) -> str:
        """The colour of a record whose ``color_by`` field holds ``value``."""
        return self.palette.get(str(value), self.default_color)

    def width_for(self, value: object) -> float:
        """Line width for a record whose ``width_by`` field holds ``value``."""
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return self.width
        if number != number:  # NaN
            return self.width
        width = self.width
        for threshold, stop_width in self.width_stops:
            if number >= threshold:
                width = stop_width
        return width


@dataclass(frozen=True)
class Layer:
    """A validated layer spec."""

    id: str
    title: str
    description: str
    source: Path
    schema: Schema
    geometry: str
    attribution: str
    licence: str
    as_of: str
    style: Style
    tooltip: tuple[str, ...]
    popup: tuple[str, ...]
    filters: dict[str, tuple[str, ...]]
    country_fields: tuple[str, ...]
    labels: dict[str, str]
    label_field: str = "name"
    location_tolerance_km: float = 10.0
    spec_path: Path | None = None
    #: Facets this layer declares itself (``[facets.<id>]`` in its spec).
    own_facets: dict[str, Facet] = field(default_factory=dict)
    #: Measures computed for its records (see :mod:`mapper.measures`), incl. those checks need.
    measures: tuple[str, ...] = ()
    #: Location checks that apply (see :data:`mapper.measures.CHECKS`).
    checks: tuple[str, ...] = ()

    def label(self, name: str) -> str:
        """Human label of a field."""
        return self.labels.get(name, name.replace("_", " ").capitalize())

    def facet_fields(self, facet: str) -> tuple[str, ...]:
        """Fields this layer uses for a filter facet (empty when it does not apply)."""
        return self.filters.get(facet, ())


@dataclass(frozen=True)
class CountrySpec:
    """The country basemap and its attribute table."""

    title: str
    description: str
    polygons: Path
    attributes: Path
    schema: Schema
    attribution: str
    licence: str
    as_of: str
    join_fields: tuple[str, ...]
    labels: dict[str, str]
    spec_path: Path | None = None

    def label(self, name: str) -> str:
        """Human label of an attribute."""
        return self.labels.get(name, name.replace("_", " ").capitalize())


class Catalogue(Mapping[str, Layer]):
    """All layers, by id, plus the country spec. Lookups by unknown id list the choices."""

    def __init__(
        self,
        layers: dict[str, Layer],
        countries: CountrySpec,
        root: Path,
        facets: dict[str, Facet] | None = None,
        added: frozenset[str] = frozenset(),
    ) -> None:
        self._layers = layers
        self.countries = countries
        self.root = root
        #: Ids of the layers added to the catalogue's own (:meth:`with_layers`: a user's uploads).
        self.added = frozenset(added)
        self._base_facets = dict(facets or {})
        merged = dict(self._base_facets)
        for layer in layers.values():
            merged = merge_facets(merged, layer.own_facets, str(layer.spec_path or layer.id))
        for layer in layers.values():
            _check_filters(layer, merged)
        #: Every declared facet, in widget order (see :mod:`mapper.facets`).
        self.facets: dict[str, Facet] = merged

    def with_layers(self, extra: Mapping[str, Layer]) -> Catalogue:
        """A catalogue with more layers (e.g. a user's upload); ids must be new.

        Raises
        ------
        SpecError
            If an id is taken, or a layer's filters or facets do not fit the catalogue's.
        """
        taken = [lid for lid in extra if lid in self._layers]
        if taken:
            raise SpecError(
                ", ".join(taken),
                [Message("layer id {lid} is already in the catalogue; pick another", lid=repr(lid)) for lid in taken],
            )
        return Catalogue(
            {**self._layers, **extra}, self.countries, self.root, self._base_facets, added=self.added | set(extra)
        )

    def facets_of(self, layer_ids: Iterator[str] | list[str] | tuple[str, ...] | None = None) -> dict[str, Facet]:
        """The facets that at least one of the layers (default: all) maps to fields."""
        ids = list(self._layers) if layer_ids is None else list(layer_ids)
        used = {fid for lid in ids if lid in self._layers for fid in self._layers[lid].filters}
        return {fid: facet for fid, facet in self.facets.items() if fid in used}

    def facet_defaults(self) -> dict[str, tuple[str, ...]]:
        """The declared default values of choice facets that have one (see :mod:`mapper.facets`)."""
        return {fid: facet.default for fid, facet in self.facets.items() if facet.default}

    def source_label(self, layer: Layer) -> str:
        """Where a layer's records come from, as people read it: the data file relative to the
        catalogue root, or the file name alone for a layer no catalogue file holds (an upload)."""
        try:
            return str(layer.source.relative_to(self.root))
        except ValueError:
            return layer.source.name or str(layer.source)

    def country_facet(self) -> Facet | None:
        """The facet whose values are ISO3 country codes (picking zooms to them), if any."""
        return next((f for f in self.facets.values() if f.is_country), None)

    def __getitem__(self, key: str) -> Layer:
        try:
            return self._layers[key]
        except KeyError:
            raise UnknownLayerError(key, self._layers) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    def __repr__(self) -> str:
        return f"Catalogue({list(self._layers)})"


def _listed(raw: Any, key: str, known: Mapping[str, object], problems: list[str]) -> tuple[str, ...]:
    """A list of names from ``known`` (``measures``, ``checks``); every unknown one reported."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        problems.append(Message("'{key}' must be a list of names; known: {known}", key=key, known=", ".join(known)))
        return ()
    for name in raw:
        if name not in known:
            problems.append(
                Message("'{key}' names {name}; known: {known}", key=key, name=repr(name), known=", ".join(known))
            )
    return tuple(dict.fromkeys(n for n in raw if n in known))


def _check_filters(layer: Layer, facets: Mapping[str, Facet]) -> None:
    """Every ``[filters]`` entry of a layer names a declared facet and fields of a fitting type."""
    problems: list[str] = []
    for fid, names in layer.filters.items():
        facet = facets.get(fid)
        if facet is None:
            problems.append(
                Message(
                    "filters.{fid} is not a declared facet; use one of {facets} "
                    "or declare it under [facets.{fid}] (see layers/facets.toml)",
                    fid=fid,
                    facets=", ".join(facets),
                )
            )
            continue
        allowed = _FACET_TYPES[facet.kind]
        for name in names:
            spec = layer.schema.fields.get(name)
            if allowed is not None and spec is not None and spec.type not in allowed:
                problems.append(
                    Message(
                        "filters.{fid} names {name} of type {type}; a {kind} facet needs one of {types}",
                        fid=fid,
                        name=repr(name),
                        type=repr(spec.type),
                        kind=facet.kind,
                        types=", ".join(sorted(allowed)),
                    )
                )
    if problems:
        raise SpecError(str(layer.spec_path or layer.id), problems)


def _text(raw: dict[str, Any], key: str, problems: list[str], *, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(Message("'{key}' is missing or not text", key=key))
        return ""
    return value


def _names(raw: Any, key: str, schema: Schema | None, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        problems.append(Message("'{key}' must be a list of field names", key=key))
        return ()
    if schema is not None:
        for name in raw:
            if name not in schema.fields:
                problems.append(
                    Message(
                        "'{key}' names {name}, which is not a field of schema '{schema}'",
                        key=key,
                        name=repr(name),
                        schema=schema.id,
                    )
                )
    return tuple(raw)


def _inside(root: Path, text: str, key: str, problems: list[str]) -> Path:
    """The file a spec's path names, which must be a file inside the catalogue root."""
    value = repr(text[:200])
    if "\x00" in text:
        problems.append(
            Message("'{key}' holds a NUL character ({value}); write a plain relative path", key=key, value=value)
        )
        return root
    path = root / text
    if Path(text).is_absolute() or ".." in Path(text).parts:
        problems.append(
            Message(
                "'{key}' is {value}, which points outside the catalogue root ({root}); write a path relative to "
                "it, e.g. geodata/my_layer.geojson, and keep the file inside",
                key=key,
                value=value,
                root=str(root),
            )
        )
        return root
    try:
        inside = path.resolve().is_relative_to(root.resolve())
        is_file = path.is_file()
    except (OSError, ValueError) as exc:
        problems.append(
            Message(
                "'{key}' is {value}, which is not a usable path ({error}); rename the file",
                key=key,
                value=value,
                error=str(exc),
            )
        )
        return root
    if not inside:
        problems.append(
            Message(
                "'{key}' is {value}, which resolves outside the catalogue root ({root}) through a link; "
                "keep the data file inside the catalogue",
                key=key,
                value=value,
                root=str(root),
            )
        )
        return root
    if not is_file:
        problems.append(
            Message("'{key}' is {value}, but there is no such file under {root}", key=key, value=value, root=str(root))
        )
    return path


def _as_of(raw: dict[str, Any], problems: list[str]) -> str:
    value = raw.get("as_of")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    problems.append(Message("'as_of' must be a date (YYYY-MM-DD), got {value}", value=spec_value(value)))
    return ""


def _style(raw: Any, schema: Schema | None, problems: list[str]) -> Style:
    if raw is None:
        return Style()
    if not isinstance(raw, dict):
        problems.append(Message("[style] must be a table"))
        return Style()
    known = {
        "color_by",
        "palette",
        "default_color",
        "stroke_color",
        "width_by",
        "width_stops",
        "width",
        "radius",
        "fill_opacity",
    }
    if unknown := unknown_keys("[style]", raw, known):
        problems.append(unknown)
    color_by = raw.get("color_by")
    if color_by is not None and not isinstance(color_by, str):
        problems.append(Message("style.color_by must be a field name (text), got {value}", value=spec_value(color_by)))
        color_by = None
    if color_by is not None and schema is not None and color_by not in schema.fields:
        problems.append(
            Message(
                "style.color_by names {name}, which is not a field of schema '{schema}'",
                name=repr(color_by),
                schema=schema.id,
            )
        )
    palette = raw.get("palette", {})
    if not isinstance(palette, dict):
        problems.append(Message('style.palette must be a table of value = "#rrggbb"'))
        palette = {}
    for key, colour in palette.items():
        if not isinstance(colour, str) or not _HEX.match(colour):
            problems.append(
                Message('style.palette.{key} is {value}; write colours as "#rrggbb"', key=key, value=spec_value(colour))
            )
    if color_by and schema is not None and color_by in schema.fields:
        allowed = schema.fields[color_by].allowed
        if allowed:
            for key in palette:
                if key not in allowed:
                    problems.append(
                        Message("style.palette.{key} is not an allowed value of {field}", key=key, field=repr(color_by))
                    )
            for value in allowed:
                if value not in palette:
                    problems.append(
                        Message("style.palette has no colour for {field} = {value}", field=color_by, value=repr(value))
                    )
    default_color = raw.get("default_color", "#555555")
    if not isinstance(default_color, str) or not _HEX.match(default_color):
        problems.append(
            Message('style.default_color is {value}; write colours as "#rrggbb"', value=spec_value(default_color))
        )
    stroke_color = raw.get("stroke_color")
    if stroke_color is not None and (not isinstance(stroke_color, str) or not _HEX.match(stroke_color)):
        problems.append(
            Message('style.stroke_color is {value}; write colours as "#rrggbb"', value=spec_value(stroke_color))
        )
        stroke_color = None
    width_by = raw.get("width_by")
    if width_by is not None and not isinstance(width_by, str):
        problems.append(Message("style.width_by must be a field name (text), got {value}", value=spec_value(width_by)))
        width_by = None
    if width_by is not None and schema is not None and width_by not in schema.fields:
        problems.append(
            Message(
                "style.width_by names {name}, which is not a field of schema '{schema}'",
                name=repr(width_by),
                schema=schema.id,
            )
        )
    stops_raw = raw.get("width_stops", [])
    stops: list[tuple[float, float]] = []
    if not isinstance(stops_raw, list) or not all(
        isinstance(s, list) and len(s) == 2 and all(isinstance(x, int | float) for x in s) for s in stops_raw
    ):
        problems.append(Message("style.width_stops must be a list of [threshold, width] pairs"))
    else:
        stops = sorted((float(a), float(b)) for a, b in stops_raw)
    numbers = {}
    for key, default in (("width", 2.0), ("radius", 6.0), ("fill_opacity", 0.35)):
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf"):
            problems.append(
                Message("style.{key} must be a non-negative number, got {value}", key=key, value=spec_value(value))
            )
            value = default
        numbers[key] = float(value)
    return Style(
        color_by=color_by,
        palette=dict(palette),
        default_color=default_color if isinstance(default_color, str) else "#555555",
        stroke_color=stroke_color,
        width_by=width_by,
        width_stops=tuple(stops),
        **numbers,
    )


def layer_from_dict(raw: dict[str, Any], schema: Schema, *, origin: str, source: Path) -> Layer:
    """Validate a layer spec given as data (e.g. built for an uploaded table) into a
    :class:`Layer`, by the same rules as the ``layers/*.toml`` files.

    Parameters
    ----------
    raw
        The spec's keys, as in a ``layers/*.toml`` file; its ``schema`` must be ``schema.id``.
    schema
        The schema its records follow.
    origin
        Where the spec comes from, for error messages (e.g. ``upload:my_sites``).
    source
        What ``Layer.source`` names (the uploaded file's name); it need not exist on disk.

    Raises
    ------
    SpecError
        Listing every bad key at once.
    """
    return _load_layer(Path(origin), raw, {schema.id: schema}, Path("."), source=source)


def _load_layer(
    path: Path, raw: dict[str, Any], schemas: dict[str, Schema], root: Path, *, source: Path | None = None
) -> Layer:
    """One layer spec; ``source`` given means the spec is data that no file holds (an
    upload): its ``source`` text is not looked up under ``root`` nor its id matched to a
    file name."""
    problems: list[str] = []
    known = {
        "id",
        "title",
        "description",
        "kind",
        "source",
        "schema",
        "geometry",
        "attribution",
        "licence",
        "as_of",
        "style",
        "tooltip",
        "popup",
        "filters",
        "country_fields",
        "labels",
        "label_field",
        "location_tolerance_km",
        "facets",
        "measures",
        "checks",
    }
    unknown = set(raw) - known
    if unknown:
        problems.append(
            Message("unknown keys {unknown}; allowed: {known}", unknown=str(sorted(unknown)), known=str(sorted(known)))
        )
    layer_id = _text(raw, "id", problems)
    if layer_id and not _ID.match(layer_id):
        problems.append(Message("'id' is {value}; use lower-case letters, digits and '_'", value=repr(layer_id)))
    if layer_id and source is None and layer_id != path.stem:
        problems.append(
            Message(
                "'id' is {value} but the file is {file}; name the file {name}",
                value=repr(layer_id),
                file=path.name,
                name=f"{layer_id}.toml",
            )
        )
    title = _text(raw, "title", problems)
    description = _text(raw, "description", problems)
    source_text = _text(raw, "source", problems)
    if source is None:
        source = _inside(root, source_text, "source", problems) if source_text else root
    schema_id = _text(raw, "schema", problems)
    schema = schemas.get(schema_id)
    if schema_id and schema is None:
        problems.append(
            Message(
                "'schema' is {value}; known schemas: {schemas}",
                value=repr(schema_id),
                schemas=", ".join(sorted(schemas)),
            )
        )
    geometry = _text(raw, "geometry", problems)
    if geometry and geometry not in GEOMETRIES:
        problems.append(
            Message("'geometry' is {value}; use one of {kinds}", value=repr(geometry), kinds=", ".join(GEOMETRIES))
        )
    elif geometry and schema is not None and not set(schema.geometry_types) <= set(GEOMETRIES[geometry]):
        problems.append(
            Message(
                "'geometry' is {value} but schema '{schema}' holds {kinds}",
                value=repr(geometry),
                schema=schema.id,
                kinds=str(list(schema.geometry_types)),
            )
        )
    attribution = _text(raw, "attribution", problems)
    licence = _text(raw, "licence", problems)
    as_of = _as_of(raw, problems)
    style = _style(raw.get("style"), schema, problems)
    tooltip = _names(raw.get("tooltip"), "tooltip", schema, problems)
    popup = _names(raw.get("popup"), "popup", schema, problems)
    if not tooltip:
        problems.append(Message("'tooltip' must list at least one field"))
    filters_raw = raw.get("filters", {})
    filters: dict[str, tuple[str, ...]] = {}
    if not isinstance(filters_raw, dict):
        problems.append(Message("[filters] must be a table of facet = [fields]"))
        filters_raw = {}
    for facet, names in filters_raw.items():
        filters[facet] = _names(names, f"filters.{facet}", schema, problems)
    measures = _listed(raw.get("measures"), "measures", MEASURES, problems)
    for name in measures:
        if geometry in GEOMETRIES and geometry not in MEASURES[name].geometries:
            problems.append(
                Message("measures names {name}, which does not apply to {kind} layers", name=repr(name), kind=geometry)
            )
    checks = _listed(raw.get("checks"), "checks", CHECKS, problems)
    measures += tuple(n for c in checks for n in CHECK_NEEDS.get(c, ()) if n not in measures)
    if "at_sea" in checks and geometry != "polygon":
        problems.append(Message("checks names 'at_sea', which applies to polygon layers only"))
    if checks and not raw.get("country_fields"):
        problems.append(Message("checks need 'country_fields' (the fields naming each record's countries)"))
    own_facets: dict[str, Facet] = {}
    if "facets" in raw:
        try:
            own_facets = parse_facets(raw["facets"], str(path))
        except SpecError as exc:
            problems += exc.problems
    country_fields = _names(raw.get("country_fields"), "country_fields", schema, problems)
    labels = raw.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        problems.append(Message('[labels] must be a table of field = "Label"'))
        labels = {}
    label_field = raw.get("label_field", "name")
    if not isinstance(label_field, str):
        problems.append(
            Message("'label_field' must be a field name (text), got {value}", value=spec_value(label_field))
        )
        label_field = "name"
    elif schema is not None and label_field not in schema.fields:
        problems.append(
            Message(
                "'label_field' names {name}, which is not a field of schema '{schema}'",
                name=repr(label_field),
                schema=schema.id,
            )
        )
    tolerance = raw.get("location_tolerance_km", 10.0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 <= tolerance < float("inf"):
        problems.append(
            Message("'location_tolerance_km' must be a non-negative number, got {value}", value=spec_value(tolerance))
        )
        tolerance = 10.0
    if problems or schema is None:
        raise SpecError(str(path), problems)
    return Layer(
        id=layer_id,
        title=title,
        description=description,
        source=source,
        schema=schema,
        geometry=geometry,
        attribution=attribution,
        licence=licence,
        as_of=as_of,
        style=style,
        tooltip=tooltip,
        popup=popup,
        filters=filters,
        country_fields=country_fields,
        labels=dict(labels),
        label_field=label_field,
        location_tolerance_km=float(tolerance),
        spec_path=path,
        own_facets=own_facets,
        measures=measures,
        checks=checks,
    )


def _load_countries(path: Path, raw: dict[str, Any], schemas: dict[str, Schema], root: Path) -> CountrySpec:
    problems: list[str] = []
    title = _text(raw, "title", problems)
    description = _text(raw, "description", problems)
    paths = {}
    for key in ("polygons", "attributes"):
        text = _text(raw, key, problems)
        paths[key] = _inside(root, text, key, problems) if text else root
    schema_id = _text(raw, "schema", problems)
    schema = schemas.get(schema_id)
    if schema_id and schema is None:
        problems.append(
            Message(
                "'schema' is {value}; known schemas: {schemas}",
                value=repr(schema_id),
                schemas=", ".join(sorted(schemas)),
            )
        )
    attribution = _text(raw, "attribution", problems)
    licence = _text(raw, "licence", problems)
    as_of = _as_of(raw, problems)
    join_fields = _names(raw.get("join_fields"), "join_fields", schema, problems)
    labels = raw.get("labels", {})
    if not isinstance(labels, dict):
        problems.append(Message('[labels] must be a table of field = "Label"'))
        labels = {}
    if problems or schema is None:
        raise SpecError(str(path), problems)
    return CountrySpec(
        title=title,
        description=description,
        polygons=paths["polygons"],
        attributes=paths["attributes"],
        schema=schema,
        attribution=attribution,
        licence=licence,
        as_of=as_of,
        join_fields=join_fields,
        labels=dict(labels),
        spec_path=path,
    )


def load_catalogue(folder: str | Path | None = None, *, root: str | Path | None = None) -> Catalogue:
    """Read every layer spec in ``folder`` (default: the bundled ``layers/``).

    Parameters
    ----------
    folder
        Folder with one ``*.toml`` per layer, a ``countries.toml`` and ``schemas/``.
    root
        Folder that ``source`` paths in the specs are relative to (default: the parent of
        ``folder``).

    Raises
    ------
    SpecError
        If a spec is broken; the message names the file and every bad field.
    """
    folder = Path(folder) if folder is not None else _paths.layers_dir()
    root = Path(root) if root is not None else folder.parent
    schemas = load_schemas(folder / "schemas")
    layers: dict[str, Layer] = {}
    countries: CountrySpec | None = None
    facets: dict[str, Facet] = {}
    for path in sorted(folder.glob("*.toml")):
        raw = read_toml(path)
        if raw.get("kind") == "countries":
            countries = _load_countries(path, raw, schemas, root)
        elif raw.get("kind") == "facets":
            unknown = set(raw) - {"kind", "facets"}
            if unknown:
                raise SpecError(
                    str(path),
                    [
                        Message(
                            "unknown keys {unknown}; a facets file holds [facets.<id>] blocks",
                            unknown=str(sorted(unknown)),
                        )
                    ],
                )
            facets = parse_facets(raw.get("facets", {}), str(path))
        else:
            layer = _load_layer(path, raw, schemas, root)
            layers[layer.id] = layer
    if countries is None:
        raise SpecError(str(folder), [Message('no countries spec: add countries.toml with kind = "countries"')])
    return Catalogue(layers, countries, root, facets)
