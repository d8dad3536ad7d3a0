"""Filter facets, declared as data.

A facet is something a user can filter records by: a *choice* (pick values, e.g. a status),
a *range* (low..high numbers, e.g. a year) or *text* (words to find). Facets are declared in
``layers/facets.toml`` (and, for a facet only one layer has, in that layer's spec under
``[facets.<id>]``); each layer spec maps a facet to its own fields in ``[filters]``. The
declaration drives the app's widgets, the URL keys and the CLI flags, so adding a facet
needs no code.

URL keys and CLI flags follow from the facet id:

=========  ==========================  ===================================
kind       URL keys                    CLI flags
=========  ==========================  ===================================
choice     ``<id>`` (comma-separated)  ``--<id> VALUE`` (repeatable)
range      ``<id>_from``, ``<id>_to``  ``--<id>-from N``, ``--<id>-to N``
text       ``<id>``                    ``--<id> TEXT``
=========  ==========================  ===================================

``aliases`` lists older URL keys that links may still carry (read, never written; for a range,
given in pairs: low, high); they are accepted as CLI flags too.

A choice facet may declare ``default`` values (e.g. ``default = ["core"]``): a new view, a
link without the facet's key and a CLI command without its flag start with them picked.
Links then write the facet only when it differs from its default, and ``*`` when every value
is shown (``?relation=*``); the CLI takes ``--relation '*'`` the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ._errors import SpecError, spec_value, unknown_keys
from .i18n import Message

KINDS = ("choice", "range", "text")
#: URL keys the view state itself uses; no facet may take them.
RESERVED_KEYS = frozenset(
    {"layers", "choropleth", "scheme", "classes", "basemap", "lat", "lon", "zoom", "lang", "year", "ws", "view"}
)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_KNOWN = {"kind", "label", "help", "values", "integer", "unit", "aliases", "order", "placeholder", "total", "default"}
#: The value of a choice facet, in links and CLI flags, that means "every value" (no restriction):
#: needed for a facet with a default, where leaving the key out means the default.
ALL_VALUES = "*"


@dataclass(frozen=True)
class Facet:
    """One declared filter facet.

    Attributes
    ----------
    id
        Identifier, also the URL key and CLI flag stem.
    kind
        ``"choice"``, ``"range"`` or ``"text"``.
    label, help
        Widget label and help text (plain text; escaped wherever shown).
    values
        For a choice: ``"country"`` when the values are ISO 3166-1 alpha-3 codes (shown by
        country name, upper-cased, picked countries are zoomed to and outlined); ``"data"``
        (default) when they are whatever the data holds.
    integer
        For a range: whole numbers (a year) rather than decimals.
    unit
        For a range: the unit shown after numbers (``"MW"``).
    aliases
        Older URL keys read for this facet (for a range, pairs are given flat: low, high).
    order
        Position among the widgets (smaller first).
    total
        For a range: the values add up (a capacity, not a year); summaries show the total.
    default
        For a choice: the values picked when a view starts (empty: none, every record shown).
    """

    id: str
    kind: str
    label: str
    help: str = ""
    values: str = "data"
    integer: bool = False
    unit: str = ""
    aliases: tuple[str, ...] = ()
    order: int = 100
    placeholder: str = ""
    total: bool = False
    default: tuple[str, ...] = ()

    @property
    def is_country(self) -> bool:
        """True for the facet whose values are ISO3 country codes."""
        return self.kind == "choice" and self.values == "country"

    @property
    def url_keys(self) -> tuple[str, ...]:
        """The URL keys this facet writes (one, or two for a range)."""
        if self.kind == "range":
            return (f"{self.id}_from", f"{self.id}_to")
        return (self.id,)

    @property
    def flags(self) -> tuple[str, ...]:
        """The CLI flags of this facet, e.g. ``("--year-from", "--year-to")``."""
        return tuple("--" + key.replace("_", "-") for key in self.url_keys)

    @property
    def alias_flags(self) -> tuple[str, ...]:
        """Older spellings of the flags, from the aliases (``--capacity-min``)."""
        return tuple("--" + key.replace("_", "-") for key in self.aliases)

    def fmt(self, value: float) -> str:
        """A number of this range as text, with its unit (``"500 MW"``)."""
        text = f"{int(value)}" if self.integer else f"{value:g}"
        return f"{text} {self.unit}".strip()


def parse_facets(raw: Any, where: str) -> dict[str, Facet]:
    """Validate a ``[facets]`` table into :class:`Facet` objects.

    Raises
    ------
    SpecError
        Naming ``where`` and every bad entry at once.
    """
    problems: list[str] = []
    out: dict[str, Facet] = {}
    if not isinstance(raw, dict):
        raise SpecError(where, ["[facets] must be a table of [facets.<id>] blocks"])
    for fid, block in raw.items():
        facet = _parse_one(fid, block, problems)
        if facet is not None:
            out[fid] = facet
    if problems:
        raise SpecError(where, problems)
    return out


def _parse_one(fid: str, block: Any, problems: list[str]) -> Facet | None:
    name = f"facets.{fid}"
    if not _ID.match(str(fid)):
        problems.append(
            Message("{name}: the id must be lower-case letters, digits and '_', starting with a letter", name=name)
        )
        return None
    if not isinstance(block, dict):
        problems.append(Message("{name} must be a table with at least kind and label", name=name))
        return None
    if unknown := unknown_keys(name, block, _KNOWN):
        problems.append(unknown)
    kind = block.get("kind")
    if kind not in KINDS:
        problems.append(
            Message(
                "{name}.kind is {value}; use one of {kinds}", name=name, value=spec_value(kind), kinds=", ".join(KINDS)
            )
        )
        return None
    label = block.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.append(Message("{name}.label is missing or not text", name=name))
        return None
    texts = {k: block.get(k, "") for k in ("help", "unit", "placeholder")}
    for key, value in texts.items():
        if not isinstance(value, str):
            problems.append(
                Message("{name}.{key} must be text, got {value}", name=name, key=key, value=spec_value(value))
            )
    values = block.get("values", "data")
    if values not in ("data", "country") or (values == "country" and kind != "choice"):
        problems.append(
            Message(
                "{name}.values is {value}; use 'data', or 'country' for a choice of ISO3 codes",
                name=name,
                value=spec_value(values),
            )
        )
    integer = block.get("integer", False)
    total = block.get("total", False)
    for key, flag in (("integer", integer), ("total", total)):
        if not isinstance(flag, bool):
            problems.append(
                Message("{name}.{key} must be true or false, got {value}", name=name, key=key, value=spec_value(flag))
            )
    aliases = block.get("aliases", [])
    if not (isinstance(aliases, list) and all(isinstance(a, str) for a in aliases)):
        problems.append(
            Message("{name}.aliases must be a list of URL keys, got {value}", name=name, value=spec_value(aliases))
        )
        aliases = []
    if kind == "range" and len(aliases) % 2:
        problems.append(
            Message(
                "{name}.aliases of a range come in pairs (low, high), got {value}", name=name, value=spec_value(aliases)
            )
        )
    default = block.get("default", [])
    if not (isinstance(default, list) and all(isinstance(v, str) and v.strip() for v in default)):
        problems.append(
            Message(
                '{name}.default must be a list of values, e.g. default = ["core"], got {value}',
                name=name,
                value=spec_value(default),
            )
        )
        default = []
    elif default and kind != "choice":
        problems.append(
            Message('{name}.default is only for a choice facet (kind = "choice"), not a {kind}', name=name, kind=kind)
        )
        default = []
    elif ALL_VALUES in default:
        problems.append(
            Message(
                "{name}.default may not hold {value} (it means every value); leave default out instead",
                name=name,
                value=repr(ALL_VALUES),
            )
        )
        default = []
    order = block.get("order", 100)
    if isinstance(order, bool) or not isinstance(order, int):
        problems.append(Message("{name}.order must be a whole number, got {value}", name=name, value=spec_value(order)))
        order = 100
    facet = Facet(
        id=fid,
        kind=kind,
        label=label,
        help=str(texts["help"]),
        values=str(values),
        integer=bool(integer),
        unit=str(texts["unit"]),
        aliases=tuple(aliases),
        order=order,
        placeholder=str(texts["placeholder"]),
        total=total is True and kind == "range",
        default=tuple(v.strip() for v in default),
    )
    taken = RESERVED_KEYS.intersection((*facet.url_keys, *facet.aliases))
    if taken:
        problems.append(
            Message(
                "{name} would use the URL key(s) {keys}, which the view itself uses; rename it",
                name=name,
                keys=str(sorted(taken)),
            )
        )
    return facet


def merge_facets(base: dict[str, Facet], extra: dict[str, Facet], where: str) -> dict[str, Facet]:
    """``base`` plus a layer's own facets; a layer may not redefine a facet differently.

    Raises
    ------
    SpecError
        If ``extra`` declares an id that ``base`` declares otherwise, or URL keys collide.
    """
    problems = [
        Message(
            "facets.{fid} is already declared differently (in facets.toml or another layer); "
            "use that facet in [filters] or pick another id",
            fid=fid,
        )
        for fid, facet in extra.items()
        if fid in base and base[fid] != facet
    ]
    merged = {**base, **extra}
    seen: dict[str, str] = {}
    for fid, facet in merged.items():
        for key in (*facet.url_keys, *facet.aliases):
            if key in seen and seen[key] != fid:
                problems.append(
                    Message(
                        "facets.{fid} and facets.{other} both use the URL key {key}; rename one",
                        fid=fid,
                        other=seen[key],
                        key=repr(key),
                    )
                )
            seen[key] = fid
    if problems:
        raise SpecError(where, problems)
    return dict(sorted(merged.items(), key=lambda item: (item[1].order, item[0])))
