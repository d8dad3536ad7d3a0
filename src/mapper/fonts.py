"""Fonts for snapshots: DejaVu Sans (bundled with matplotlib) for Latin text, with IPAexGothic
(bundled by the ``japanize-matplotlib`` package) as the fallback for Japanese (and other CJK)
characters, so a Japanese title or place name renders with no missing glyphs.

The self-contained HTML map embeds a subset of the same font (:func:`web_font`: only the
characters the page uses, WOFF2, renamed and with its licence), so it shows Japanese on a
machine without Japanese fonts too.

The font file is located without importing ``japanize_matplotlib`` (importing it would load
pyplot and change matplotlib's global settings); it is registered with matplotlib's font
manager once.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib import font_manager

from ._errors import MapperError
from .i18n import Message

#: The family name of the bundled Japanese font.
JAPANESE_FAMILY = "IPAexGothic"
#: Font families of snapshot text, in fallback order (matplotlib picks each glyph from the
#: first family that has it).
FAMILIES = ("DejaVu Sans", JAPANESE_FAMILY)


class _NoBoldFallbackNotice(logging.Filter):
    """IPAexGothic has no bold face: matplotlib logs that for every bold text it measures,
    although bold Latin text uses DejaVu Sans Bold and Japanese text the regular weight."""

    def filter(self, record: logging.LogRecord) -> bool:
        return JAPANESE_FAMILY not in record.getMessage()


logging.getLogger("matplotlib.font_manager").addFilter(_NoBoldFallbackNotice())


class FontError(MapperError, RuntimeError):
    """The bundled Japanese font cannot be found."""


@functools.cache
def japanese_font_path() -> Path:
    """Path of the IPAexGothic TrueType file bundled by ``japanize-matplotlib``.

    Returns
    -------
    Path
        The ``ipaexg.ttf`` file (registered with matplotlib's font manager on first call).

    Raises
    ------
    FontError
        If the ``japanize-matplotlib`` package is not installed.
    """
    spec = importlib.util.find_spec("japanize_matplotlib")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "fonts" / "ipaexg.ttf"
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return path
    raise FontError(
        Message(
            "the Japanese font IPAexGothic was not found; install the 'japanize-matplotlib' package (pip install "
            "japanize-matplotlib), which bundles it"
        )
    )


def families() -> list[str]:
    """Font families for snapshot text, with the Japanese font registered (see :data:`FAMILIES`)."""
    try:
        japanese_font_path()
    except FontError:
        return [FAMILIES[0]]  # still draws; Japanese characters would show as boxes
    return list(FAMILIES)


# --- the Japanese font embedded in the self-contained HTML map ------------------------------

#: The family name of the subset embedded in HTML maps. The IPA Font License (Article 3.1(4))
#: forbids the licensed font's name for a derived font, so the subset is renamed.
WEB_FAMILY = "Mapper Japanese"
_LICENCE_FILE = "IPA_Font_License_Agreement_v1.0.txt"
#: What the HTML says about the embedded font (with the licence's full text after it).
WEB_FONT_NOTICE = (
    f'The font "{WEB_FAMILY}" embedded in this page is a subset of IPAexGothic (Ver.003.01, '
    "bundled by the japanize-matplotlib package), made with fontTools to hold only the characters "
    "this page shows, and renamed as the IPA Font License Agreement v1.0 requires of a derived "
    "font. It is licensed under that agreement (full text below). To use the original font "
    "instead, install IPAexGothic (https://moji.or.jp/ipafont/) and delete this page's "
    f'@font-face rule for "{WEB_FAMILY}".'
)
_ESCAPE = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class WebFont:
    """A subset of the Japanese font for one HTML page."""

    #: The font file (WOFF2 when ``brotli`` is installed, else WOFF).
    data: bytes
    #: ``"woff2"`` or ``"woff"``.
    format: str
    #: The characters it has glyphs for (the page's CJK characters the font covers).
    characters: frozenset[str]
    #: The page's CJK characters the font has no glyph for (left to the viewer's fonts).
    missing: frozenset[str]
    #: The IPA Font License Agreement v1.0, as shipped with the font.
    licence: str

    def css(self) -> str:
        """An ``@font-face`` rule with the font inlined (base64), limited to its characters."""
        encoded = base64.b64encode(self.data).decode("ascii")
        ranges = ",".join(f"U+{ord(c):X}" for c in sorted(self.characters))
        return (
            f'@font-face{{font-family:"{WEB_FAMILY}";font-style:normal;font-weight:400;font-display:block;'
            f'src:url(data:font/{self.format};base64,{encoded}) format("{self.format}");unicode-range:{ranges}}}'
        )


def page_characters(page: str) -> frozenset[str]:
    """Every non-ASCII character a page's source holds, as written or as ``\\uXXXX`` escapes
    (the map's data is embedded as an escaped JSON string)."""
    chars = {c for c in page if ord(c) > 127}
    for pair_high, pair_low, single in _ESCAPE.findall(page):
        if single:
            code = int(single, 16)
            if not 0xD800 <= code <= 0xDFFF:
                chars.add(chr(code))
        else:
            high, low = int(pair_high, 16), int(pair_low, 16)
            chars.add(chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)))
    return frozenset(c for c in chars if ord(c) > 127 and c.isprintable())


#: The first code point the embedded font is used for (CJK radicals, kana, CJK symbols and
#: punctuation, kanji, full-width forms...). Latin, Greek, Cyrillic and symbols below it are
#: left to the viewer's own fonts, which every system has, so Latin text keeps one look.
CJK_FROM = 0x2E80


def web_font(characters: Iterable[str]) -> WebFont | None:
    """The Japanese font subset to the given characters (the CJK ones it has glyphs for: from
    :data:`CJK_FROM` on), for embedding in an HTML page; None when the page has none.

    Raises
    ------
    FontError
        If the bundled Japanese font cannot be found.
    """
    return _web_font(frozenset(c for c in characters if is_cjk(c)))


def is_cjk(char: str) -> bool:
    """True for a character the embedded font is for: from :data:`CJK_FROM` up to the
    full-width forms (not the Specials block, e.g. U+FFFD), and the supplementary ideographs."""
    code = ord(char)
    return CJK_FROM <= code < 0xFFF0 or 0x20000 <= code < 0x40000


@functools.lru_cache(maxsize=16)
def _web_font(characters: frozenset[str]) -> WebFont | None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = japanese_font_path()
    with TTFont(str(path), lazy=True) as original:
        covered = set(original.getBestCmap())
    wanted = frozenset(c for c in characters if ord(c) in covered)
    missing = characters - wanted
    if not wanted:
        return None
    try:
        import brotli  # noqa: F401 (WOFF2 compression)

        flavor = "woff2"
    except ImportError:  # pragma: no cover (brotli is a dependency; WOFF is the fallback)
        flavor = "woff"
    options = subset.Options()
    options.flavor = flavor
    options.hinting = False  # screens at map sizes; hinting would double the size
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = TTFont(str(path))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in wanted))
    subsetter.subset(font)
    _rename(font)
    buffer = io.BytesIO()
    font.flavor = flavor
    font.save(buffer)
    licence = (path.parent / _LICENCE_FILE).read_text(encoding="utf-8")
    return WebFont(buffer.getvalue(), flavor, wanted, frozenset(missing), licence)


def _rename(font: Any) -> None:
    """Give the subset its own name (family, full and PostScript names), as the licence asks."""
    postscript = WEB_FAMILY.replace(" ", "")
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (1, 4, 16, 18):
            table.setName(WEB_FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 3:
            table.setName(f"{postscript}-subset", 3, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            table.setName(postscript, 6, record.platformID, record.platEncID, record.langID)
