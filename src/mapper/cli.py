"""The ``mapper`` command line: the catalogue, validation, and (with the same filter flags
as the app's URL) exports and snapshots."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from ._errors import MapperError
from .catalogue import load_catalogue
from .data import layer_counts, load_bundle
from .query import FilterState
from .validate import validate_catalogue, validate_paths


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


def state_from_args(args: argparse.Namespace) -> FilterState:
    """The filter state the flags describe."""
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
    )


def _cmd_layers(args: argparse.Namespace) -> int:
    bundle = load_bundle()
    table = layer_counts(bundle)
    print(table.to_string(index=False))
    n_countries = int(bundle.countries["has_attributes"].sum())
    print(f"\ncountries: {len(bundle.countries)} polygons, {n_countries} with attributes")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    catalogue = load_catalogue()
    if args.paths:
        report = validate_paths(args.paths, catalogue, layer_id=args.schema_layer)
    else:
        report = validate_catalogue(catalogue)
        if not args.no_checks:
            # the consistency checks (points in their country, zones at sea) need the
            # enriched bundle
            bundle = load_bundle(catalogue)
            report.problems += [p for p in bundle.report.warnings if p not in report.problems]
    print(report.format())
    if not report.ok:
        return 1
    if args.strict and report.warnings:
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mapper``."""
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
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("--no-checks", action="store_true", help="skip the location consistency checks")
    p.set_defaults(func=_cmd_validate)
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
