/*
 * Indo-Pacific clean-energy mapper: the map runtime (MIT licence, part of this project).
 *
 * The Python side builds one Leaflet map that never changes, then sends small "payloads"
 * (which records each layer keeps, the choropleth colours, the legend, the basemap, and a
 * view request). This runtime applies a payload to the live map without replacing it:
 *   - layer data and country polygons are loaded once (from a URL, or inline in exported
 *     HTML) and kept; a filter change only adds/removes features;
 *   - the view is moved only when a payload carries a new view request (seq);
 *   - every text shown comes pre-escaped from Python and is inserted as HTML only in
 *     tooltips, popups and the legend; nothing from data is evaluated.
 * Written without double braces and brace-percent pairs so that no template engine can
 * read it as a template.
 */
(function () {
  "use strict";
  var R = (window.MapperRuntime = window.MapperRuntime || {});
  var cache = R._cache || (R._cache = {});
  var PANES = { countries: 350, polygon: 410, line: 420, point: 430, badge: 440 };
  var CSS =
    ".mapper-legend{background:rgba(255,255,255,.94);font:12px/1.35 sans-serif;border-radius:4px;" +
    "box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:250px}" +
    ".mapper-legend summary{cursor:pointer;padding:4px 8px;font-weight:600;list-style-position:inside}" +
    ".mapper-legend .body{padding:0 8px 6px;max-height:32vh;overflow:auto}" +
    ".mapper-legend .block{margin-top:5px}.mapper-legend .block>b{display:block}" +
    ".mapper-legend .note{color:#555;font-size:11px}" +
    ".mapper-legend span{display:inline-block;vertical-align:middle;margin-right:6px}" +
    ".mapper-legend .sw-box{width:16px;height:11px;border:1px solid #777}" +
    ".mapper-legend .sw-point{width:10px;height:10px;border-radius:50%}" +
    ".mapper-legend .sw-line{width:22px;height:0}" +
    ".mapper-tip table,.mapper-popup table{border-collapse:collapse;font-size:12px}" +
    ".mapper-tip th,.mapper-popup th{text-align:left;padding-right:8px;color:#444;vertical-align:top;font-weight:600}" +
    ".mapper-popup h4{margin:2px 0 6px}.mapper-popup .mapper-layer{color:#666;font-size:11px;text-transform:uppercase}" +
    ".mapper-group .mapper-popup{border-top:1px solid #ccc;margin-top:6px;padding-top:4px}" +
    ".mapper-time{background:rgba(255,255,255,.94);font:12px/1.35 sans-serif;border-radius:4px;padding:4px 8px;" +
    "box-shadow:0 1px 4px rgba(0,0,0,.3)}.mapper-time input[type=range]{vertical-align:middle;width:160px}" +
    ".mapper-time .year{font-weight:600;margin:0 6px}" +
    ".mapper-error{background:#fde8e8;color:#8a1c1c;padding:4px 8px;font:12px sans-serif;border-radius:4px}" +
    ".leaflet-container{background:#dce9f2}";

  function addCss() {
    if (document.getElementById("mapper-css")) return;
    var style = document.createElement("style");
    style.id = "mapper-css";
    style.textContent = CSS;
    document.head.appendChild(style);
  }

  // A document published gzipped (".json.gz") is inflated here: the server sends the file as
  // it is. Without DecompressionStream the plain ".json" beside it is fetched instead.
  var INFLATE = typeof DecompressionStream === "function";

  function load(ref) {
    if (typeof ref !== "string") return Promise.resolve(ref);
    if (!cache[ref]) {
      var packed = /\.json\.gz$/.test(ref);
      var url = packed && !INFLATE ? ref.slice(0, -3) : ref;
      cache[ref] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
        if (!packed || !INFLATE) return r.json();
        return new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).json();
      });
      cache[ref].catch(function () {
        delete cache[ref];
      });
    }
    return cache[ref];
  }

  function pane(map, name) {
    var id = "mapper-" + name;
    if (!map.getPane(id)) map.createPane(id).style.zIndex = PANES[name];
    return id;
  }

  R.attach = function (map) {
    addCss();
    R.map = map;
    if (!map._mapper) {
      map.on("zoomend", function () {
        resize(map, map._mapper);
      });
      map._mapper = {
        root: L.featureGroup().addTo(map),
        layers: {},
        countries: null,
        countriesSrc: null,
        style: null,
        tiles: null,
        tilesKey: null,
        legend: null,
        legendOpen: true,
        viewSeq: null,
        token: 0,
        errors: {},
        text: {},
        year: null,
        time: null,
        timeControl: null,
        lastPayload: null,
      };
    }
    return map._mapper;
  };

  function setStatus(map, st) {
    var shown = {};
    Object.keys(st.layers).forEach(function (lid) {
      var l = st.layers[lid];
      if (l.active) shown[lid] = l.count;
    });
    var el = map.getContainer();
    el.setAttribute("data-mapper-shown", JSON.stringify(shown));
    el.setAttribute("data-mapper-token", String(st.token));
    el.setAttribute("data-mapper-ready", st.pending === 0 ? "1" : "0");
    el.setAttribute("data-mapper-choropleth", st.style ? st.style.key || "" : "");
    el.setAttribute("data-mapper-year", st.year === null ? "" : String(st.year));
  }

  // words the runtime shows by itself come from the payload (in the page's language)
  function say(st, key, values) {
    var text = String(st.text[key] || "");
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  }

  function showError(map, st, key, message) {
    st.errors[key] = message;
    if (!st.errorControl) {
      st.errorControl = L.control({ position: "topright" });
      st.errorControl.onAdd = function () {
        return L.DomUtil.create("div", "mapper-error");
      };
      st.errorControl.addTo(map);
    }
    st.errorControl.getContainer().textContent = Object.values(st.errors).join(" · ");
  }

  // ---- basemap tiles --------------------------------------------------------------------------
  function applyTiles(map, st, tiles) {
    var key = tiles ? tiles.url : null;
    if (key === st.tilesKey) return;
    if (st.tiles) map.removeLayer(st.tiles);
    st.tiles = null;
    st.tilesKey = key;
    if (tiles) {
      st.tiles = L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: tiles.max_zoom || 18 });
      st.tiles.addTo(map);
    }
  }

  // ---- legend (collapsible; its open/closed state survives updates) ---------------------------
  function applyLegend(map, st, html) {
    if (!html) {
      if (st.legend) map.removeControl(st.legend);
      st.legend = null;
      return;
    }
    if (!st.legend) {
      st.legend = L.control({ position: "bottomright" });
      st.legend.onAdd = function () {
        var div = L.DomUtil.create("div", "mapper-legend");
        var details = L.DomUtil.create("details", "", div);
        details.open = st.legendOpen;
        details.addEventListener("toggle", function () {
          st.legendOpen = details.open;
        });
        var summary = L.DomUtil.create("summary", "", details);
        summary.textContent = say(st, "legend");
        L.DomUtil.create("div", "body", details);
        L.DomEvent.disableScrollPropagation(div);
        L.DomEvent.disableClickPropagation(div);
        return div;
      };
      st.legend.addTo(map);
    }
    st.legend.getContainer().querySelector("summary").textContent = say(st, "legend"); // the language may change
    st.legend.getContainer().querySelector(".body").innerHTML = html;
  }

  // ---- countries (loaded once; restyled for the choropleth and the highlight) -----------------
  function countryStyle(st, feature) {
    var s = st.style || {};
    var iso = feature.properties.iso3;
    var hit = s.highlight && s.highlight.indexOf(iso) !== -1;
    return {
      pane: "mapper-countries",
      color: hit ? "#b2182b" : "#9a9a9a",
      weight: hit ? 2.5 : 0.7,
      fillColor: (s.colors && s.colors[iso]) || s.fill || "#f4f1ea",
      fillOpacity: s.opacity === undefined ? 1 : s.opacity,
    };
  }

  function drawCountries(map, st, data, src) {
    if (st.countriesSrc === src && st.countries) return;
    if (st.countries) st.root.removeLayer(st.countries);
    pane(map, "countries");
    st.countries = L.geoJSON(data, {
      pane: "mapper-countries",
      style: function (f) {
        return countryStyle(st, f);
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(
          function () {
            var s = st.style || {};
            var extra = s.tips && s.tips[feature.properties.iso3];
            return '<div class="mapper-tip">' + feature.properties.tip + (extra ? "<br>" + extra : "") + "</div>";
          },
          { sticky: true }
        );
        layer.on("mouseover", function () {
          layer.setStyle({ weight: 2, color: "#333333" });
        });
        layer.on("mouseout", function () {
          layer.setStyle(countryStyle(st, feature));
        });
      },
    });
    st.countriesSrc = src;
    st.root.addLayer(st.countries);
  }

  // ---- thematic layers ----------------------------------------------------------------------------
  var ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
      return ESC[c];
    });
  }

  // integers packed by Python as base64 little-endian bytes ({t: type, b: base64}), read once
  // into a typed array; plain arrays are returned as they are
  var TYPED = { u8: Uint8Array, u16: Uint16Array, i32: Int32Array };
  function bytesOf(text) {
    var raw = atob(text || "");
    var bytes = new Uint8Array(raw.length);
    for (var k = 0; k < raw.length; k += 1) bytes[k] = raw.charCodeAt(k);
    return bytes;
  }
  function unpack(p) {
    if (!p || Array.isArray(p)) return p;
    if (!p.v) p.v = new TYPED[p.t](bytesOf(p.b).buffer);
    return p.v;
  }

  // the text of record j in an encoded column ({d: distinct texts, k: packed index per record})
  function cell(column, j) {
    return column ? column.d[unpack(column.k)[j]] : "";
  }

  // as of a year, a record whose status then differs from today's (the payload's "asof", or
  // the HTML map's "years") has its colour and texts of that year: change = {color, tip, pop}
  function tipHtml(data, i, change) {
    var rows = (data.columns || [])
      .map(function (column, k) {
        var value = change && change.tip && k in change.tip ? change.tip[k] : column[1][unpack(column[2])[i]];
        return value ? "<tr><th>" + esc(column[0]) + "</th><td>" + esc(value) + "</td></tr>" : "";
      })
      .join("");
    return '<div class="mapper-tip"><b>' + esc(data.labels[i]) + "</b><table>" + rows + "</table></div>";
  }

  var LINK = /^https?:\/\/[^\s<>"']+$/i;

  function cellHtml(kind, value) {
    if (kind !== "url" && kind !== "url_list") return esc(value);
    return String(value)
      .split(";")
      .map(function (u) {
        return u.trim();
      })
      .filter(function (u) {
        return LINK.test(u);
      })
      .map(function (u) {
        var host = u.replace(/^https?:\/\/(www\.)?/i, "").split("/")[0];
        return '<a href="' + esc(u) + '" target="_blank" rel="noopener noreferrer">' + esc(host + " \u2197") + "</a>";
      })
      .join("<br>");
  }

  // A popup built here from encoded plain-text columns: the original name shown beside a
  // translated label (or null), then one per popup field; j is the record's place in them.
  function renderPopup(data, columns, i, j, change) {
    if (!columns || !columns.length) return "";
    var original = cell(columns[0], j);
    var heading = String(data.labels[i]) + (original ? " (" + original + ")" : "");
    var rows = (data.popup_fields || [])
      .map(function (field, k) {
        var value = change && change.pop && k in change.pop ? change.pop[k] : cell(columns[k + 1], j);
        return value ? "<tr><th>" + esc(field[0]) + "</th><td>" + cellHtml(field[1], value) + "</td></tr>" : "";
      })
      .join("");
    return (
      '<div class="mapper-popup"><div class="mapper-layer">' + esc(data.title) + "</div><h4>" +
      esc(heading) + "</h4><table>" + rows + "</table></div>"
    );
  }

  function popupHtml(data, i, change) {
    if (data.popups) return Promise.resolve(renderPopup(data, data.popups, i, i, change));
    var k = Math.floor(i / data.popup_chunk);
    return load(data.popup_urls[k]).then(function (chunk) {
      return renderPopup(data, chunk, i, i - k * data.popup_chunk, change);
    });
  }

  function lazyPopup(st, layer, content) {
    layer.bindPopup("…", { maxWidth: 460, maxHeight: 320 });
    layer.on("popupopen", function (e) {
      content().then(
        function (html) {
          e.popup.setContent(html);
        },
        function (err) {
          e.popup.setContent(esc(say(st, "popup_failed", { error: err.message })));
        }
      );
    });
  }

  function changeOf(st, lid, i) {
    var entry = st.layers[lid];
    return entry && entry.changes ? entry.changes[i] : undefined;
  }

  function featureStyle(spec, data, p, change) {
    var color = change && change.color ? change.color : data.palette[p.c];
    if (spec.geometry === "line") return { color: color, weight: p.w, opacity: 0.9 };
    return {
      color: spec.stroke || color,
      weight: spec.geometry === "point" ? 2 : 1.5,
      fillColor: color,
      fillOpacity: spec.geometry === "point" ? 0.9 : spec.fill_opacity,
    };
  }

  // a small feature's symbol: a dot in the feature's colour
  function symbolStyle(spec, data, properties, change) {
    var options = featureStyle(spec, data, properties, change);
    options.radius = 5;
    options.weight = 1.5;
    options.fillOpacity = 0.9;
    options.fillColor = change && change.color ? change.color : data.palette[properties.c];
    return options;
  }

  function bindFeature(st, spec, data, layer, properties) {
    var i = properties.i;
    layer.bindTooltip(
      function () {
        return tipHtml(data, i, changeOf(st, spec.id, i));
      },
      { sticky: true }
    );
    lazyPopup(st, layer, function () {
      return popupHtml(data, i, changeOf(st, spec.id, i));
    });
    layer.on("mouseover", function () {
      layer.setStyle({ weight: 5, fillOpacity: 0.7 });
    });
    layer.on("mouseout", function () {
      var change = changeOf(st, spec.id, i);
      layer.setStyle(
        layer.options.mapperSymbol ? symbolStyle(spec, data, properties, change) : featureStyle(spec, data, properties, change)
      );
    });
  }

  // compact points: one tooltip, popup and hover binding on the layer's group, which Leaflet
  // hands the marker under the pointer (not four objects and handlers per marker)
  function bindGroup(st, spec, data, group) {
    function index(layer) {
      return layer.feature.properties.i;
    }
    group.bindTooltip(
      function (layer) {
        return tipHtml(data, index(layer), changeOf(st, spec.id, index(layer)));
      },
      { sticky: true }
    );
    group.bindPopup("…", { maxWidth: 460, maxHeight: 320 });
    group.on("popupopen", function (e) {
      var source = e.popup._source;
      if (!source || !source.feature) return;
      popupHtml(data, index(source), changeOf(st, spec.id, index(source))).then(
        function (html) {
          e.popup.setContent(html);
        },
        function (err) {
          e.popup.setContent(esc(say(st, "popup_failed", { error: err.message })));
        }
      );
    });
    group.on("mouseover", function (e) {
      if (e.layer && e.layer.setStyle) e.layer.setStyle({ weight: 5, fillOpacity: 0.7 });
    });
    group.on("mouseout", function (e) {
      if (!e.layer || !e.layer.setStyle) return;
      var p = e.layer.feature.properties;
      e.layer.setStyle(featureStyle(spec, data, p, changeOf(st, spec.id, p.i)));
    });
  }

  // The canvas renderer of big layers: it keeps one small image per point style, from which a
  // point cloud (below) stamps its points (Leaflet's own renderer builds, fills and strokes a
  // path per circle: 0.9 s of a 100,000-point first draw; stamping takes 0.2 s).
  var SpriteCanvas = L.Canvas.extend({
    _sprite: function (options, r) {
      var key = [r, options.fill, options.fillColor, options.fillOpacity, options.stroke, options.color,
        options.opacity, options.weight].join("|");
      var sprites = this._sprites || (this._sprites = {});
      if (!sprites[key]) {
        var m = L.Browser.retina ? 2 : 1;
        var half = Math.ceil(r + (options.stroke ? options.weight / 2 : 0)) + 1;
        var canvas = document.createElement("canvas");
        canvas.width = canvas.height = 2 * half * m;
        var ctx = canvas.getContext("2d");
        ctx.scale(m, m);
        ctx.beginPath();
        ctx.arc(half, half, r, 0, Math.PI * 2, false);
        this._fillStroke(ctx, { options: options });
        sprites[key] = { image: canvas, half: half };
      }
      return sprites[key];
    },
  });

  // A big point layer as ONE Leaflet layer on the sprite canvas: coordinates, colour codes and
  // what is shown are typed arrays, not a Leaflet object per point (which took ~1 kB each and
  // made a million points crash the tab). It finds the point under the pointer itself, in a
  // grid of the points on screen built on the first hover after a draw, and tells Leaflet's
  // renderer so: tooltips, popups, clicks (streamlit-folium reads toGeoJSON) work as for any
  // layer. `_hit` is the position of the point last found under the pointer.
  var PointCloud = L.Path.extend({
    options: { interactive: true, fill: true },

    initialize: function (sites, options) {
      L.setOptions(this, options);
      this._sites = sites; // {n, lat, lng (Float64Array), codes, record (position -> record index), ids}
      this._shown = new Uint8Array(sites.n);
      this._over = {}; // record index -> colour of a year's change
      this._hit = -1;
    },

    // the positions shown: those whose record passes `keep(recordIndex)`; returns how many
    show: function (keep) {
      var s = this._sites;
      var count = 0;
      for (var k = 0; k < s.n; k += 1) {
        var on = keep(s.record[k]) ? 1 : 0;
        this._shown[k] = on;
        count += on;
      }
      if (this._map) this.redraw();
      return count;
    },

    recolor: function (over) {
      if (!Object.keys(over).length && !Object.keys(this._over).length) return;
      this._over = over;
      if (this._map) this.redraw();
    },

    site: function (k) {
      var s = this._sites;
      return { i: s.record[k], id: s.ids[k], c: s.codes[k], lat: s.lat[k], lng: s.lng[k], shown: !!this._shown[k] };
    },

    getLatLng: function () {
      var s = this._sites;
      return this._hit < 0 ? null : L.latLng(s.lat[this._hit], s.lng[this._hit]);
    },

    // what a click reports (streamlit-folium sends toGeoJSON() of the clicked layer to the app)
    toGeoJSON: function () {
      if (this._hit < 0) return { type: "Feature", properties: {}, geometry: null };
      var site = this.site(this._hit);
      return {
        type: "Feature",
        properties: { i: site.i, id: site.id, c: site.c },
        geometry: { type: "Point", coordinates: [site.lng, site.lat] },
      };
    },

    _project: function () {
      var map = this._map;
      var s = this._sites;
      if (!this._wx) {
        // world pixels at zoom 0, once: each view's projection is then a scale and a shift
        this._wx = new Float64Array(s.n);
        this._wy = new Float64Array(s.n);
        for (var j = 0; j < s.n; j += 1) {
          var w = map.options.crs.latLngToPoint(L.latLng(s.lat[j], s.lng[j]), 0);
          this._wx[j] = w.x;
          this._wy[j] = w.y;
        }
        this._px = new Float64Array(s.n);
        this._py = new Float64Array(s.n);
      }
      var scale = map.options.crs.scale(map.getZoom()) / map.options.crs.scale(0);
      var origin = map.getPixelOrigin();
      var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (var k = 0; k < s.n; k += 1) {
        var x = Math.round(this._wx[k] * scale) - origin.x;
        var y = Math.round(this._wy[k] * scale) - origin.y;
        this._px[k] = x;
        this._py[k] = y;
        if (this._shown[k]) {
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
          if (y < minY) minY = y;
          if (y > maxY) maxY = y;
        }
      }
      var pad = this._reach();
      this._pxBounds = minX <= maxX ? L.bounds([minX - pad, minY - pad], [maxX + pad, maxY + pad]) : null;
      this._grid = null;
    },

    _reach: function () {
      return Math.max(Math.round(this.options.radius), 1) + (this.options.weight || 0) / 2 + 1;
    },

    _update: function () {
      this._grid = null; // the canvas moved: find points on screen again at the next hover
    },

    _empty: function () {
      return !this._pxBounds;
    },

    _updatePath: function () {
      var renderer = this._renderer;
      if (!renderer._drawing || !this._pxBounds) return;
      var s = this._sites;
      var options = this.options;
      var r = Math.max(Math.round(options.radius), 1);
      var ctx = renderer._ctx;
      var b = renderer._bounds;
      var sprites = {};
      function sprite(color) {
        if (!sprites[color]) sprites[color] = renderer._sprite(L.extend({}, options, options.styleOf(color)), r);
        return sprites[color];
      }
      var palette = options.palette;
      var half = sprite(palette[0] || "#000").half;
      var minX = b.min.x - half, minY = b.min.y - half, maxX = b.max.x + half, maxY = b.max.y + half;
      for (var k = 0; k < s.n; k += 1) {
        if (!this._shown[k]) continue;
        var x = this._px[k], y = this._py[k];
        if (x < minX || x > maxX || y < minY || y > maxY) continue;
        var color = this._over[s.record[k]] || palette[s.codes[k]];
        var one = sprite(color);
        ctx.drawImage(one.image, x - one.half, y - one.half, 2 * one.half, 2 * one.half);
      }
    },

    // the shown points on the canvas, bucketed by cell (counting sort into typed arrays)
    _index: function () {
      var b = this._renderer._bounds;
      var cell = Math.max(8, 2 * this._reach());
      var cols = Math.ceil((b.max.x - b.min.x) / cell) + 1;
      var rows = Math.ceil((b.max.y - b.min.y) / cell) + 1;
      var n = this._sites.n;
      var of = new Int32Array(n);
      var start = new Int32Array(cols * rows + 1);
      for (var k = 0; k < n; k += 1) {
        of[k] = -1;
        if (!this._shown[k]) continue;
        var cx = Math.floor((this._px[k] - b.min.x) / cell);
        var cy = Math.floor((this._py[k] - b.min.y) / cell);
        if (cx < 0 || cy < 0 || cx >= cols || cy >= rows) continue;
        of[k] = cy * cols + cx;
        start[of[k] + 1] += 1;
      }
      for (var c = 0; c < cols * rows; c += 1) start[c + 1] += start[c];
      var fill = start.slice(0, cols * rows);
      var items = new Int32Array(start[cols * rows]);
      for (var j = 0; j < n; j += 1) if (of[j] >= 0) items[fill[of[j]]++] = j;
      this._grid = { min: b.min, cell: cell, cols: cols, rows: rows, start: start, items: items };
    },

    _containsPoint: function (p) {
      if (!this._pxBounds || !this._renderer._bounds) return false;
      if (!this._grid) this._index();
      var g = this._grid;
      var reach = this._reach();
      var cx = Math.floor((p.x - g.min.x) / g.cell);
      var cy = Math.floor((p.y - g.min.y) / g.cell);
      var best = -1;
      var bestD = reach * reach;
      for (var y = cy - 1; y <= cy + 1; y += 1) {
        if (y < 0 || y >= g.rows) continue;
        for (var x = cx - 1; x <= cx + 1; x += 1) {
          if (x < 0 || x >= g.cols) continue;
          var c = y * g.cols + x;
          for (var q = g.start[c]; q < g.start[c + 1]; q += 1) {
            var k = g.items[q];
            var dx = this._px[k] - p.x, dy = this._py[k] - p.y;
            var d = dx * dx + dy * dy;
            if (d <= bestD) {
              bestD = d;
              best = k; // the last drawn of equals: the one on top
            }
          }
        }
      }
      if (best >= 0) this._hit = best;
      return best >= 0;
    },
  });

  // a compact point document's sites as typed arrays: coordinates (degrees), colour codes,
  // each position's record index and ids
  function compactSites(data) {
    var pts = data.points;
    var xy = unpack(pts.xy);
    var codes = unpack(pts.c);
    var where = unpack(pts.i);
    var n = codes.length;
    var lat = new Float64Array(n);
    var lng = new Float64Array(n);
    var record = new Int32Array(n);
    for (var k = 0; k < n; k += 1) {
      lng[k] = xy[2 * k] / pts.scale;
      lat[k] = xy[2 * k + 1] / pts.scale;
      record[k] = where ? where[k] : k;
    }
    return { n: n, lat: lat, lng: lng, codes: codes, record: record, ids: pts.id };
  }

  // tooltip, popup and hover highlight of a point cloud: for the point under the pointer
  function bindCloud(map, st, spec, data, cloud, paneId) {
    var lit = null;
    var litAt = -1;
    function recordOf() {
      return cloud._sites.record[cloud._hit];
    }
    cloud.bindTooltip(
      function () {
        return cloud._hit < 0 ? "" : tipHtml(data, recordOf(), changeOf(st, spec.id, recordOf()));
      },
      { sticky: true }
    );
    cloud.bindPopup("…", { maxWidth: 460, maxHeight: 320 });
    cloud.on("popupopen", function (e) {
      var k = cloud._hit; // just found by the click
      var i = cloud._sites.record[k];
      e.popup.setLatLng([cloud._sites.lat[k], cloud._sites.lng[k]]);
      popupHtml(data, i, changeOf(st, spec.id, i)).then(
        function (html) {
          e.popup.setContent(html);
        },
        function (err) {
          e.popup.setContent(esc(say(st, "popup_failed", { error: err.message })));
        }
      );
    });
    cloud.on("mousemove", function () {
      if (cloud._hit === litAt) return;
      litAt = cloud._hit;
      var site = cloud.site(litAt);
      var change = changeOf(st, spec.id, site.i);
      var style = featureStyle(spec, data, site, change);
      style.weight = 5;
      style.fillOpacity = 0.7;
      style.radius = spec.radius;
      style.pane = paneId;
      style.interactive = false;
      if (lit) map.removeLayer(lit);
      lit = L.circleMarker([site.lat, site.lng], style).addTo(map); // SVG: the canvas is not redrawn
      if (cloud.getTooltip()) cloud.getTooltip().update();
    });
    cloud.on("mouseout remove", function () {
      if (lit) map.removeLayer(lit);
      lit = null;
      litAt = -1;
    });
  }

  function buildLayer(map, st, spec, data) {
    var paneId = pane(map, spec.geometry);
    var renderer = spec.canvas ? new SpriteCanvas({ pane: paneId }) : undefined;
    var byIndex = {};
    var cloud = null;
    if (data.points && spec.canvas) {
      // a point's look in a colour: the same style as a circle marker of the layer
      var styleOf = function (color) {
        return featureStyle(spec, data, {}, { color: color });
      };
      cloud = new PointCloud(compactSites(data), {
        pane: paneId,
        renderer: renderer,
        radius: spec.radius,
        weight: styleOf(data.palette[0]).weight,
        palette: data.palette,
        styleOf: styleOf,
      });
    } else if (data.points) {
      // compact points, few enough for one circle marker each
      var sites = compactSites(data);
      for (var k = 0; k < sites.n; k += 1) {
        var properties = { i: sites.record[k], id: sites.ids[k], c: sites.codes[k] };
        var options = featureStyle(spec, data, properties);
        options.radius = spec.radius;
        options.pane = paneId;
        options.renderer = renderer;
        var marker = L.circleMarker([sites.lat[k], sites.lng[k]], options);
        // (no geometry object per point: toGeoJSON, which a click reports, builds it from the marker)
        marker.feature = { type: "Feature", properties: properties, geometry: null };
        byIndex[properties.i] = marker;
      }
    } else {
      L.geoJSON(data, {
        pane: paneId,
        renderer: renderer,
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { radius: spec.radius, pane: paneId, renderer: renderer });
        },
        style: function (f) {
          return featureStyle(spec, data, f.properties);
        },
        onEachFeature: function (feature, layer) {
          bindFeature(st, spec, data, layer, feature.properties);
          byIndex[feature.properties.i] = layer;
        },
      });
    }
    var symbols = {};
    if (spec.geometry === "polygon" || spec.geometry === "line") {
      // a feature smaller than a few pixels on screen is drawn as a symbol at its centre
      Object.keys(byIndex).forEach(function (key) {
        var shape = byIndex[key];
        var properties = shape.feature.properties;
        var options = symbolStyle(spec, data, properties);
        options.pane = pane(map, "point");
        var symbol = L.circleMarker(shape.getBounds().getCenter(), options);
        symbol.feature = shape.feature;
        symbol.options.mapperSymbol = true;
        bindFeature(st, spec, data, symbol, properties);
        symbols[key] = symbol;
      });
    }
    var entry = {
      id: spec.id,
      byIndex: byIndex,
      symbols: symbols,
      data: data,
      shown: L.featureGroup(),
      badges: L.featureGroup(),
      visible: {},
    };
    if (cloud) {
      entry.cloud = cloud;
      bindCloud(map, st, spec, data, cloud, paneId);
    } else if (data.points) {
      bindGroup(st, spec, data, entry.shown);
    }
    if (data.bands) {
      entry.band = -1; // -1: the features' own geometry
      entry.position = {}; // record index -> position in data.features (the bands' order)
      entry.exact = {}; // the features' own geometry, as built
      entry.bandLatLngs = data.bands.map(function () {
        return {};
      });
      entry.bandLatLngs[-2] = {};
      data.features.forEach(function (feature, k) {
        entry.position[feature.properties.i] = k;
      });
      Object.keys(byIndex).forEach(function (key) {
        entry.exact[key] = byIndex[key].getLatLngs();
      });
      applyBand(map, entry);
    }
    return entry;
  }

  // ---- per-zoom simplification: big line and polygon layers draw simplified geometry at
  // small scales (the bands were computed in Python; popups and exports use the records) ----
  var DEPTH = { LineString: 0, MultiLineString: 1, Polygon: 1, MultiPolygon: 2 };

  // the band to draw at a zoom: a coarser band's index, -1 for the features' own geometry (the
  // finest band), -2 for the exact geometry ("detail")
  function bandAt(data, zoom) {
    for (var b = 0; b < data.bands.length; b += 1) if (zoom <= data.bands[b].zoom) return b;
    return zoom <= data.base_zoom ? -1 : -2;
  }

  function bandLatLngs(entry, b, key) {
    if (b === -1) return null;
    var cache = entry.bandLatLngs[b];
    if (!(key in cache)) {
      var list = b === -2 ? entry.detail : entry.data.bands[b].geometries;
      var geometry = list[entry.position[key]];
      cache[key] = geometry ? L.GeoJSON.coordsToLatLngs(geometry.coordinates, DEPTH[geometry.type]) : null;
    }
    return cache[key];
  }

  // how a band shows in data-mapper-bands: the last zoom it is drawn at, or "exact"
  function bandName(data, b) {
    if (b === -2) return "exact";
    return b === -1 ? data.base_zoom : data.bands[b].zoom;
  }

  function applyBand(map, entry) {
    if (!entry.exact) return;
    var b = bandAt(entry.data, map.getZoom());
    if (b !== entry.band) switchBand(map, entry, b);
    // which band each layer draws (the last zoom of the band, or "exact"), for tests and benchmarks
    var drawnBands = {};
    var layers = (map._mapper && map._mapper.layers) || {};
    Object.keys(layers).forEach(function (lid) {
      var e = layers[lid];
      if (e.exact) drawnBands[lid] = bandName(e.data, e.band);
    });
    if (entry.id) drawnBands[entry.id] = bandName(entry.data, entry.band);
    map.getContainer().setAttribute("data-mapper-bands", JSON.stringify(drawnBands));
  }

  function switchBand(map, entry, b) {
    if (b === -2 && !entry.detail) {
      // the exact geometry: inline in exported HTML, else one more document, fetched once
      if (entry.data.detail) {
        entry.detail = entry.data.detail;
      } else {
        if (!entry.detailLoading) {
          entry.detailLoading = load(entry.data.detail_url).then(
            function (detail) {
              entry.detail = detail;
              applyBand(map, entry);
            },
            function () {
              entry.detailLoading = null; // the simplified outlines stay; the next zoom tries again
            }
          );
        }
        return;
      }
    }
    var before = entry.band;
    Object.keys(entry.byIndex).forEach(function (key) {
      var now = bandLatLngs(entry, b, key);
      if (now || bandLatLngs(entry, before, key)) entry.byIndex[key].setLatLngs(now || entry.exact[key]);
    });
    entry.band = b;
  }

  var SYMBOL_BELOW_PX = 8;

  function tooSmall(map, shape) {
    var b = shape.getBounds();
    var sw = map.latLngToLayerPoint(b.getSouthWest());
    var ne = map.latLngToLayerPoint(b.getNorthEast());
    return Math.max(Math.abs(ne.x - sw.x), Math.abs(ne.y - sw.y)) < SYMBOL_BELOW_PX;
  }

  // the object to draw for feature i at this zoom: its shape, or its symbol when tiny
  function drawn(map, entry, key) {
    var shape = entry.byIndex[key];
    var symbol = entry.symbols && entry.symbols[key];
    return symbol && tooSmall(map, shape) ? symbol : shape;
  }

  function resize(map, st) {
    Object.keys(st.layers).forEach(function (lid) {
      var entry = st.layers[lid];
      applyBand(map, entry);
      if (!entry.active || !entry.symbols) return;
      Object.keys(entry.visible).forEach(function (key) {
        var now = drawn(map, entry, key);
        if (now !== entry.visible[key]) {
          entry.shown.removeLayer(entry.visible[key]);
          entry.shown.addLayer(now);
          entry.visible[key] = now;
        }
      });
    });
  }

  // a badge's header for the members shown (the year control hides some in some years)
  function badgeHeader(badge, n) {
    if (!badge.counted || n === badge.members.length) return badge.header;
    return n === 1 ? badge.counted[0] : badge.counted[1].split("\u0001").join(String(n));
  }

  function badgeLayer(map, st, spec, entry, badge, members) {
    var paneId = pane(map, "badge");
    var data = entry.data;
    var marker = L.circleMarker([badge.lat, badge.lon], {
      pane: paneId,
      radius: 8 + 2 * Math.min(members.length, 8),
      color: spec.stroke || spec.color,
      weight: 2.5,
      dashArray: "5 4",
      fillColor: "#ffffff",
      fillOpacity: 0.85,
    });
    var names = members
      .map(function (i) {
        return "<li>" + esc(data.labels[i]) + "</li>";
      })
      .join("");
    var header = badgeHeader(badge, members.length);
    marker.feature = { type: "Feature", properties: { id: badge.id, count: members.length }, geometry: null };
    marker.bindTooltip(
      '<div class="mapper-tip"><b>' + header + "</b><div>" + esc(say(st, "no_site")) + "</div><ul>" +
        names + "</ul></div>",
      { sticky: true }
    );
    lazyPopup(st, marker, function () {
      return Promise.all(
        members.map(function (i) {
          return popupHtml(data, i, changeOf(st, spec.id, i));
        })
      ).then(function (parts) {
        return '<div class="mapper-group"><b>' + header + "</b>" + parts.join("") + "</div>";
      });
    });
    return marker;
  }

  function decodeMask(text) {
    var bytes = bytesOf(text);
    return function (i) {
      return (bytes[i >> 3] >> (i & 7)) & 1;
    };
  }

  // the year control (exported HTML): is record i active in the chosen year?
  function inYear(st, data, i) {
    if (st.year === null || !data.spans) return true;
    var span = data.spans[i];
    if (!span) return false;
    return (span[0] === null || span[0] <= st.year) && (span[1] === null || st.year <= span[1]);
  }

  function applyLayer(map, st, spec, data) {
    var entry = st.layers[spec.id];
    if (!entry || entry.src !== spec.src) {
      if (entry) {
        st.root.removeLayer(entry.shown);
        st.root.removeLayer(entry.badges);
      }
      entry = buildLayer(map, st, spec, data);
      entry.src = spec.src;
      st.layers[spec.id] = entry;
    }
    restyle(st, spec, entry);
    var kept = decodeMask(spec.keep);
    var count = 0;
    var add = [];
    if (entry.cloud) {
      count = entry.cloud.show(function (i) {
        return kept(i) && inYear(st, entry.data, i);
      });
      if (!entry.shown.hasLayer(entry.cloud)) add.push(entry.cloud);
    }
    Object.keys(entry.byIndex).forEach(function (key) {
      var i = Number(key);
      if (kept(i) && inYear(st, entry.data, i)) {
        count += 1;
        if (!entry.visible[key]) {
          var l = drawn(map, entry, key);
          add.push(l);
          entry.visible[key] = l;
        }
      } else if (entry.visible[key]) {
        entry.shown.removeLayer(entry.visible[key]);
        delete entry.visible[key];
      }
    });
    add.forEach(function (l) {
      entry.shown.addLayer(l);
    });
    entry.badges.clearLayers();
    (spec.badges || []).forEach(function (b) {
      var members = b.members.filter(function (i) {
        return inYear(st, entry.data, i);
      });
      if (members.length) entry.badges.addLayer(badgeLayer(map, st, spec, entry, b, members));
    });
    if (!st.root.hasLayer(entry.shown)) st.root.addLayer(entry.shown);
    if (!st.root.hasLayer(entry.badges)) st.root.addLayer(entry.badges);
    entry.active = true;
    entry.count = count;
  }

  // the changes of the year shown: the payload's (the app, as of a year) or, with the HTML map's
  // own year control, that year's; a record whose colour changed is drawn again in place
  function restyle(st, spec, entry) {
    var list = st.time ? (st.year === null ? [] : (spec.years || {})[String(st.year)] || []) : spec.asof || [];
    var changes = {};
    list.forEach(function (c) {
      changes[c.i] = c;
    });
    var before = entry.changes || {};
    entry.changes = changes;
    if (entry.cloud) {
      var over = {};
      Object.keys(changes).forEach(function (i) {
        if (changes[i].color) over[i] = changes[i].color;
      });
      entry.cloud.recolor(over);
      return;
    }
    var keys = {};
    Object.keys(before).concat(Object.keys(changes)).forEach(function (key) {
      keys[key] = true;
    });
    Object.keys(keys).forEach(function (key) {
      var was = before[key] && before[key].color;
      var now = changes[key] && changes[key].color;
      var shape = entry.byIndex[key];
      if (was === now || !shape) return;
      shape.setStyle(featureStyle(spec, entry.data, shape.feature.properties, changes[key]));
      var symbol = entry.symbols && entry.symbols[key];
      if (symbol) symbol.setStyle(symbolStyle(spec, entry.data, shape.feature.properties, changes[key]));
    });
  }

  function deactivate(st, lid) {
    var entry = st.layers[lid];
    if (!entry || !entry.active) return;
    st.root.removeLayer(entry.shown);
    st.root.removeLayer(entry.badges);
    entry.active = false;
  }

  // ---- view requests ----------------------------------------------------------------------------
  function applyView(map, st, view) {
    if (!view || view.seq === st.viewSeq) return;
    st.viewSeq = view.seq;
    if (view.bounds) {
      map.fitBounds(view.bounds, { padding: [24, 24], maxZoom: view.max_zoom || 7, animate: false });
    } else if (view.center) {
      map.setView(view.center, view.zoom, { animate: false });
    }
  }

  // ---- the year control (exported HTML; the app filters on the server) ----------------------------
  function reapply(map, st) {
    if (!st.lastPayload) return;
    st.lastPayload.layers.forEach(function (spec) {
      var entry = st.layers[spec.id];
      if (entry && entry.active) applyLayer(map, st, spec, entry.data);
    });
    setStatus(map, st);
  }

  function applyTime(map, st, time) {
    st.time = time || null;
    if (!time) {
      if (st.timeControl) map.removeControl(st.timeControl);
      st.timeControl = null;
      st.year = null;
      return;
    }
    st.year = time.year === null || time.year === undefined ? null : time.year;
    if (st.timeControl) map.removeControl(st.timeControl);
    st.timeControl = L.control({ position: "bottomleft" });
    st.timeControl.onAdd = function () {
      var div = L.DomUtil.create("div", "mapper-time");
      var play = L.DomUtil.create("button", "play", div);
      play.type = "button";
      play.textContent = "▶ " + say(st, "play");
      var label = L.DomUtil.create("span", "label", div);
      label.textContent = say(st, "year");
      var range = L.DomUtil.create("input", "", div);
      range.type = "range";
      range.min = String(time.min);
      range.max = String(time.max);
      range.step = "1";
      range.value = String(st.year === null ? time.max : st.year);
      var shown = L.DomUtil.create("span", "year", div);
      var allBox = L.DomUtil.create("label", "all", div);
      var all = L.DomUtil.create("input", "", allBox);
      all.type = "checkbox";
      all.checked = st.year === null;
      allBox.appendChild(document.createTextNode(" " + say(st, "all_years")));
      var timer = null;
      function show() {
        shown.textContent = st.year === null ? "" : say(st, "as_of") + " " + st.year;
        range.disabled = false;
      }
      function setYear(year) {
        st.year = year;
        all.checked = year === null;
        if (year !== null) range.value = String(year);
        show();
        reapply(map, st);
      }
      function stop() {
        if (timer) clearInterval(timer);
        timer = null;
        play.textContent = "▶ " + say(st, "play");
      }
      range.addEventListener("input", function () {
        stop();
        setYear(Number(range.value));
      });
      all.addEventListener("change", function () {
        stop();
        setYear(all.checked ? null : Number(range.value));
      });
      play.addEventListener("click", function () {
        if (timer) return stop();
        var start = st.year === null || st.year >= time.max ? time.min : st.year + 1;
        setYear(start);
        play.textContent = "❚❚ " + say(st, "pause");
        timer = setInterval(function () {
          if (st.year >= time.max) return stop();
          setYear(st.year + 1);
        }, 900);
      });
      show();
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    st.timeControl.addTo(map);
  }

  // ---- the entry point --------------------------------------------------------------------------
  R.update = function (payload, map) {
    map = map || R.map;
    var st = R.attach(map);
    var token = (st.token += 1);
    st.pending = 1 + payload.layers.length;
    st.text = payload.text || {};
    st.lastPayload = payload;
    applyTime(map, st, payload.time);
    applyTiles(map, st, payload.tiles);
    applyLegend(map, st, payload.legend);
    applyView(map, st, payload.view);
    st.style = payload.countries;
    if (st.countries) st.countries.setStyle(function (f) {
      return countryStyle(st, f);
    });
    setStatus(map, st);
    var wanted = {};
    payload.layers.forEach(function (spec) {
      wanted[spec.id] = true;
    });
    Object.keys(st.layers).forEach(function (lid) {
      if (!wanted[lid]) deactivate(st, lid);
    });
    function done() {
      if (token !== st.token) return;
      st.pending -= 1;
      setStatus(map, st);
    }
    load(payload.countries.src)
      .then(function (data) {
        if (token !== st.token) return;
        drawCountries(map, st, data, payload.countries.src);
        delete st.errors.countries;
        done();
      })
      .catch(function (err) {
        showError(map, st, "countries", say(st, "countries_failed", { error: err.message }));
        done();
      });
    payload.layers.forEach(function (spec) {
      load(spec.src)
        .then(function (data) {
          if (token !== st.token) return;
          applyLayer(map, st, spec, data);
          delete st.errors[spec.id];
          done();
        })
        .catch(function (err) {
          showError(map, st, spec.id, say(st, "layer_failed", { layer: spec.name, error: err.message }));
          done();
        });
    });
  };
})();
