"""Front-end assets (Leaflet, jQuery) from Python packages, so maps work with no internet.

Folium's defaults point at public CDNs. Here every map's ``default_js``/``default_css`` is
pointed at local copies: served by Streamlit's static file serving in the app, or inlined
into a self-contained HTML file for snapshots.
"""

from __future__ import annotations

import hashlib
import html
import shutil
from dataclasses import dataclass
from pathlib import Path

import xstatic.pkg.jquery as _xs_jquery
import xstatic.pkg.leaflet as _xs_leaflet

import folium


@dataclass(frozen=True)
class Asset:
    """One front-end file: its folium name, kind and path on disk."""

    name: str
    kind: str  # "js" or "css"
    path: Path
    url_path: str  # path under the static root, e.g. "vendor/leaflet/leaflet.js"


ASSETS: tuple[Asset, ...] = (
    Asset("leaflet", "js", Path(_xs_leaflet.BASE_DIR) / "leaflet.js", "vendor/leaflet/leaflet.js"),
    Asset("jquery", "js", Path(_xs_jquery.BASE_DIR) / "jquery.min.js", "vendor/jquery/jquery.min.js"),
    Asset("leaflet_css", "css", Path(_xs_leaflet.BASE_DIR) / "leaflet.css", "vendor/leaflet/leaflet.css"),
)
#: Leaflet's control images (layer switcher icon), referenced relatively by leaflet.css.
_LEAFLET_IMAGES = Path(_xs_leaflet.BASE_DIR) / "images"
#: URL prefix of Streamlit's static file serving (files in ./static/ are at /app/static/).
STREAMLIT_STATIC_URL = "/app/static"
#: The map runtime (this project's own JavaScript, MIT).
_RUNTIME = Path(__file__).parent / "web" / "mapper.js"


def runtime_path() -> Path:
    """Path of the map runtime, ``web/mapper.js``."""
    return _RUNTIME


def runtime_version() -> str:
    """A short hash of the runtime, to bust browser caches when it changes."""
    return hashlib.sha256(_RUNTIME.read_bytes()).hexdigest()[:12]


def install_static(static_dir: str | Path) -> Path:
    """Copy the assets into ``static_dir`` (idempotent); return the folder."""
    static_dir = Path(static_dir)
    for asset in ASSETS:
        target = static_dir / asset.url_path
        if not target.is_file() or target.stat().st_size != asset.path.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(asset.path, target)
    runtime = static_dir / "mapper" / "mapper.js"
    if not runtime.is_file() or runtime.read_bytes() != _RUNTIME.read_bytes():
        runtime.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_RUNTIME, runtime)
    images = static_dir / "vendor" / "leaflet" / "images"
    if not images.is_dir():
        shutil.copytree(_LEAFLET_IMAGES, images)
    return static_dir


def _walk(element: folium.Element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def use_local_assets(m: folium.Map, base_url: str = STREAMLIT_STATIC_URL) -> folium.Map:
    """Point the map's (and its children's) JS/CSS at local URLs under ``base_url``.

    Raises
    ------
    ValueError
        If an element of the map needs a front-end file this project does not ship (a
        folium plugin, say), since it would silently fail offline.
    """
    js = [(a.name, f"{base_url}/{a.url_path}") for a in ASSETS if a.kind == "js"]
    css = [(a.name, f"{base_url}/{a.url_path}") for a in ASSETS if a.kind == "css"]
    m.default_js = js
    m.default_css = css
    for element in _walk(m):
        if element is m:
            continue
        external = [u for _, u in getattr(element, "default_js", []) + getattr(element, "default_css", [])]
        if external:
            raise ValueError(
                f"{type(element).__name__} loads {external[0]} from the internet; this map must work "
                "offline: ship the file locally or drop the element"
            )
    return m


def inline_head(title: str) -> str:
    """``<head>`` content with every asset inlined (for self-contained HTML files)."""
    parts = [f'<meta charset="utf-8"><title>{html.escape(title)}</title>']
    for asset in ASSETS:
        text = asset.path.read_text(encoding="utf-8")
        if asset.kind == "css":
            parts.append(f"<style>{text}</style>")
        else:
            safe = text.replace("</script", "<\\/script")
            parts.append(f"<script>{safe}</script>")
    return "\n".join(parts)
