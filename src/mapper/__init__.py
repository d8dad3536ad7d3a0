"""Indo-Pacific clean-energy mapper: JUCEP and JUMPP activities, Mekong interconnectors,
offshore wind zones and country climate targets, as maps, exports and snapshots.

The public names below are loaded on first use (module ``__getattr__``), so that
``import mapper`` and the ``mapper`` command start without importing pandas, geopandas,
matplotlib or folium until a command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import (
    DataReadError,
    DataValidationError,
    FilterError,
    MapperError,
    Problem,
    SpecError,
    UnknownLayerError,
    UnknownValueError,
    UploadError,
    UploadLimitError,
)

if TYPE_CHECKING:
    from . import catalogue as catalogue
    from . import countrynames as countrynames
    from . import enrich as enrich
    from . import geo as geo
    from . import io as io
    from . import query as query
    from . import schema as schema
    from . import upload as upload
    from . import validate as validate
    from .catalogue import Catalogue, Layer, load_catalogue
    from .data import Bundle, load_bundle
    from .query import FilterState, apply_filter

    __version__: str

#: Submodules reachable as attributes of the package (``mapper.geo.distance_km``).
_SUBMODULES = ("catalogue", "countrynames", "enrich", "geo", "io", "query", "schema", "upload", "validate")
#: Public names and the submodule that defines each.
_LAZY_NAMES = {
    "Catalogue": "catalogue",
    "Layer": "catalogue",
    "load_catalogue": "catalogue",
    "Bundle": "data",
    "load_bundle": "data",
    "FilterState": "query",
    "apply_filter": "query",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name in the package."""
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    elif name == "__version__":
        value = _version()
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_NAMES, *_SUBMODULES, "__version__"})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ip-clean-energy-mapper")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0+unknown"


__all__ = [
    "Bundle",
    "Catalogue",
    "DataReadError",
    "DataValidationError",
    "FilterError",
    "FilterState",
    "Layer",
    "MapperError",
    "Problem",
    "SpecError",
    "UnknownLayerError",
    "UnknownValueError",
    "UploadError",
    "UploadLimitError",
    "__version__",
    "apply_filter",
    "load_bundle",
    "load_catalogue",
]
