"""Indo-Pacific clean-energy mapper: JUCEP and JUMPP activities, Mekong interconnectors,
offshore wind zones and country climate targets, as maps, exports and snapshots."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import catalogue as catalogue
from . import enrich as enrich
from . import geo as geo
from . import io as io
from . import query as query
from . import schema as schema
from . import validate as validate
from ._errors import (
    DataReadError,
    DataValidationError,
    FilterError,
    MapperError,
    Problem,
    SpecError,
    UnknownLayerError,
)
from .catalogue import Catalogue, Layer, load_catalogue
from .data import Bundle, load_bundle
from .query import FilterState, apply_filter

try:
    __version__ = version("ip-clean-energy-mapper")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

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
    "__version__",
    "apply_filter",
    "load_bundle",
    "load_catalogue",
]
