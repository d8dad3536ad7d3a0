"""An on-disk cache of the loaded bundle, so that a command does not re-read, re-check and
re-enrich unchanged data on every run.

The key is a SHA-256 digest over everything the bundle is made from: the bytes (and paths)
of the layer specs, the schemas and every data file the catalogue names, the catalogue as
loaded, the package's own source code and version, and the versions of the libraries that
read and measure the data. Any change gives a new key, so a stale entry is never used.

The cache is best-effort: an unreadable or corrupt entry is ignored (and rebuilt by the
caller), and a failed write (read-only folder, full disk) is ignored. Entries are pickles,
which is safe only because the folder is the user's own: never point ``MAPPER_CACHE_DIR``
at a folder that others can write to.

Environment
-----------
MAPPER_CACHE_DIR
    The cache folder. Default: ``$XDG_CACHE_HOME/ip-clean-energy-mapper``, else
    ``~/.cache/ip-clean-energy-mapper``.
MAPPER_NO_CACHE
    Set to ``1`` to neither read nor write the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalogue import Catalogue

CACHE_DIR_ENV = "MAPPER_CACHE_DIR"
NO_CACHE_ENV = "MAPPER_NO_CACHE"
APP_DIR_NAME = "ip-clean-energy-mapper"
#: Bump when the layout of a cached value changes, so old entries are never read.
FORMAT_VERSION = 1
#: How many entries to keep (the most recently used); each checkout, copy of the data or
#: version of the code has its own entry.
MAX_ENTRIES = 8

_PREFIX = "bundle-"
_SUFFIX = ".pkl"
_PACKAGE_DIR = Path(__file__).resolve().parent
_log = logging.getLogger(__name__)


def enabled() -> bool:
    """Whether the cache is used: not when ``MAPPER_NO_CACHE`` is set to a true value.

    Returns
    -------
    bool
        False when ``MAPPER_NO_CACHE`` is set to anything but ``""``, ``0``, ``false``,
        ``no`` or ``off``.
    """
    value = os.environ.get(NO_CACHE_ENV, "").strip().lower()
    return value in ("", "0", "false", "no", "off")


def cache_dir() -> Path | None:
    """The cache folder (it may not exist yet).

    Returns
    -------
    Path or None
        ``MAPPER_CACHE_DIR`` if set; else ``$XDG_CACHE_HOME/ip-clean-energy-mapper`` when
        ``XDG_CACHE_HOME`` is an absolute path; else ``~/.cache/ip-clean-energy-mapper``.
        None when there is no home folder to put it in.
    """
    explicit = os.environ.get(CACHE_DIR_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():  # the XDG spec says to ignore relative paths
        return Path(xdg) / APP_DIR_NAME
    try:
        return Path.home() / ".cache" / APP_DIR_NAME
    except RuntimeError:  # no home folder (e.g. an unknown user id)
        return None


def bundle_key(catalogue: Catalogue) -> str:
    """The cache key of the bundle loaded from ``catalogue``.

    Parameters
    ----------
    catalogue
        The loaded catalogue; its specs, schemas and data files are hashed byte for byte.

    Returns
    -------
    str
        A hex SHA-256 digest.
    """
    digest = hashlib.sha256()

    def add(label: str, data: bytes | str) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        digest.update(f"{label}:{len(raw)}:".encode())
        digest.update(raw)

    add("format", str(FORMAT_VERSION))
    add("environment", _environment())
    # The catalogue as loaded: also covers catalogues built or changed in code.
    add("root", str(catalogue.root))
    add("layers", repr(list(catalogue.values())))
    add("countries", repr(catalogue.countries))
    for path in _input_files(catalogue):
        add("file", str(path))
        try:
            add("bytes", path.read_bytes())
        except OSError as exc:
            add("unreadable", type(exc).__name__)
    for path in sorted(_PACKAGE_DIR.glob("*.py")):
        add("code", path.name)
        add("bytes", path.read_bytes())
    return digest.hexdigest()


def read(key: str) -> Any | None:
    """The value stored under ``key``, or None if there is none or it cannot be read.

    Parameters
    ----------
    key
        A key from :func:`bundle_key`.

    Returns
    -------
    object or None
        The stored value; None when the cache is disabled, the entry is missing, or it is
        unreadable or corrupt (then it is removed, best-effort).
    """
    path = _entry_path(key)
    if path is None or not enabled():
        return None
    try:
        with path.open("rb") as file:
            entry = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a corrupt or foreign file can raise almost anything when unpickled
        _log.debug("ignoring unreadable cache entry %s: %r", path, exc)
        _remove(path)
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT_VERSION or entry.get("key") != key:
        _log.debug("ignoring cache entry %s written for another key or format", path)
        _remove(path)
        return None
    _touch(path)
    return entry.get("value")


def write(key: str, value: Any) -> bool:
    """Store ``value`` under ``key`` atomically (a temporary file, then ``os.replace``).

    Parameters
    ----------
    key
        A key from :func:`bundle_key`.
    value
        Anything picklable.

    Returns
    -------
    bool
        True if the entry was written; False when the cache is disabled or the write failed
        (read-only or missing folder, full disk, an unpicklable value), which is not an error.
    """
    path = _entry_path(key)
    if path is None or not enabled():
        return False
    tmp: Path | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "wb", dir=path.parent, prefix=f".{_PREFIX}", suffix=".tmp", delete=False
        ) as file:
            tmp = Path(file.name)
            pickle.dump({"format": FORMAT_VERSION, "key": key, "value": value}, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception as exc:  # best-effort: the caller already has the value
        _log.debug("could not write cache entry %s: %r", path, exc)
        if tmp is not None:
            _remove(tmp)
        return False
    _prune(path.parent, keep=path)
    return True


def _entry_path(key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"{_PREFIX}{key}{_SUFFIX}"


def _input_files(catalogue: Catalogue) -> list[Path]:
    """Every file the bundle is read from: specs, schemas and data, sorted, without repeats."""
    spec = catalogue.countries
    specs = [layer.spec_path for layer in catalogue.values()] + [spec.spec_path]
    folders = {path.parent for path in specs if path is not None}
    files: set[Path] = set()
    for folder in folders:
        files.update(folder.glob("*.toml"))
        files.update((folder / "schemas").glob("*.toml"))
    schemas = [layer.schema for layer in catalogue.values()] + [spec.schema]
    files.update(schema.path for schema in schemas if schema.path is not None)
    files.update(layer.source for layer in catalogue.values())
    files.update((spec.polygons, spec.attributes))
    return sorted(Path(path).absolute() for path in files)


def _environment() -> str:
    """The versions that decide how the data is read, measured and pickled."""
    import numpy
    import pandas

    import geopandas
    import pyogrio
    import pyproj
    import shapely

    from . import __version__

    parts = [
        f"mapper {__version__}",
        f"python {sys.version}",
        f"pickle {pickle.HIGHEST_PROTOCOL}",
        f"numpy {numpy.__version__}",
        f"pandas {pandas.__version__}",
        f"geopandas {geopandas.__version__}",
        f"shapely {shapely.__version__} geos {shapely.geos_version_string}",
        f"pyproj {pyproj.__version__} proj {pyproj.proj_version_str}",
        f"pyogrio {pyogrio.__version__} gdal {pyogrio.__gdal_version_string__}",
        f"pycountry {_distribution_version('pycountry')}",
    ]
    return "\n".join(parts)


def _distribution_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def _entries(folder: Path) -> Iterable[Path]:
    return folder.glob(f"{_PREFIX}*{_SUFFIX}")


def _prune(folder: Path, keep: Path) -> None:
    """Remove all but the :data:`MAX_ENTRIES` most recently used entries (never ``keep``)."""
    try:
        entries = sorted(_entries(folder), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for path in entries[MAX_ENTRIES:]:
        if path != keep:
            _remove(path)


def _touch(path: Path) -> None:
    """Mark an entry as recently used (for :func:`_prune`); best-effort."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
