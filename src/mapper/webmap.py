"""The interactive web map (folium/Leaflet): one map that never changes, and small payloads
that update it in place.

How it fits together
--------------------
* :class:`MapAssets` turns each layer (and the country polygons) into a JSON asset once per
  bundle: geometry in the Pacific-centred display, an index per record, and the escaped
  tooltip and popup HTML. The app publishes these as static files (fetched once by the
  browser and cached); the self-contained HTML export inlines them.
* :func:`web_map` is the Leaflet map with the runtime (``web/mapper.js``) and no data. Its
  script is the same on every rerun, so streamlit-folium never remounts it.
* :func:`map_payload` describes what to show for a :class:`~mapper.selection.Selection`:
  which record indices each layer keeps, country-level badges, choropleth colours, the
  legend, the basemap and an optional view request. :func:`payload_group` wraps it in a
  ``folium.FeatureGroup`` for streamlit-folium's ``feature_group_to_add``.

Data text never meets a template engine as code: every string from data or specs is
HTML-escaped with braces turned into entities (:func:`_h`), and payloads are embedded as a
JSON string literal in which ``{``, ``}``, ``<``, ``>`` and ``&`` are ``\\u`` escapes
(:func:`js_literal`), so branca's re-compilation of rendered scripts finds nothing to run.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import gzip
import hashlib
import html
import json
import re
import weakref
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Template

import folium
import geopandas as gpd
import shapely
import xyzservices.providers as xyz
from branca.element import Element, MacroElement

from .assets import (
    JAPANESE_FALLBACK,
    JAPANESE_FONT_DIR,
    STREAMLIT_STATIC_URL,
    inline_head,
    runtime_path,
    runtime_version,
    use_local_assets,
    write_atomic,
)
from .catalogue import Layer
from .data import Bundle
from .enrich import badge_id, has_site
from .fonts import WEB_FAMILY, WEB_FONT_NOTICE, page_characters, web_font
from .geo import pacific_coords, pacific_view
from .i18n import Translator, translator
from .measures import shown_measures
from .query import active_spans, status_as_of
from .schema import HISTORY_SUFFIX, split_list
from .selection import Selection, dates_text
from .style import BASE_FILL, NO_DATA, Choropleth, Legend, classify, layer_legend
from .viewstate import MapView

_URL = re.compile(r"^https?://[^\s<>\"']+$")
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})
_JS_UNSAFE = {"{": "\\u007b", "}": "\\u007d", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def _h(value: object) -> str:
    """HTML-escape text for the page, braces included (so no template can read it)."""
    return html.escape(str(value), quote=True).translate(_BRACES)


def js_literal(obj: object) -> str:
    """A JavaScript expression for a JSON-able object, safe inside ``<script>`` and inside any
    Jinja template: ``JSON.parse("…")`` whose string has no brace, angle bracket or ampersand."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    literal = json.dumps(text, ensure_ascii=True)
    for char, escape in _JS_UNSAFE.items():
        literal = literal.replace(char, escape)
    return f"JSON.parse({literal})"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return f"{int(value):,}"
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return str(value) if 1900 <= value <= 2100 else f"{value:,}"
    return str(value)


def _cell(kind: str | None, value: object, tr: Translator | None = None) -> str:
    """Escaped HTML of one popup value; fields typed ``url`` or ``url_list`` become links;
    category values in ``tr``'s language."""
    text = _text(value)
    if kind in ("url", "url_list"):
        links = [u for u in split_list(text) if _URL.match(u)]
        return "<br>".join(
            f'<a href="{_h(u)}" target="_blank" rel="noopener noreferrer">{_h(_short_url(u))}</a>' for u in links
        )
    return _h((tr or translator()).value(text))


def _short_url(url: str) -> str:
    host = re.sub(r"^https?://(www\.)?", "", url).split("/")[0]
    return f"{host} ↗"


def popup_fields(layer: Layer, tr: Translator | None = None) -> list[tuple[str, str, str]]:
    """``(column, label, kind)`` of each popup row: the spec's popup fields (the label field
    is the heading) and the measures users see, labelled in ``tr``'s language. ``kind`` is
    the schema type (``url`` and ``url_list`` become links) or ``measure``."""
    tr = tr or translator()
    out = []
    for name in layer.popup:
        if name == layer.label_field:
            continue
        spec = layer.schema.fields.get(name)
        out.append((name, tr.label(layer, name), spec.type if spec is not None else "string"))
    out += [(m.name, tr.gettext(m.label), "measure") for m in shown_measures(layer.measures)]
    return out


def _heading(record: Mapping[str, object], field: str, tr: Translator) -> str:
    """A record's name in ``tr``'s language, with the original beside a translated one."""
    name = _text(record.get(field))
    own = tr.record_name({f"{field}_{tr.lang}": _text(record.get(f"{field}_{tr.lang}")), field: name}, field)
    return f"{own} ({name})" if own != name and name else own


def popup_html(record: Mapping[str, object], layer: Layer, tr: Translator | None = None) -> str:
    """Escaped HTML of one record's popup, as the runtime builds it in the browser (for
    tests and for places without the runtime), in ``tr``'s language."""
    tr = tr or translator()
    title = _h(_heading(record, layer.label_field, tr))
    rows = []
    for name, label, kind in popup_fields(layer, tr):
        if _text(record.get(name)):
            rows.append(f"<tr><th>{_h(label)}</th><td>{_cell(kind, record.get(name), tr)}</td></tr>")
    return (
        f'<div class="mapper-popup"><div class="mapper-layer">{_h(tr.data(layer.title))}</div><h4>{title}</h4>'
        f"<table>{''.join(rows)}</table></div>"
    )


def legend_html(legends: Iterable[Legend]) -> str:
    """Escaped HTML of the legends, drawn on the map."""
    blocks = []
    for legend in legends:
        rows = []
        for e in legend.entries:
            color = _h(e.color)
            if legend.kind == "line" or e.width is not None:
                width = e.width or 3
                swatch = f'<span class="sw-line" style="border-top:{width:g}px solid {color}"></span>'
            elif legend.kind == "point":
                border = "2px dashed #333" if e.dashed else "1px solid #333"
                swatch = f'<span class="sw-point" style="background:{color};border:{border}"></span>'
            else:
                swatch = f'<span class="sw-box" style="background:{color}"></span>'
            rows.append(f"<div>{swatch}{_h(e.label)}</div>")
        note = f'<div class="note">{_h(legend.note)}</div>' if legend.note else ""
        blocks.append(f'<div class="block"><b>{_h(legend.title)}</b>{"".join(rows)}{note}</div>')
    return "".join(blocks)


#: Points' coordinates are sent as integers in units of 1/POINT_SCALE degree (about 1 m).
POINT_SCALE = 100_000
#: Records per popup document, at least: a click fetches one small file, never the whole
#: layer's popups (:func:`_popup_chunk`).
POPUP_CHUNK = 2000
#: Bytes of text a popup document aims at.
POPUP_CHUNK_BYTES = 200_000
#: Above this many drawn features a layer is drawn on a canvas instead of as SVG elements.
CANVAS_FROM = 3000
#: Line and polygon layers with more sited records than this get simplified geometry per
#: zoom band (:func:`zoom_bands`): fewer vertices to project and draw at small scales.
SIMPLIFY_FROM = 1000
#: The last zoom of each band; above the last one the runtime draws the exact geometry.
ZOOM_BANDS = (4, 7, 10)
#: A band is kept only if it has fewer than this share of the vertices of the next finer level.
KEEP_BAND_BELOW = 0.7
#: Simplification tolerance in screen pixels at a band's last zoom (Leaflet itself smooths
#: by 1 pixel, so nothing visible is lost).
SIMPLIFY_PX = 0.8


def _degrees_per_pixel(zoom: int) -> float:
    """Degrees of longitude one screen pixel spans at ``zoom`` (256-pixel Web Mercator tiles)."""
    return 360.0 / (256 * 2**zoom)


def zoom_bands(geoms: np.ndarray) -> list[dict[str, Any]]:
    """Simplified versions of display geometries for :data:`ZOOM_BANDS`:
    ``[{"zoom": z, "geometries": [...]}]``, one entry per geometry in the order given, each a
    GeoJSON geometry simplified (topology preserved) to :data:`SIMPLIFY_PX` pixels at zoom
    ``z`` and rounded to a tenth of a pixel, or None where it would keep every vertex (the
    runtime then draws the exact geometry). A band that keeps more than
    :data:`KEEP_BAND_BELOW` of the vertices of the next finer one kept is left out (coarse
    outlines gain nothing). Popups, tables and exports always use the exact records; this
    only changes what is drawn at small scales."""
    bands = []
    exact = shapely.get_num_coordinates(geoms)
    finer = int(exact.sum())  # vertices of the next finer level kept (at first: the exact geometry)
    for zoom in sorted(ZOOM_BANDS, reverse=True):
        pixel = _degrees_per_pixel(zoom)
        simple = shapely.simplify(geoms, SIMPLIFY_PX * pixel, preserve_topology=True)
        counts = shapely.get_num_coordinates(simple)
        if counts.sum() > KEEP_BAND_BELOW * finer:  # too little saved to be worth its bytes
            continue
        finer = int(counts.sum())
        decimals = int(np.ceil(-np.log10(pixel / 10)))
        out: list[dict[str, Any] | None] = [None] * len(geoms)
        where = np.flatnonzero(counts < exact)
        for k, geometry in zip(where, _geometries_json(simple[where], decimals, shift=False), strict=True):
            out[k] = geometry
        bands.append({"zoom": zoom, "geometries": out})
    return bands[::-1]


_CODE = re.compile(r"[a-z_]+")


def _column_text(values: pd.Series, tr: Translator | None = None, *, codes: bool = True) -> list[str]:
    """Display text of a column (numbers formatted, snake_case codes spelled out in ``tr``'s
    language unless ``codes`` is False, missing values empty). Each distinct value is
    formatted once."""
    return _column_array(values, tr, codes=codes).tolist()


def _column_array(values: pd.Series, tr: Translator | None = None, *, codes: bool = True) -> np.ndarray:
    """:func:`_column_text` as an object array."""
    texts, positions = _encoded(values, tr, codes=codes)
    return np.array(texts, dtype=object)[positions]


def _encoded(values: pd.Series, tr: Translator | None = None, *, codes: bool = True) -> tuple[list[str], np.ndarray]:
    """:func:`_column_text` as ``(texts, positions)``: the distinct display texts (the last
    one ``""``, for missing values) and each record's index into them."""
    tr = tr or translator()
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = _distinct_texts(uniques)
    if codes:
        texts = [tr.value(t) if _CODE.fullmatch(t) else t for t in texts]
    positions = np.asarray(positions)
    return [*texts, ""], np.where(positions < 0, len(texts), positions)


def _distinct_texts(uniques: Any) -> list[str]:
    """:func:`_text` of each of a column's distinct (non-missing) values, with fast paths for
    strings, integers and floats."""
    kind = getattr(uniques.dtype, "kind", "O")
    if kind == "f" and not isinstance(uniques.dtype, pd.api.extensions.ExtensionDtype):
        return [f"{int(v):,}" if v.is_integer() else str(v) for v in np.asarray(uniques, dtype=float).tolist()]
    if kind in "iu" and not isinstance(uniques.dtype, pd.api.extensions.ExtensionDtype):
        return [str(v) if 1900 <= v <= 2100 else f"{v:,}" for v in np.asarray(uniques).tolist()]
    distinct = np.asarray(uniques, dtype=object)  # one conversion (iterating an Arrow array is slow)
    if len(distinct) and pd.api.types.is_string_dtype(uniques) and all(isinstance(u, str) for u in distinct[:1000]):
        return distinct.tolist()
    return [_text(u) for u in distinct]


#: Typed arrays the runtime reads packed integers into (:func:`_packed`), smallest first.
_PACKED_TYPES = (("u8", "<u1"), ("u16", "<u2"), ("i32", "<i4"))


def _packed(values: np.ndarray | Iterable[int]) -> dict[str, str]:
    """Integers as ``{"t": type, "b": base64}``: their little-endian bytes in the smallest of
    uint8, uint16 and int32 that holds them all. The runtime reads them as a typed array (a
    JSON list of 100,000 numbers costs far more to write, send and parse).

    Raises
    ------
    ValueError
        If a value is not a whole number (NaN, infinity, a fraction: a float array is cast
        to integers only when that loses nothing) or does not fit in 32 bits.
    """
    values = np.asarray(values if isinstance(values, np.ndarray) else list(values))
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        bad = np.flatnonzero(~finite | (np.where(finite, values, 0) % 1 != 0))
        if len(bad):
            raise ValueError(
                f"cannot pack {len(bad)} value(s) that are not whole numbers, e.g. {float(values[bad[0]])!r} at "
                f"position {int(bad[0])}; give integers (coordinates: finite numbers, scaled and rounded)"
            )
    values = values.astype(np.int64)
    low, high = (int(values.min()), int(values.max())) if len(values) else (0, 0)
    for name, dtype in _PACKED_TYPES:
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return {"t": name, "b": base64.b64encode(values.astype(dtype).tobytes()).decode("ascii")}
    raise ValueError(f"integers from {low} to {high} do not fit in 32 bits")


def unpacked(value: Mapping[str, str]) -> np.ndarray:
    """The integers of a :func:`_packed` value (for tests and tools that read documents)."""
    dtype = dict(_PACKED_TYPES)[value["t"]]
    return np.frombuffer(base64.b64decode(value["b"]), dtype=dtype).astype(np.int64)


#: A column with at most this many distinct short texts sends them all in each popup chunk.
_WHOLE_TEXTS = 64


def _popup_chunk(columns: list[tuple[list[str], np.ndarray] | None], n: int) -> int:
    """Records per popup document: about :data:`POPUP_CHUNK_BYTES` of text each, from
    :data:`POPUP_CHUNK` to ten times that (a click fetches one small file; few files to
    write for a big layer of short values)."""
    per_record = 0.0
    for column in columns:
        if column is not None:
            texts, _ = column
            share = 0.0 if len(texts) <= _WHOLE_TEXTS else min(1.0, len(texts) / max(n, 1))
            per_record += 2 + share * sum(map(len, texts)) / len(texts)
    return int(np.clip(POPUP_CHUNK_BYTES / max(per_record, 1.0), POPUP_CHUNK, 10 * POPUP_CHUNK))


def _chunk(column: tuple[list[str], np.ndarray] | None, start: int, stop: int) -> dict[str, Any] | None:
    """Records ``start:stop`` of an encoded column (:func:`_encoded`) as ``{"d": distinct texts,
    "k": packed index of each record's text}`` (None stays None)."""
    if column is None:
        return None
    texts, positions = column
    if len(texts) <= _WHOLE_TEXTS and sum(map(len, texts)) <= 64 * _WHOLE_TEXTS:  # a few short texts: all of them
        return {"d": texts, "k": _packed(positions[start:stop])}
    used, inverse = np.unique(positions[start:stop], return_inverse=True)
    return {"d": [texts[u] for u in used.tolist()], "k": _packed(inverse)}


def _per_distinct(values: pd.Series, func: Any) -> tuple[list[Any], np.ndarray]:
    """``func`` of each distinct value, computed once (missing values: ``func(None)``, last),
    and each record's index into them."""
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    results = [*(func(u) for u in uniques), func(None)]
    positions = np.asarray(positions)
    return results, np.where(positions < 0, len(uniques), positions)


def _style_codes(frame: pd.DataFrame, field: str | None, func: Any, default: Any) -> tuple[list[Any], np.ndarray]:
    """``(distinct styles, each record's index into them)`` of a style computed by ``func``
    from ``field`` (``default`` for every record without a field)."""
    if not field:
        return [default], np.zeros(len(frame), dtype=np.int64)
    results, positions = _per_distinct(frame[field], func)
    code = {r: k for k, r in enumerate(dict.fromkeys(results))}  # one dictionary look-up per value
    where = np.array([code[r] for r in results], dtype=np.int64)
    return list(code), where[positions]


def _country_tip(tr: Translator, iso3: str, name: object) -> str:
    return f"<b>{_h(tr.country(iso3, _text(name)))}</b> ({_h(iso3)})"


def _names(frame: pd.DataFrame, field: str, tr: Translator) -> list[str]:
    """Records' names in ``tr``'s language (``<field>_<lang>`` when present, else the original)."""
    return _names_array(frame, field, tr).tolist()


def _names_array(frame: pd.DataFrame, field: str, tr: Translator) -> np.ndarray:
    """:func:`_names` as an object array."""
    names = _column_array(frame[field], tr, codes=False)
    own = f"{field}_{tr.lang}"
    if own in frame.columns:
        translated = _column_array(frame[own], tr, codes=False)
        names = np.where(translated != "", translated, names)
    return names


def time_spans(frame: pd.DataFrame, layer: Layer) -> list[list[float | None] | None]:
    """Per record ``[first, last]`` year it was active (None: unbounded), or None when it
    cannot be placed in time (the rule: :func:`mapper.query.active_spans`)."""
    spans = active_spans(frame, layer)
    out: list[list[float | None] | None] = []
    for first, last in zip(spans["first"].tolist(), spans["last"].tolist(), strict=True):
        if first != first:  # NaN: undated
            out.append(None)
        else:
            out.append([None if np.isinf(first) else int(first), None if np.isinf(last) else int(last)])
    return out


def _geometries_json(geoms: Iterable[shapely.Geometry], decimals: int, *, shift: bool = True) -> list[dict[str, Any]]:
    """GeoJSON geometry dicts of many geometries at once (Pacific display unless already
    shifted, rounded)."""
    array = np.asarray(list(geoms), dtype=object)
    if not len(array):
        return []
    move = pacific_coords if shift else (lambda c: c)
    shifted = shapely.transform(array, lambda c: np.round(move(c), decimals))
    return json.loads("[" + ",".join(shapely.to_geojson(shifted)) + "]")


def keep_mask(n: int, positions: Iterable[int]) -> str:
    """Which of ``n`` records to draw, as a little-endian bit mask in base64 (100,000
    records fit in 17 kB, whatever the filter keeps)."""
    mask = np.zeros(n, dtype=bool)
    mask[positions if isinstance(positions, np.ndarray) else np.fromiter(positions, dtype=np.int64)] = True
    return base64.b64encode(np.packbits(mask, bitorder="little").tobytes()).decode("ascii")


#: Countries documents by ``(id of the countries frame, language)``, while that frame lives:
#: bundles that share their countries (every bundle of a process, as a rule) build the
#: outlines once.
_COUNTRY_DOCUMENTS: dict[tuple[int, str], dict[str, Any]] = {}

#: The MapAssets made lately in this process, held weakly (see ``MapAssets.__init__``).
_RECENT: deque[weakref.ref[MapAssets]] = deque(maxlen=16)


class MapAssets:
    """The layers and countries of a bundle as JSON documents for the map runtime, built
    once per bundle and reused for every rerun, session and export.

    A layer document is a GeoJSON FeatureCollection of the records that have a site
    (properties: ``i`` the record's position in the layer, ``id``, ``c`` its colour's index
    in ``palette``, ``w`` line width) plus, for every record (country-level ones too):
    ``labels`` and the tooltip ``columns`` as plain text, which the runtime escapes when it
    builds a tooltip. A point layer's sites are compact instead (``points``: coordinates in
    1/:data:`POINT_SCALE` degree, colour codes and, when some records have no site, their
    positions). Integer arrays are packed (:func:`_packed`) and tooltip and popup columns
    are encoded as distinct texts plus an index per record. Popups (plain text the runtime
    escapes) are separate documents of ``popup_chunk`` records each (:func:`_popup_chunk`),
    fetched on click; inlined (``popups``) in self-contained HTML.

    Line and polygon layers with more than :data:`SIMPLIFY_FROM` sited records are drawn
    from simplified geometry (:func:`zoom_bands`): their features carry the finest band
    (``base_zoom``), ``bands`` the coarser ones, and ``detail`` the exact geometry (None where
    the feature already is exact), published as a separate document fetched only when the
    map zooms in past ``base_zoom``. Popups, tables and exports use the records themselves.
    """

    def __init__(self, bundle: Bundle, lang: str | None = None, *, simplify: bool = True) -> None:
        self.bundle = bundle
        #: Whether big line and polygon layers carry simplified geometry per zoom band.
        self.simplify = simplify
        self.tr = translator(lang)
        self._documents: dict[str, dict[str, Any]] = {}
        self._popups: dict[str, list[str]] = {}
        self._legends: dict[str, Legend] = {}
        self._year_legends: dict[tuple[str, tuple[int, ...]], Legend] = {}
        self._sited: dict[str, np.ndarray] = {}
        self._classified: dict[Choropleth, Any] = {}
        self._labels: dict[str, tuple[float, float, str]] | None = None
        self._bounds: dict[str, tuple[float, float, float, float]] | None = None
        self._badge_memo: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        #: ``{name: ((folder, url_base), url)}`` of the documents already published.
        self._published: dict[str, tuple[tuple[str, str], str]] = {}
        # documents of the same layer objects built lately in this process are taken over
        # (an upload shown in a workspace's successive bundles is built and written once)
        for ref in list(_RECENT):
            other = ref()
            if other is not None:
                self.reuse(other)
        _RECENT.append(weakref.ref(self))

    def reuse(self, other: MapAssets) -> MapAssets:
        """Take over ``other``'s built (and published) documents for what both bundles share
        (the same layer spec and records objects, the same countries), so that a bundle with
        a few more layers (a workspace's uploads) builds and writes only those; returns self."""
        if other.tr.lang != self.tr.lang or other.simplify != self.simplify:  # documents differ
            return self
        shared = [
            lid
            for lid in self.bundle.catalogue
            if other.bundle.layers.get(lid) is self.bundle.layers[lid]
            and other.bundle.catalogue.get(lid) is self.bundle.catalogue[lid]
        ]
        if other.bundle.countries is self.bundle.countries:
            shared.append("countries")
        for name in shared:
            for mine, theirs in (
                (self._documents, other._documents),
                (self._popups, other._popups),
                (self._legends, other._legends),
                (self._published, other._published),
            ):
                if name in theirs:
                    mine[name] = theirs[name]  # type: ignore[index]
        return self

    def sited(self, layer_id: str) -> np.ndarray:
        """Which records of a whole layer have a site (a boolean per record, computed once):
        a selection's records are ``sited(layer_id)[frame.index]``."""
        if layer_id not in self._sited:
            self._sited[layer_id] = has_site(self.bundle.layers[layer_id]).to_numpy()
        return self._sited[layer_id]

    def names(self) -> list[str]:
        """Document names: ``countries`` and every layer id."""
        return ["countries", *self.bundle.catalogue]

    def document(self, name: str) -> dict[str, Any]:
        """The JSON document ``name`` (``countries`` or a layer id), without popups."""
        if name not in self._documents:
            self._documents[name] = self._countries() if name == "countries" else self._layer(name)
        return self._documents[name]

    def inline_document(self, name: str) -> dict[str, Any]:
        """The document with its popups inlined (for self-contained HTML)."""
        if name == "countries":
            return self.document(name)
        layer = self.bundle.catalogue[name]
        spans = time_spans(self.bundle.layers[name], layer) if layer.facet_fields("year") else None
        columns = self._popup_columns(name)
        return {
            **self.document(name),
            "popups": [_chunk(c, 0, len(self.bundle.layers[name])) for c in columns],
            "spans": spans,
        }

    def popups(self, layer_id: str) -> list[list[str]]:
        """Popup columns of a layer as plain text: the heading (the name in this language,
        and the original beside a translated one), then one column per popup field (see
        :func:`popup_fields`), each with a value per record. The runtime escapes them and
        builds the popup in the browser (links only for http(s) URLs in fields typed
        ``url``/``url_list``); no HTML is built here. Documents carry them encoded
        (:meth:`_popup_columns`)."""
        extra, *columns = self._popup_columns(layer_id)
        frame = self.bundle.layers[layer_id]
        layer = self.bundle.catalogue[layer_id]
        if layer.label_field in frame.columns:
            heading = _names(frame, layer.label_field, self.tr)
            if extra is not None:
                texts, positions = extra
                heading = [
                    f"{h} ({texts[k]})" if texts[k] else h for h, k in zip(heading, positions.tolist(), strict=True)
                ]
        else:
            heading = [""] * len(frame)
        return [heading, *(np.array(texts, dtype=object)[positions].tolist() for texts, positions in columns)]

    def _popup_columns(self, layer_id: str) -> list[tuple[list[str], np.ndarray] | None]:
        """Popup columns encoded as ``(distinct texts, each record's index)`` (:func:`_encoded`):
        first the original name where the heading shows it beside a translated one (None when
        no record has a translated name: the heading is the record's label), then one per
        popup field."""
        if layer_id not in self._popups:
            layer = self.bundle.catalogue[layer_id]
            frame = self.bundle.layers[layer_id]
            n = len(frame)
            extra = None
            if layer.label_field in frame.columns and f"{layer.label_field}_{self.tr.lang}" in frame.columns:
                own = _names_array(frame, layer.label_field, self.tr)
                original = _column_array(frame[layer.label_field], self.tr, codes=False)
                shown = np.where((own != original) & (original != ""), original, "")
                if (shown != "").any():
                    extra = _encoded(pd.Series(shown, dtype=object), self.tr, codes=False)
            empty = ([""], np.zeros(n, dtype=np.int64))
            names = [name for name, _, _ in popup_fields(layer)]
            columns = [_encoded(frame[c], self.tr) if c in frame.columns else empty for c in names]
            self._popups[layer_id] = [extra, *columns]
        return self._popups[layer_id]

    def _layer(self, layer_id: str) -> dict[str, Any]:
        frame = self.bundle.layers[layer_id]
        layer = self.bundle.catalogue[layer_id]
        style = layer.style
        n = len(frame)
        if not frame.index.equals(pd.RangeIndex(n)):
            raise ValueError(f"layer {layer_id!r}: records must be indexed 0..{n - 1} (load_bundle does this)")
        palette, color_codes = _style_codes(frame, style.color_by, style.color_for, style.default_color)
        sited = np.flatnonzero(self.sited(layer_id))
        ids = frame["id"].astype(str).tolist() if "id" in frame.columns else [str(i) for i in range(n)]
        tip_fields = [f for f in layer.tooltip if f != layer.label_field and f in frame.columns]
        columns = []
        for field in tip_fields:
            texts, positions = _encoded(frame[field], self.tr)
            columns.append([self.tr.label(layer, field), texts, _packed(positions)])
        document: dict[str, Any] = {
            "type": "FeatureCollection",
            "palette": palette,
            "labels": _names(frame, layer.label_field, self.tr) if layer.label_field in frame.columns else ids,
            "columns": columns,
            "count": n,
            "title": self.tr.data(layer.title),
            "popup_fields": [[label, kind] for _, label, kind in popup_fields(layer, self.tr)],
        }
        geoms = np.asarray(frame.geometry.to_numpy()[sited], dtype=object)
        if layer.geometry == "point" and bool(np.all(shapely.get_type_id(geoms) == 0)):
            # compact: flat coordinates in 1e-5 degrees and colour codes as typed arrays, ids,
            # the records' positions only when some have no site; no GeoJSON per point
            coords = np.round(pacific_coords(shapely.get_coordinates(geoms)) * POINT_SCALE)
            broken = np.flatnonzero(~np.isfinite(coords).all(axis=1))
            if len(broken):  # reading refuses them (validate, upload): a frame made some other way
                raise ValueError(
                    f"layer {layer_id!r}: records {[ids[k] for k in sited[broken][:10].tolist()]} have coordinates "
                    "that are not numbers (NaN or infinity); read layers with load_bundle or uploads with "
                    "apply_mapping, which refuse them"
                )
            document["features"] = []
            document["points"] = {
                "scale": POINT_SCALE,
                "xy": _packed(coords.ravel()),
                "c": _packed(color_codes[sited]),
                "id": np.asarray(ids, dtype=object)[sited].tolist(),  # a click reports it (the details panel)
            }
            if len(sited) < n:
                document["points"]["i"] = _packed(sited)
            return document
        widths, width_codes = _style_codes(frame, style.width_by, style.width_for, style.width)
        weights = [widths[k] for k in width_codes[sited].tolist()]
        document["features"] = [
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"i": i, "id": ids[i], "c": c, "w": w},
            }
            for i, c, w, geometry in zip(
                sited.tolist(), color_codes[sited].tolist(), weights, _geometries_json(geoms, 5), strict=True
            )
        ]
        if layer.geometry in ("line", "polygon") and len(sited) > SIMPLIFY_FROM and self.simplify:
            # features carry the finest band; the exact geometry ("detail") is fetched only when
            # the map zooms in past the last band
            bands = zoom_bands(shapely.transform(geoms, pacific_coords))
            if not bands:
                return document
            *coarser, finest = bands
            detail = []
            for feature, simple in zip(document["features"], finest["geometries"], strict=True):
                detail.append(feature["geometry"] if simple is not None else None)
                if simple is not None:
                    feature["geometry"] = simple
            document["bands"] = coarser
            document["base_zoom"] = finest["zoom"]
            document["detail"] = detail
        return document

    def _countries(self) -> dict[str, Any]:
        countries = self.bundle.countries
        key = (id(countries), self.tr.lang)
        if key not in _COUNTRY_DOCUMENTS:
            _COUNTRY_DOCUMENTS[key] = self._countries_document()
            weakref.finalize(countries, _COUNTRY_DOCUMENTS.pop, key, None)
        return _COUNTRY_DOCUMENTS[key]

    def _countries_document(self) -> dict[str, Any]:
        countries = self.bundle.countries
        geometries = _geometries_json(countries.geometry.to_numpy(), 3)
        features = [
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"iso3": str(iso), "tip": _country_tip(self.tr, str(iso), name)},
            }
            for iso, name, geometry in zip(countries["iso3"], countries["name"], geometries, strict=True)
        ]
        return {"type": "FeatureCollection", "features": features}

    def label_point(self, iso3: str) -> tuple[float, float, str] | None:
        """``(lat, lon, name)`` where a country's badge goes (in the display's longitudes)."""
        if self._labels is None:
            countries = self.bundle.countries
            points = [pacific_view(g.representative_point()) for g in countries.geometry]
            self._labels = {
                str(iso): (p.y, p.x, self.tr.country(str(iso), str(name)))
                for iso, name, p in zip(countries["iso3"], countries["name"], points, strict=True)
            }
        return self._labels.get(iso3)

    def bounds(self, iso3s: Iterable[str]) -> list[list[float]] | None:
        """Leaflet bounds ``[[south, west], [north, east]]`` of some countries, or None."""
        if self._bounds is None:
            countries = self.bundle.countries
            self._bounds = {
                str(iso): pacific_view(g).bounds for iso, g in zip(countries["iso3"], countries.geometry, strict=True)
            }
        boxes = [self._bounds[c] for c in iso3s if c in self._bounds]
        if not boxes:
            return None
        west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
        east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
        return [[south, west], [north, east]]

    def legend(self, layer_id: str, years: Iterable[int] = (), *, with_today: bool = False) -> Legend:
        """The legend of a whole layer (it does not change with filters). With ``years``, of
        the layer as of those years (:func:`mapper.query.status_as_of`, the statuses then),
        e.g. ``designated`` for a zone awarded since: the values of any of them, and of today
        too ``with_today`` (the HTML export's year control can also show all years)."""
        layer = self.bundle.catalogue[layer_id]
        years = tuple(sorted(set(years)))
        if years and _status_fields(layer):
            key = (layer_id, (*years, 0) if with_today else years)
            if key not in self._year_legends:
                frame = self.bundle.layers[layer_id]
                then = [status_as_of(frame, layer, year) for year in years]
                self._year_legends[key] = layer_legend(
                    layer, pd.concat([frame, *then] if with_today else then), self.tr
                )
            return self._year_legends[key]
        if layer_id not in self._legends:
            self._legends[layer_id] = layer_legend(layer, self.bundle.layers[layer_id], self.tr)
        return self._legends[layer_id]

    def year_changes(self, layer_id: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
        """What the map must show differently from the layer's documents (today's values)
        for the records of ``frame``, the layer's records as of a year as every output takes
        them (:func:`mapper.query.status_as_of`): for each record whose status then was not
        today's, its index ``i``, its ``color``, and the texts of its tooltip (``tip``) and
        popup (``pop``) columns that differ, by position. The runtime draws them over the
        documents, so the live map changes colours on a filter change without a rebuild."""
        layer = self.bundle.catalogue[layer_id]
        base = self.bundle.layers[layer_id]
        fields = [f for f in _status_fields(layer) if f in frame.columns and f in base.columns]
        if not fields or frame.empty:
            return []
        positions = frame.index.to_numpy()
        changed = np.zeros(len(frame), dtype=bool)
        for field in fields:
            then = frame[field].astype("string").fillna("\0").to_numpy(dtype=object)
            now = base[field].astype("string").fillna("\0").to_numpy(dtype=object)[positions]
            changed |= then != now
        if not changed.any():
            return []
        moved = frame[changed]
        style = layer.style
        tip_fields = [f for f in layer.tooltip if f != layer.label_field and f in base.columns]  # as in the document
        pop_fields = [name for name, _, _ in popup_fields(layer)]
        tips = {str(k): _column_text(moved[f], self.tr) for k, f in enumerate(tip_fields) if f in fields}
        pops = {str(k): _column_text(moved[f], self.tr) for k, f in enumerate(pop_fields) if f in fields}
        colors = None
        if style.color_by in fields:
            distinct, codes = _per_distinct(moved[style.color_by], style.color_for)
            colors = [distinct[c] for c in codes]
        out = []
        for j, index in enumerate(moved.index.tolist()):
            change: dict[str, Any] = {"i": int(index)}
            if colors is not None:
                change["color"] = colors[j]
            if tips:
                change["tip"] = {k: texts[j] for k, texts in tips.items()}
            if pops:
                change["pop"] = {k: texts[j] for k, texts in pops.items()}
            out.append(change)
        return out

    def classified(self, choropleth: Choropleth) -> Any:
        """The countries classified for a choropleth (computed once per choropleth)."""
        if choropleth not in self._classified:
            spec = self.bundle.catalogue.countries
            self._classified[choropleth] = classify(self.bundle.countries, spec, choropleth, self.tr)
        return self._classified[choropleth]

    def publish(
        self, static_dir: str | Path, url_base: str = STREAMLIT_STATIC_URL, *, compressed: bool = False
    ) -> dict[str, str]:
        """Write every document to ``static_dir/data/<name>-<hash>.json`` (content-addressed,
        so browsers may cache them for good; popups in chunks) and return their URLs by name.

        With ``compressed``, each document is also written gzipped once (``.json.gz``) and
        the URLs point there: the map runtime inflates them in the browser, and the server
        sends the file as it is instead of gzipping the same document again for every page
        load (Streamlit's static serving compresses each response at level 9: 0.15 s of
        server CPU per load for the countries document alone). The plain ``.json`` stays
        beside it for browsers without ``DecompressionStream``.
        """
        folder = Path(static_dir) / "data"
        where = (str(folder.resolve()), url_base, compressed)
        urls = {}
        for name in self.names():
            done = self._published.get(name)
            if done is not None and done[0] == where:
                urls[name] = done[1]
                continue
            document = self.document(name)
            if "detail" in document:  # the exact geometry of big layers: fetched when zoomed in
                document = {k: v for k, v in document.items() if k != "detail"}
                document["detail_url"] = _write_document(
                    folder, f"{name}-detail", self.document(name)["detail"], url_base, compressed
                )
            if name != "countries":
                columns = self._popup_columns(name)
                n = len(self.bundle.layers[name])
                size = _popup_chunk(columns, n)
                document = {
                    **document,
                    "popup_chunk": size,
                    "popup_urls": [
                        _write_document(
                            folder,
                            f"{name}-popups{k // size}",
                            [_chunk(c, k, k + size) for c in columns],
                            url_base,
                            compressed,
                        )
                        for k in range(0, n, size)
                    ],
                }
            urls[name] = _write_document(folder, name, document, url_base, compressed)
            self._published[name] = (where, urls[name])
        return urls


def _status_fields(layer: Layer) -> list[str]:
    """The fields of a layer that have a dated history (``status`` of ``status_history``):
    the values an as-of year can change."""
    return [
        spec.name.removesuffix(HISTORY_SUFFIX)
        for spec in layer.schema.fields.values()
        if spec.type == "status_history" and spec.name.removesuffix(HISTORY_SUFFIX) in layer.schema.fields
    ]


def _write_document(folder: Path, name: str, document: object, url_base: str, compressed: bool = False) -> str:
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()[:16]
    target = folder / f"{name}-{digest}.json"
    if not target.is_file():
        write_atomic(target, data)
    if not compressed:
        return f"{url_base}/data/{target.name}"
    packed = target.with_name(target.name + ".gz")
    if not packed.is_file():  # mtime 0: the same document always gives the same bytes
        write_atomic(packed, gzip.compress(data, compresslevel=6, mtime=0))
    return f"{url_base}/data/{packed.name}"


#: Stands for the number in a badge header the runtime completes (not in any text: a control character).
_COUNT = "\x01"


def _badges(unlocated: gpd.GeoDataFrame, layer: Layer, assets: MapAssets) -> list[dict[str, Any]]:
    """The country-level records of a selection (``unlocated``: those with no site) grouped
    into one badge per country. Made once per set of records and language: a filter change
    that leaves a layer's country-level records as they were costs a lookup."""
    if not layer.country_fields or unlocated.empty:
        return []
    key = (layer.id, layer.country_fields[0], tuple(unlocated.index))
    found = assets._badge_memo.get(key)
    if found is None:
        found = assets._badge_memo[key] = _make_badges(unlocated, layer, assets)
        if len(assets._badge_memo) > 256:  # filters come and go: keep the recent ones
            with contextlib.suppress(StopIteration, KeyError, RuntimeError):  # sessions share it
                assets._badge_memo.pop(next(iter(assets._badge_memo)))
    return copy.deepcopy(found)


def _make_badges(unlocated: gpd.GeoDataFrame, layer: Layer, assets: MapAssets) -> list[dict[str, Any]]:
    badges = []
    for code, group in unlocated.groupby(layer.country_fields[0]):
        place = assets.label_point(str(code))
        if place is None:  # a country outside the basemap: tables and exports only
            continue
        lat, lon, name = place
        title = assets.tr.data(layer.title)

        def header(n: int | str, plural_of: int, country: str = name, title: str = title) -> str:
            return _h(
                assets.tr.ngettext(
                    "{country}: {n} country-level record of {layer}",
                    "{country}: {n} country-level records of {layer}",
                    plural_of,
                ).format(country=country, n=n, layer=title)
            )

        badges.append(
            {
                "id": badge_id(layer.id, str(code)),
                "lat": lat,
                "lon": lon,
                "members": [int(i) for i in group.index],
                "header": header(len(group), len(group)),
                # the year control (HTML export) shows fewer members in some years: the header
                # for one, and for n with _COUNT where the number goes (English and Japanese
                # have no other plural forms)
                "counted": [header(1, 1), header(_COUNT, 2)],
            }
        )
    return badges


def _tiles(basemap: str | None) -> dict[str, Any] | None:
    if not basemap:
        return None
    provider = xyz.query_name(basemap)
    return {
        "url": provider.build_url(),
        "attribution": provider.html_attribution,
        "max_zoom": provider.get("max_zoom", 18),
    }


def map_payload(
    selection: Selection,
    assets: MapAssets,
    refs: Mapping[str, object],
    *,
    choropleth: Choropleth | None = None,
    basemap: str | None = None,
    highlight: Iterable[str] | None = None,
    view: Mapping[str, Any] | None = None,
    years: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """What the map shows for a selection, as a JSON-able dict for the runtime.

    As of a year (the selection's ``as_of_year``), each layer carries ``asof``: the records
    whose colour, tooltip or popup then differ from today's (:meth:`MapAssets.year_changes`),
    and the legend is the layer's as of that year.

    Parameters
    ----------
    refs
        Where each document is: a URL (published static file) or the document itself
        (inlined, for self-contained HTML), by name (``countries`` and layer ids).
    highlight
        ISO3 codes of countries to outline (default: the selection's country filter).
    view
        A view request ``{"seq": n, "center": [lat, lon], "zoom": z}`` or
        ``{"seq": n, "bounds": [[s, w], [n, e]]}``; the runtime applies a request once per
        ``seq`` and otherwise leaves the view to the user.
    years
        ``(first, last)`` of the runtime's own year control (the HTML export): each layer
        carries ``years``, its changes for each year of the range that has any, and the
        legend holds every value of those years and of today.
    """
    legends: list[Legend] = []
    highlight = selection.filters.countries if highlight is None else highlight
    countries: dict[str, Any] = {"src": refs["countries"], "highlight": list(highlight)}
    if choropleth is not None:
        classified = assets.classified(choropleth)
        label = classified.legend.title
        countries["key"] = f"{choropleth.attribute}:{choropleth.scheme}:{choropleth.k}"
        countries["colors"] = classified.colors
        countries["fill"] = NO_DATA
        no_data = assets.tr.gettext("no data")
        countries["tips"] = {
            iso: _h(f"{label}: {assets.tr.value(_text(value)) or no_data}") for iso, value in classified.values.items()
        }
        legends.append(classified.legend)
    else:
        countries["fill"] = BASE_FILL
    countries["opacity"] = (0.55 if choropleth else 0.0) if basemap else 1.0
    layers = []
    as_of = selection.filters.as_of_year
    for layer, frame in selection.layers():
        style = layer.style
        spec: dict[str, Any] = {}
        if as_of is not None:
            spec["asof"] = assets.year_changes(layer.id, frame)
            legends.append(assets.legend(layer.id, [as_of]))
        elif years is not None and _status_fields(layer):
            each = {year: assets.year_changes(layer.id, status_as_of(frame, layer, year)) for year in range(*years)}
            each[years[1]] = assets.year_changes(layer.id, status_as_of(frame, layer, years[1]))
            spec["years"] = {str(year): changes for year, changes in each.items() if changes}
            legends.append(assets.legend(layer.id, range(years[0], years[1] + 1), with_today=True))
        else:
            legends.append(assets.legend(layer.id))
        everywhere = assets.sited(layer.id)
        positions = frame.index.to_numpy()
        sited = everywhere[positions]
        layers.append(
            {
                **spec,
                "id": layer.id,
                "name": assets.tr.data(layer.title),
                "src": refs[layer.id],
                "geometry": layer.geometry,
                "radius": style.radius,
                "stroke": style.stroke_color,
                "color": style.default_color,
                "fill_opacity": style.fill_opacity,
                "keep": keep_mask(len(everywhere), positions[sited]),
                "canvas": int(sited.sum()) > CANVAS_FROM,
                "badges": _badges(frame[~sited], layer, assets),
            }
        )
    return {
        "countries": countries,
        "layers": layers,
        "legend": legend_html(legends),
        "tiles": _tiles(basemap),
        "view": dict(view) if view else None,
        "text": runtime_text(assets.tr),
    }


def runtime_text(tr: Translator) -> dict[str, str]:
    """The words the map runtime shows by itself (plain text: it escapes them)."""
    _ = tr.gettext
    return {
        "legend": _("Legend"),
        "no_site": _("No site: shown on the country, not at a place."),
        "popup_failed": _("Details could not be loaded ({error})."),
        "countries_failed": _("Country outlines could not be loaded ({error}). Reload the page."),
        "layer_failed": _("{layer} could not be loaded ({error}). Reload the page."),
        "year": _("Year"),
        "all_years": _("All years"),
        "play": _("Play"),
        "pause": _("Pause"),
        "as_of": _("As of"),
    }


class _Runtime(MacroElement):
    """Attaches the map runtime (``web/mapper.js``) to the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        MapperRuntime.attach({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MapperRuntime"


class _Payload(MacroElement):
    """Applies a payload to the live map (embedded with :func:`js_literal`)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        MapperRuntime.update({{ this.payload_js }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = "MapperPayload"
        self.payload_js = js_literal(payload)


class _Raw(Element):
    """Text added to a page as it is, never read as a template (assets, captions)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: object) -> str:
        return self._text


def web_map(*, asset_base_url: str | None = STREAMLIT_STATIC_URL, runtime_version: str = "") -> folium.Map:
    """The Leaflet map with the runtime and no data: the same script on every call, so a
    streamlit-folium component built from it keeps its key and is never remounted."""
    m = folium.Map(
        location=[12.0, 120.0],
        zoom_start=3,
        tiles=None,
        min_zoom=2,
        max_bounds=False,
        world_copy_jump=False,
        control_scale=True,
        prefer_canvas=False,
    )
    _Runtime().add_to(m)
    if asset_base_url is not None:
        use_local_assets(m, asset_base_url)
        suffix = f"?v={runtime_version}" if runtime_version else ""
        m.default_js = [*m.default_js, ("mapper_runtime", f"{asset_base_url}/mapper/mapper.js{suffix}")]
        m.default_css = [*m.default_css, ("mapper_ja_font", f"{asset_base_url}/{JAPANESE_FONT_DIR}/ipaexfont.css")]
    return m


def payload_group(payload: Mapping[str, Any]) -> folium.FeatureGroup:
    """A feature group that carries a payload (for ``st_folium(feature_group_to_add=...)``)."""
    group = folium.FeatureGroup(name="mapper", control=False)
    group.add_child(_Payload(payload))
    return group


#: What the live map reports back to the app (streamlit-folium's ``returned_objects``): a
#: clicked feature, and where the map is.
LIVE_MAP_RETURNS = ("last_active_drawing", "center", "zoom", "bounds")


def live_map_args(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``streamlit_folium.st_folium`` for the live map showing
    ``payload``: the map that never changes (:func:`web_map`, assets served by Streamlit),
    its key, the payload's group, its size and what it reports back. One place for the Map
    page and the benchmarks' floor app (the Map page's map alone), so they cannot drift."""
    return {
        "fig": web_map(asset_base_url=STREAMLIT_STATIC_URL, runtime_version=runtime_version()),
        "key": "map",
        "feature_group_to_add": payload_group(payload),
        "height": 620,
        "use_container_width": True,
        "returned_objects": list(LIVE_MAP_RETURNS),
    }


def data_bounds(selection: Selection) -> list[list[float]] | None:
    """Leaflet bounds of the selected records that have a site (display longitudes), or None."""
    located = [pacific_view(g) for _, f in selection.layers() for g in f.geometry if g is not None and not g.is_empty]
    if not located:
        return None
    west, south, east, north = shapely.GeometryCollection(located).bounds
    return [[south, west], [north, east]]


def build_map(
    selection: Selection,
    *,
    choropleth: Choropleth | None = None,
    basemap: str | None = None,
    view: MapView | None = None,
    assets: MapAssets | None = None,
    lang: str | None = None,
    time: Mapping[str, Any] | None = None,
) -> folium.Map:
    """The whole map in one folium object with every document inlined: the countries, the
    selected records, legends; opened at ``view`` or fitted to the data. ``time`` adds the
    runtime's year control (see :func:`standalone_html`)."""
    assets = assets or MapAssets(selection.bundle, lang)
    refs = {name: assets.inline_document(name) for name in ["countries", *selection.frames]}
    if view is not None:
        request: dict[str, Any] = {"seq": 1, "center": list(view.center), "zoom": view.zoom}
    else:
        bounds = data_bounds(selection) or assets.bounds(selection.countries["iso3"])
        request = {"seq": 1, "bounds": bounds}
    payload = map_payload(
        selection,
        assets,
        refs,
        choropleth=choropleth,
        basemap=basemap,
        view=request,
        years=(time["min"], time["max"]) if time else None,
    )
    if time:
        payload["time"] = dict(time)
    m = web_map(asset_base_url=None)
    m.add_child(_Payload(payload))
    return m


def year_range(selection: Selection) -> tuple[int, int] | None:
    """The first and last year any selected record is dated in (for the year control), or None."""
    years: list[float] = []
    for layer, frame in selection.layers():
        if layer.facet_fields("year"):
            spans = active_spans(frame, layer)
            years += [v for v in spans.to_numpy().ravel().tolist() if v == v and not np.isinf(v)]
    return (int(min(years)), int(max(years))) if years else None


#: The fonts the HTML map asks for: the viewer's own Japanese system fonts (every desktop
#: and mobile OS sold in Japan has one of these), then the subset of IPAexGothic embedded in
#: the page (:func:`mapper.fonts.web_font`: no glyph missing on a machine without Japanese
#: fonts), then any sans-serif. No font is fetched.
FONT_STACK = f'-apple-system,"Segoe UI",{JAPANESE_FALLBACK},"{WEB_FAMILY}",sans-serif'


def standalone_html(
    selection: Selection,
    *,
    choropleth: Choropleth | None = None,
    view: MapView | None = None,
    title: str | None = None,
    assets: MapAssets | None = None,
    lang: str | None = None,
) -> str:
    """A single self-contained HTML page of the map: Leaflet and the runtime inlined, data
    embedded, no request to any server, so it works on an intranet or as a report appendix.

    All text is in ``lang`` (default English). The page has a year control with play: it
    opens at the selection's as-of year (or "all years") and shows, for any year, what
    existed or was active then (:func:`mapper.query.active_spans`). A selection made "as
    of" a year is widened to all years first, so the control can move through them.
    """
    tr = assets.tr if assets is not None else translator(lang)
    state = selection.filters
    as_of = state.as_of_year
    if as_of is not None:  # the control needs every year's records: the same filter without the year
        from .selection import select

        selection = select(selection.bundle, state.with_values(as_of_year=None))
    years = year_range(selection)
    time = {"min": years[0], "max": years[1], "year": as_of} if years else None
    m = build_map(selection, choropleth=choropleth, view=view, assets=assets, lang=tr.lang, time=time)
    m.default_js = []
    m.default_css = []
    title = title or tr.gettext("Indo-Pacific clean-energy partnerships")
    as_of_text = tr.gettext("data as of {date}").format(date=dates_text(selection, tr))
    caption = (
        f'<div class="mapper-caption"><b>{_h(title)}</b> · {_h(state.describe(selection.catalogue.facets, tr))} · '
        f"{_h(as_of_text)} · "
        f"{_h('; '.join(tr.data(a) for a in selection.attributions()))}</div>"
    )
    root = m.get_root()
    runtime = runtime_path().read_text(encoding="utf-8").replace("</script", "<\\/script")
    head = inline_head(title) + f'\n<meta name="language" content="{_h(tr.lang)}">' + f"\n<script>{runtime}</script>"
    root.header.add_child(_Raw(head), name="inline_assets", index=0)
    root.header.add_child(
        _Raw(
            # (scoped to the map so it outranks the runtime's own "font: ... sans-serif", added later)
            "<style>body,.leaflet-container,.leaflet-container .mapper-legend,.leaflet-container .mapper-time,"
            f".leaflet-container .mapper-error{{font-family:{FONT_STACK}}}"
            ".mapper-caption{position:fixed;bottom:0;left:0;right:0;z-index:1000;background:rgba(255,255,255,.9);"
            "font-size:11px;padding:3px 8px}.leaflet-bottom{bottom:34px}</style>"
        )
    )
    root.html.add_child(_Raw(caption))
    html_text = root.render()
    html_text = html_text.replace("<html>", f'<html lang="{_h(tr.lang)}">', 1)
    return _with_font(html_text)


def _with_font(page: str) -> str:
    """The page with the Japanese font embedded: subset to the characters the page holds
    (its text, labels and data), as an inline ``@font-face``, with the font's licence (the
    IPA Font License asks for its copy to go with the font). A page without any character
    the font covers is returned as it is."""
    font = web_font(page_characters(page))
    if font is None:
        return page
    licence = f"{WEB_FONT_NOTICE}\n\n{font.licence}".replace("</", "<\\/")
    block = (
        f"<style>{font.css()}</style>\n"
        f'<script type="text/plain" id="mapper-font-licence">\n{licence}\n</script>\n</head>'
    )
    return page.replace("</head>", block, 1)
