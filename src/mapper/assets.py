"""Front-end assets (Leaflet) from Python packages, so maps work with no internet.

Folium's defaults point at public CDNs. Here every map's ``default_js``/``default_css`` is
pointed at local copies: served by Streamlit's static file serving in the app, or inlined
into a self-contained HTML file for snapshots.
"""

from __future__ import annotations

import functools
import hashlib
import html
import mimetypes
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

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
    Asset("leaflet_css", "css", Path(_xs_leaflet.BASE_DIR) / "leaflet.css", "vendor/leaflet/leaflet.css"),
)
#: Leaflet's control images (layer switcher icon), referenced relatively by leaflet.css.
_LEAFLET_IMAGES = Path(_xs_leaflet.BASE_DIR) / "images"
# Fonts are served as fonts (and, being compressed already, not gzipped again per request by
# Streamlit's server) even where the system has no /etc/mime.types to name them.
mimetypes.add_type("font/woff2", ".woff2")
mimetypes.add_type("font/woff", ".woff")

#: URL prefix of Streamlit's static file serving (files in ./static/ are at /app/static/).
STREAMLIT_STATIC_URL = "/app/static"
#: The map runtime (this project's own JavaScript, MIT).
_RUNTIME = Path(__file__).parent / "web" / "mapper.js"


def runtime_path() -> Path:
    """Path of the map runtime, ``web/mapper.js``."""
    return _RUNTIME


@functools.cache
def runtime_version() -> str:
    """A short hash of the runtime, to bust browser caches when it changes (read once per
    process: the app asks on every rerun)."""
    return hashlib.sha256(_RUNTIME.read_bytes()).hexdigest()[:12]


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that readers see the old file or the new one, never a
    part (several sessions and server processes may install or publish at once)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.{uuid.uuid4().hex}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


#: Where the Japanese web font is served under the static root (app pages and the live map).
JAPANESE_FONT_DIR = "vendor/ipaexfont"
#: The CJK blocks the Japanese web font is used for: a browser fetches it only when text in
#: these ranges is shown and no Japanese system font listed before it has the glyph.
CJK_UNICODE_RANGE = "U+3000-30FF,U+31F0-31FF,U+3400-4DBF,U+4E00-9FFF,U+F900-FAFF,U+FF00-FFEF"
#: Font families for text that may be Japanese: the viewer's own Japanese system fonts first
#: (no download), then the bundled IPAexGothic web font, then any sans-serif.
JAPANESE_FALLBACK = (
    '"Hiragino Sans","Hiragino Kaku Gothic ProN","Yu Gothic UI","Yu Gothic",Meiryo,'
    '"Noto Sans CJK JP","Noto Sans JP",IPAexGothic'
)


def _japanese_font_files() -> dict[str, bytes]:
    """The IPAexGothic font (bundled by ``japanize-matplotlib``), its licence (the IPA Font
    License asks that it travel with the font) and a stylesheet declaring it for CJK text."""
    from .fonts import japanese_font_path

    font = japanese_font_path()
    css = (
        "/* IPAexGothic (IPA Font License v1.0, see IPA_Font_License_Agreement_v1.0.txt), for CJK text only. */\n"
        '@font-face{font-family:IPAexGothic;src:url("ipaexg.ttf") format("truetype");'
        f"unicode-range:{CJK_UNICODE_RANGE};font-display:swap}}\n"
        ".leaflet-container,.leaflet-container .mapper-legend,.leaflet-container .mapper-time{font-family:"
        f'"Helvetica Neue",Arial,Helvetica,{JAPANESE_FALLBACK},sans-serif}}\n'
    )
    files = {"ipaexg.ttf": font.read_bytes(), "ipaexfont.css": css.encode("utf-8")}
    for name in ("IPA_Font_License_Agreement_v1.0.txt", "Readme_ipaexg00301.txt"):
        if (font.parent / name).is_file():
            files[name] = (font.parent / name).read_bytes()
    return files


#: The Japanese characters every page shows whatever its language: the language control
#: ("Language / 言語", "日本語"). English pages need no more than these four glyphs.
LANGUAGE_SWITCH_TEXTS = ("Language / 言語", "言語 / Language", "English", "日本語")


def language_switch_characters() -> str:
    """The CJK characters of the language control, sorted (what its small font holds)."""
    from .fonts import is_cjk

    return "".join(sorted({c for text in LANGUAGE_SWITCH_TEXTS for c in text if is_cjk(c)}))


def language_switch_font_name() -> str:
    """File name of the language control's font (named by its characters, so a new label
    gets a new file and no browser keeps an old one)."""
    digest = hashlib.sha256(language_switch_characters().encode("utf-8")).hexdigest()[:8]
    return f"mapper-japanese-switch-{digest}.woff2"


def language_switch_font_range() -> str:
    """The CSS ``unicode-range`` of the language control's font: exactly its characters."""
    return ",".join(f"U+{ord(c):X}" for c in language_switch_characters())


@functools.cache
def language_switch_font() -> tuple[str, bytes] | None:
    """The language control's font: IPAexGothic subset to :func:`language_switch_characters`
    (about 1 kB, renamed as its licence asks). The theme declares it before the full font with
    exactly these characters as its range, so an English page fetches 1 kB, not the 6 MB
    font; Japanese text beyond it still gets the full font."""
    from .fonts import web_font

    font = web_font(language_switch_characters())
    if font is None or font.format != "woff2":  # pragma: no cover (brotli is a dependency)
        return None
    return language_switch_font_name(), font.data


def install_static(static_dir: str | Path) -> Path:
    """Copy the assets into ``static_dir`` (idempotent, safe to run from several threads or
    processes at once); return the folder. Besides Leaflet and the runtime, the
    Japanese web font (with its licence) goes to ``vendor/ipaexfont``, so Japanese text in the
    app and its maps shows on machines that have no Japanese font."""
    static_dir = Path(static_dir)
    for name, data in _japanese_font_files().items():
        target = static_dir / JAPANESE_FONT_DIR / name
        if not target.is_file() or target.stat().st_size != len(data):
            write_atomic(target, data)
    if not (static_dir / JAPANESE_FONT_DIR / language_switch_font_name()).is_file():  # made once: ~1 s
        switch = language_switch_font()
        if switch is not None:
            write_atomic(static_dir / JAPANESE_FONT_DIR / switch[0], switch[1])
    for asset in ASSETS:
        target = static_dir / asset.url_path
        if not target.is_file() or target.stat().st_size != asset.path.stat().st_size:
            write_atomic(target, asset.path.read_bytes())
    runtime = static_dir / "mapper" / "mapper.js"
    code = _RUNTIME.read_bytes()
    if not runtime.is_file() or runtime.read_bytes() != code:
        write_atomic(runtime, code)
    images = static_dir / "vendor" / "leaflet" / "images"
    for image in _LEAFLET_IMAGES.iterdir():
        if image.is_file() and not (images / image.name).is_file():
            write_atomic(images / image.name, image.read_bytes())
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
