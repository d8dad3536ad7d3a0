"""The ``mapper`` command line: the catalogue, validation, and (with the same filter flags
as the app's URL) exports and snapshots."""

# Each command imports what it needs when it runs: building the parser and ``mapper
# layers`` must not pay for matplotlib (snapshots), folium (HTML maps) or mapclassify
# (choropleths). Keep module-level imports to the standard library and ``_errors``.

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import MapperError

if TYPE_CHECKING:
    from .data import Bundle
    from .query import FilterState
    from .style import Choropleth

# The flags' choices, written out so that building the parser imports no heavy module;
# tests/test_diskcache.py checks them against the modules that define them.
#: :data:`mapper.export.FORMATS`
EXPORT_FORMATS = ("geojson", "gpkg", "csv", "zip")
#: :data:`mapper.snapshot.PRESETS`
SNAPSHOT_PRESETS = (
    "a4-landscape",
    "a4-portrait",
    "a3-landscape",
    "a3-portrait",
    "letter-landscape",
    "letter-portrait",
    "slide-16x9",
    "slide-4x3",
    "square",
)
#: :data:`mapper.snapshot.PROJECTIONS`
SNAPSHOT_PROJECTIONS = ("web-mercator", "equal-area")
#: :data:`mapper.i18n.LANGUAGES`
OUTPUT_LANGUAGES = ("en", "ja")
#: :data:`mapper.snapshot.REGIONS`
SNAPSHOT_REGIONS = (
    "indo-pacific",
    "mekong",
    "asean",
    "japan",
    "east-asia",
    "south-asia",
    "australia",
    "pacific-islands",
)
#: :data:`mapper.style.SCHEMES`
CHOROPLETH_SCHEMES = ("quantiles", "equal_interval", "natural_breaks")


class OutputExistsError(MapperError, FileExistsError):
    """The output file exists and --force was not given."""


class CliUsageError(MapperError, ValueError):
    """A flag's value cannot be used."""


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The filter flags shared by every command that selects records."""
    group = parser.add_argument_group("filters (repeat a flag to allow several values)")
    group.add_argument("--layer", dest="layers", action="append", default=[], metavar="ID", help="layer id")
    group.add_argument("--country", dest="countries", action="append", default=[], metavar="ISO3")
    group.add_argument(
        "--partnership", dest="partnerships", action="append", default=[], metavar="NAME", help="JUCEP or JUMPP"
    )
    group.add_argument("--status", dest="statuses", action="append", default=[], metavar="S")
    group.add_argument("--technology", dest="technologies", action="append", default=[], metavar="T")
    group.add_argument("--year-from", type=int, metavar="Y")
    group.add_argument("--year-to", type=int, metavar="Y")
    group.add_argument("--capacity-min", type=float, metavar="MW")
    group.add_argument("--capacity-max", type=float, metavar="MW")
    group.add_argument("--search", default="", metavar="TEXT", help="words to find in names and descriptions")
    group.add_argument(
        "--year",
        dest="as_of_year",
        type=int,
        metavar="Y",
        help="as of this year: what existed or was active then (announced/started by Y, not ended or cancelled)",
    )


def _add_language_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        default="en",
        choices=list(OUTPUT_LANGUAGES),
        help="language of titles, legends, labels and metadata (field names and values never change)",
    )


def state_from_args(args: argparse.Namespace) -> FilterState:
    """The filter state the flags describe."""
    from .query import FilterState

    return FilterState(
        layers=tuple(args.layers),
        partnerships=tuple(args.partnerships),
        countries=tuple(args.countries),
        statuses=tuple(args.statuses),
        technologies=tuple(args.technologies),
        year_from=args.year_from,
        year_to=args.year_to,
        capacity_min=args.capacity_min,
        capacity_max=args.capacity_max,
        search=args.search,
        as_of_year=getattr(args, "as_of_year", None),
    )


def checked_state(args: argparse.Namespace, bundle: Bundle) -> FilterState:
    """The filter state the flags describe, with every value in its canonical spelling.

    Raises
    ------
    UnknownValueError
        If a layer id or a facet value is not in the data; the message lists the valid ones
        (``--country LAOS``, ``--status Operating`` is accepted as ``operating``).
    """
    from .query import facet_choices, normalise_state

    state = normalise_state(state_from_args(args), bundle.catalogue, facet_choices(bundle.layers, bundle.catalogue))
    _say_unfiltered(state, bundle)
    return state


def _say_unfiltered(state: FilterState, bundle: Bundle) -> None:
    """Say which selected layers a given facet does not filter (never a silent surprise)."""
    facets = {"partnerships": "partnership", "statuses": "status", "technologies": "technology"}
    facets |= {"countries": "country"}
    for name, facet in facets.items():
        if not getattr(state, name):
            continue
        untouched = [lid for lid in state.layer_ids(bundle.catalogue) if not bundle.catalogue[lid].facet_fields(facet)]
        if untouched:
            _progress(
                f"note: --{facet} does not apply to {', '.join(untouched)} (they have no {facet} field), so all their "
                f"records are kept; add --layer to choose layers"
            )


def _cmd_layers(args: argparse.Namespace) -> int:
    from .data import layer_counts, load_bundle

    bundle = load_bundle()
    table = layer_counts(bundle)
    print(table.to_string(index=False))
    n_countries = int(bundle.countries["has_attributes"].sum())
    print(f"\ncountries: {len(bundle.countries)} polygons, {n_countries} with attributes")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .catalogue import load_catalogue
    from .data import load_bundle
    from .validate import validate_catalogue, validate_paths

    catalogue = load_catalogue()
    if args.paths:
        report = validate_paths(args.paths, catalogue, layer_id=args.schema_layer, layer_name=args.layer_name)
    elif args.no_checks:
        report = validate_catalogue(catalogue)
    else:
        # loading the bundle validates every file once and adds the consistency checks
        # (points in their country, lines between their countries, zones at sea)
        report = load_bundle(catalogue).report
    print(report.format())
    if not report.ok:
        return 1
    if args.strict and report.warnings:
        return 1
    return 0


def _progress(message: str) -> None:
    print(f"mapper: {message}", file=sys.stderr, flush=True)


def _output(path: str, force: bool) -> Path:
    """The output path; refuses to overwrite an existing file unless --force."""
    out = Path(path)
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists; choose another name or pass --force to replace it")
    return out


def _choropleth(args: argparse.Namespace) -> Choropleth | None:
    if not getattr(args, "choropleth", None):
        return None
    from .style import Choropleth

    try:
        return Choropleth(args.choropleth, args.scheme, args.classes)
    except ValueError as exc:
        raise CliUsageError(str(exc)) from exc


def _cmd_export(args: argparse.Namespace) -> int:
    from .data import load_bundle
    from .export import format_for, write_export
    from .selection import select

    fmt = format_for(args.output, args.format)
    out = _output(args.output, args.force)
    _progress("loading and checking the data…")
    bundle = load_bundle()
    state = checked_state(args, bundle)
    _progress(f"writing {fmt} ({state.describe()})…")
    selection = select(bundle, state)
    write_export(selection, out, fmt, lang=args.lang)
    counts = ", ".join(f"{lid}: {n}" for lid, n in selection.counts.items())
    print(f"wrote {out} ({counts})")
    return 0


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError as exc:
        raise CliUsageError(f"--bbox {text!r}: write four numbers W,S,E,N, e.g. 92,8,110,26") from exc
    return west, south, east, north


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from .data import load_bundle
    from .selection import select
    from .snapshot import snapshot

    out = _output(args.output, args.force)
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise CliUsageError(f"{out.name}: a snapshot is a .png, .svg or .pdf file")
    bbox, choropleth = _bbox(args.bbox), _choropleth(args)
    _progress("loading and checking the data…")
    bundle = load_bundle()
    state = checked_state(args, bundle)
    _progress(f"drawing the {args.size or args.preset} snapshot…")
    snapshot(
        select(bundle, state),
        out,
        preset=args.preset,
        dpi=args.dpi,
        title=args.title,
        subtitle=args.subtitle,
        bbox=bbox,
        region=args.region,
        projection=args.projection,
        choropleth=choropleth,
        labels=not args.no_labels,
        custom_size=args.size,
        locator=args.locator,
        lang=args.lang,
    )
    print(f"wrote {out}")
    return 0


def _cmd_html(args: argparse.Namespace) -> int:
    from .data import load_bundle
    from .selection import select
    from .webmap import standalone_html

    out = _output(args.output, args.force)
    if out.suffix.lower() not in (".html", ".htm"):
        raise CliUsageError(f"{out.name}: the interactive snapshot is an .html file")
    _progress("loading and checking the data…")
    bundle = load_bundle()
    state = checked_state(args, bundle)
    _progress("building the self-contained map…")
    out.write_text(
        standalone_html(
            select(bundle, state),
            choropleth=_choropleth(args),
            title=args.title,
            lang=args.lang,
        ),
        encoding="utf-8",
    )
    print(f"wrote {out}")
    return 0


def _add_choropleth_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("countries")
    group.add_argument(
        "--choropleth", metavar="ATTRIBUTE", help="colour countries by this attribute, e.g. net_zero_year"
    )
    group.add_argument("--scheme", default="quantiles", choices=list(CHOROPLETH_SCHEMES))
    group.add_argument("--classes", type=int, default=5, metavar="K")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mapper``."""
    from . import __version__

    parser = argparse.ArgumentParser(prog="mapper", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("layers", help="list the layer catalogue with record counts")
    p.set_defaults(func=_cmd_layers)

    p = commands.add_parser("validate", help="check the bundled data (default) or given files")
    p.add_argument("paths", nargs="*", metavar="PATH", help="GeoJSON, GeoPackage, GeoParquet or CSV files")
    p.add_argument(
        "--as-layer",
        dest="schema_layer",
        metavar="ID",
        help="check the files against this layer's schema (default: by file name)",
    )
    p.add_argument(
        "--layer-name",
        metavar="NAME",
        help="the table to check in a file holding several, e.g. one layer of a GeoPackage export",
    )
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("--no-checks", action="store_true", help="skip the location consistency checks")
    p.set_defaults(func=_cmd_validate)

    p = commands.add_parser("export", help="export the filtered records (GeoJSON, GeoPackage, CSV or zip)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="e.g. jumpp_laos.geojson")
    p.add_argument("--format", choices=list(EXPORT_FORMATS), help="default: from the file suffix")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    _add_language_argument(p)
    add_filter_arguments(p)
    p.set_defaults(func=_cmd_export)

    p = commands.add_parser("snapshot", help="draw a map for reports (PNG, SVG or PDF)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.png|.svg|.pdf")
    p.add_argument("--preset", default="a4-landscape", choices=list(SNAPSHOT_PRESETS))
    p.add_argument("--size", metavar="WxH", help="a custom page size instead of the preset, e.g. 297x210mm, 1600x900px")
    p.add_argument("--dpi", type=int, help="resolution (default: the preset's)")
    p.add_argument("--locator", action="store_true", help="add a small locator map of the region")
    p.add_argument("--title")
    p.add_argument("--subtitle")
    extent = p.add_mutually_exclusive_group()
    extent.add_argument("--bbox", metavar="W,S,E,N", help="extent in degrees (e.g. the web map's bounds)")
    extent.add_argument("--region", metavar="NAME", help=f"{', '.join(SNAPSHOT_REGIONS)} or a country ISO3 code")
    p.add_argument("--projection", default="web-mercator", choices=list(SNAPSHOT_PROJECTIONS))
    p.add_argument("--no-labels", action="store_true", help="do not label features")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    _add_choropleth_arguments(p)
    _add_language_argument(p)
    add_filter_arguments(p)
    p.set_defaults(func=_cmd_snapshot)

    p = commands.add_parser("html", help="write a self-contained interactive HTML map (works offline)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.html")
    p.add_argument("--title")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    _add_choropleth_arguments(p)
    _add_language_argument(p)
    add_filter_arguments(p)
    p.set_defaults(func=_cmd_html)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mapper`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except MapperError as exc:
        print(f"mapper: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
