"""Fonts for snapshots: DejaVu Sans (bundled with matplotlib) for Latin text, with IPAexGothic
(bundled by the ``japanize-matplotlib`` package) as the fallback for Japanese (and other CJK)
characters, so a Japanese title or place name renders with no missing glyphs.

The font file is located without importing ``japanize_matplotlib`` (importing it would load
pyplot and change matplotlib's global settings); it is registered with matplotlib's font
manager once.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from pathlib import Path

from matplotlib import font_manager

from ._errors import MapperError

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
        "the Japanese font IPAexGothic was not found; install the 'japanize-matplotlib' package "
        "(pip install japanize-matplotlib), which bundles it"
    )


def families() -> list[str]:
    """Font families for snapshot text, with the Japanese font registered (see :data:`FAMILIES`)."""
    try:
        japanese_font_path()
    except FontError:
        return [FAMILIES[0]]  # still draws; Japanese characters would show as boxes
    return list(FAMILIES)
