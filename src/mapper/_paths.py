"""Where the bundled layer specs and data live."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """Return the folder that holds ``layers/`` and ``geodata/``.

    ``MAPPER_HOME`` wins; then the source checkout this package sits in; then the copy
    bundled inside an installed wheel (``mapper/_bundled``).
    """
    env = os.environ.get("MAPPER_HOME")
    if env:
        return Path(env).resolve()
    checkout = _PACKAGE_DIR.parents[1]
    if (checkout / "layers").is_dir() and (checkout / "geodata").is_dir():
        return checkout
    return _PACKAGE_DIR / "_bundled"


def layers_dir() -> Path:
    """Folder of the layer specs (``*.toml``) and ``schemas/``."""
    return project_root() / "layers"


def geodata_dir() -> Path:
    """Folder of the data files."""
    return project_root() / "geodata"
