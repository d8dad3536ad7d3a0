"""The ``mapper`` command line: the catalogue, validation, and (with the same filter flags
as the app's URL) exports and snapshots."""

# Each command imports what it needs when it runs: building the parser and ``mapper
# layers`` must not pay for matplotlib (snapshots), folium (HTML maps) or mapclassify
# (choropleths). Keep module-level imports to the standard library and ``_errors``.

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import MapperError
from .i18n import Message

if TYPE_CHECKING:
    from .data import Bundle
    from .i18n import Translator
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
#: :data:`mapper.validate.MAX_VERIFIED_AGE_DAYS`
MAX_VERIFIED_AGE_DAYS = 365
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


class _AddFile(argparse.Action):
    """``--add FILE[::SHEET]``: one upload, with the mapping overrides that follow it."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        path, _, pick = str(values).partition("::")
        adds = list(getattr(namespace, self.dest) or [])
        adds.append({"path": path, "pick": pick or None, "map": {}})
        setattr(namespace, self.dest, adds)


class _AddMap(argparse.Action):
    """``--add-map KEY=VALUE``: a mapping override for the ``--add`` before it."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        adds = getattr(namespace, "adds", None) or []
        key, sep, value = str(values).partition("=")
        if not adds:
            parser.error(f"{option_string} {values}: put it after the --add FILE it is for")
        if not sep or not key.strip():
            parser.error(f"{option_string} {values!r}: write KEY=VALUE, e.g. lon=Longitude or title='My sites'")
        adds[-1]["map"][key.strip()] = value.strip()


#: Help text of the --add flags (also in README "Your own data").
ADD_HELP = """add your own table as a layer (repeatable): CSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ or
GeoParquet. Pick an XLSX sheet or a GeoPackage/KML layer with FILE::NAME (e.g. plan.xlsx::Sites). Columns are
detected (name, lon/lat or 経度/緯度, WKT, country, category, year, number); rows with problems are listed and
left out. The added layers are always shown, whatever --layer says."""


def add_upload_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--add FILE`` flags (exports, snapshots and HTML maps of your own tables)."""
    group = parser.add_argument_group("your own data")
    group.add_argument("--add", dest="adds", action=_AddFile, default=[], metavar="FILE[::SHEET]", help=ADD_HELP)
    group.add_argument(
        "--add-map",
        action=_AddMap,
        metavar="KEY=VALUE",
        help="override what detection chose for the --add before it, e.g. lon=Longitude, lat=Latitude, "
        "name=Project, country=Nation, category=Type, location=country, title='Pipeline', "
        "attribution='JUMPP desk, 2026'; an empty VALUE means none (category=)",
    )


def _with_uploads(bundle: Bundle, extra: list, args: argparse.Namespace) -> Bundle:  # type: ignore[type-arg]
    """The bundle with the ``--add`` layers (:func:`_read_uploads`); with --layer, the added
    layers are selected too."""
    if not extra:
        return bundle
    if args.layers:
        args.layers = [*args.layers, *(layer.id for layer, _ in extra)]
    return bundle.with_layers(extra)


def _read_uploads(args: argparse.Namespace) -> list:  # type: ignore[type-arg]
    """Each ``--add`` file as ``(layer, records)`` with id ``upload_1``, ``upload_2``...; the
    rows set aside are listed on stderr."""
    adds = getattr(args, "adds", None) or []
    if not adds:
        return []
    from ._errors import UploadError
    from .i18n import translator
    from .upload import Mapping, apply_mapping, detect_mapping, read_upload, upload_layer

    tr = translator(getattr(args, "lang", None))
    extra = []
    for k, add in enumerate(adds, start=1):
        path = Path(add["path"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CliUsageError(
                Message(
                    "--add {path}: cannot read it ({reason}); check the path",
                    path=str(path),
                    reason=exc.strerror or exc,
                )
            ) from exc
        is_sheet = path.suffix.lower() in (".xlsx", ".xlsm")
        table = read_upload(
            path.name, data, sheet=add["pick"] if is_sheet else None, layer=None if is_sheet else add["pick"]
        )
        try:
            mapping = detect_mapping(table)
        except UploadError:
            if not add["map"]:
                raise
            mapping = Mapping(title=path.stem)  # the overrides say where the location is
        if add["map"]:
            mapping = mapping.with_changes(**add["map"])
            if "location" not in add["map"]:
                mapping = mapping.with_changes(location=_location_kind(mapping, table.has_geometry))
        result = apply_mapping(table, mapping)
        layer_id = f"upload_{k}"
        file = str(path)
        _progress(
            Message(
                "{file}: {summary} → layer {layer} ({location})",
                file=file,
                summary=result.summary(),
                layer=layer_id,
                location=mapping.location,
            ),
            tr,
        )
        for note in table.notes:
            _progress(Message("{file}: note: {note}", file=file, note=note), tr)
        for label, problems in ((Message("set aside"), result.rejected), (Message("warning"), result.warnings)):
            for row in problems.head(20).itertuples(index=False):
                where = {"file": file, "label": label, "row": row.row, "column": repr(str(row.column)[:60])}
                problem = tr.message(row.problem)  # a plain string in the frame: found again in the catalogue
                if isinstance(row.value, str):
                    line = Message(
                        "{file}: {label}: row {row}, column {column}, value {value}: {problem}",
                        value=repr(row.value[:60]),
                        problem=problem,
                        **where,
                    )
                else:
                    line = Message("{file}: {label}: row {row}, column {column}: {problem}", problem=problem, **where)
                _progress(line, tr)
            if len(problems) > 20:
                _progress(Message("{file}: … and {n} more ({label})", file=file, n=len(problems) - 20, label=label), tr)
        extra.append(upload_layer(result, mapping, layer_id=layer_id))
    return extra


def _location_kind(mapping: object, has_geometry: bool) -> str:
    """The location kind the mapping's columns give (after --add-map changed them)."""
    if has_geometry and getattr(mapping, "location", "") == "geometry":
        return "geometry"
    if getattr(mapping, "lon", None) and getattr(mapping, "lat", None):
        return "lonlat"
    if getattr(mapping, "wkt", None):
        return "wkt"
    if getattr(mapping, "country", None):
        return "country"
    return "geometry" if has_geometry else getattr(mapping, "location", "lonlat")


def _declared_facets() -> dict:
    """The facets of ``layers/facets.toml`` (read alone: cheap, no data loaded)."""
    import tomllib

    from . import _paths
    from .facets import parse_facets

    path = _paths.layers_dir() / "facets.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return parse_facets(tomllib.load(handle).get("facets", {}), str(path))


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The filter flags shared by every command that selects records: one per facet
    declared in ``layers/facets.toml`` (see :mod:`mapper.facets`), plus ``--filter`` for
    facets a layer declares itself."""
    group = parser.add_argument_group("filters (repeat a flag to allow several values)")
    group.add_argument("--layer", dest="layers", action="append", default=[], metavar="ID", help="layer id")
    for fid, facet in _declared_facets().items():
        help_text = facet.help.replace("%", "%%")
        if facet.kind == "choice":
            group.add_argument(
                f"--{fid.replace('_', '-')}",
                dest=f"facet__{fid}",
                action="append",
                default=[],
                metavar="ISO3" if facet.is_country else "VALUE",
                help=f"{facet.label}: {help_text}",
            )
        elif facet.kind == "range":
            kind = int if facet.integer else float
            unit = facet.unit or ("YEAR" if facet.integer else "N")
            aliases = facet.alias_flags[:2] if len(facet.alias_flags) >= 2 else ("", "")
            for end, flag, alias in zip(("from", "to"), facet.flags, aliases, strict=True):
                group.add_argument(
                    *[name for name in (flag, alias) if name],
                    dest=f"facet__{fid}__{end}",
                    type=kind,
                    metavar=unit,
                    help=f"{facet.label}, {end}",
                )
        else:
            group.add_argument(
                f"--{fid.replace('_', '-')}", dest=f"facet__{fid}", default="", metavar="TEXT", help=facet.label
            )
    group.add_argument(
        "--filter",
        dest="facet_filters",
        action="append",
        default=[],
        metavar="FACET=VALUE",
        help="any declared facet, e.g. --filter sector=solar, --filter year=2020..2024 (repeatable)",
    )
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
    """The filter state the flags describe.

    Raises
    ------
    CliUsageError
        If a ``--filter`` value is not ``FACET=VALUE`` or a range is not ``LOW..HIGH``.
    """
    from .query import FilterState

    kwargs: dict[str, object] = {}
    texts: dict[str, str] = {}
    ranges: dict[str, list[object]] = {}
    for name, value in vars(args).items():
        if not name.startswith("facet__"):
            continue
        _, fid, *end = name.split("__")
        if end:
            ranges.setdefault(fid, [None, None])[0 if end[0] == "from" else 1] = value
        elif isinstance(value, list):
            kwargs[fid] = tuple(v for item in value for v in str(item).split(",") if v.strip())
        elif value:
            texts[fid] = value
    for item in getattr(args, "facet_filters", []):
        fid, sep, value = item.partition("=")
        fid = fid.strip()
        if not sep or not fid or not value.strip():
            raise CliUsageError(
                Message("--filter {item}: write FACET=VALUE, e.g. --filter status=operating", item=repr(item))
            )
        if ".." in value:
            low, _, high = value.partition("..")
            try:
                ranges[fid] = [float(low) if low.strip() else None, float(high) if high.strip() else None]
            except ValueError:
                raise CliUsageError(
                    Message("--filter {item}: a range is LOW..HIGH with numbers, e.g. year=2020..2024", item=repr(item))
                ) from None
        else:
            kwargs[fid] = (*tuple(kwargs.get(fid, ())), *(v for v in value.split(",") if v.strip()))  # type: ignore[misc]
    for fid, (low, high) in ranges.items():
        if low is not None or high is not None:
            kwargs[fid] = (low, high)
    return FilterState(tuple(args.layers), texts=texts, as_of_year=getattr(args, "as_of_year", None), **kwargs)


def checked_state(args: argparse.Namespace, bundle: Bundle) -> FilterState:
    """The filter state the flags describe, with every value in its canonical spelling.

    Raises
    ------
    UnknownValueError
        If a layer id, a facet or a facet value is not in the data; the message lists the
        valid ones (``--country LAOS``; ``--status Operating`` is accepted as ``operating``).
    """
    from .query import facet_choices, normalise_state, with_defaults

    given = state_from_args(args)
    state = with_defaults(given, bundle.catalogue)
    state = normalise_state(state, bundle.catalogue, facet_choices(bundle.layers, bundle.catalogue))
    unfiltered = state.with_values(**{fid: () for fid, _ in state.choices if not given.choice(fid)})
    _say_unfiltered(unfiltered, bundle, getattr(args, "lang", None))
    return state


def _say_unfiltered(state: FilterState, bundle: Bundle, lang: str | None = None) -> None:
    """Say which selected layers a given facet does not filter (never a silent surprise)."""
    catalogue = bundle.catalogue
    for fid in state.facet_ids():
        untouched = [lid for lid in state.layer_ids(catalogue) if not catalogue[lid].facet_fields(fid)]
        if fid == "search" or not untouched:
            continue
        _progress(
            Message(
                "note: the {facet} filter does not apply to {layers} (they have no {facet} field), so all their "
                "records are kept; add --layer to choose layers",
                facet=fid,
                layers=", ".join(untouched),
            ),
            lang,
        )


def _cmd_layers(args: argparse.Namespace) -> int:
    from .data import layer_counts, load_bundle

    bundle = load_bundle()
    table = layer_counts(bundle)
    n_countries = int(bundle.countries["has_attributes"].sum())
    countries = Message(
        "countries: {polygons} polygons, {attributes} with attributes",
        polygons=len(bundle.countries),
        attributes=n_countries,
    )
    if args.lang != "en":  # the column names and ids stay (scripts read them); titles are translated
        from .i18n import translator

        tr = translator(args.lang)
        table["title"] = [tr.data(title) for title in table["title"]]
        countries = tr.message(countries)
    print(table.to_string(index=False))
    print(f"\n{countries}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .catalogue import load_catalogue
    from .data import load_bundle
    from .validate import ValidationReport, freshness_report, validate_catalogue, validate_paths

    catalogue = load_catalogue()
    fresh = None
    if args.paths:
        report = validate_paths(args.paths, catalogue, layer_id=args.schema_layer, layer_name=args.layer_name)
    elif args.no_checks:
        report = validate_catalogue(catalogue)
    else:
        # loading the bundle validates every file once and adds the consistency checks
        # (points in their country, lines between their countries, zones at sea)
        bundle = load_bundle(catalogue)
        report = ValidationReport(list(bundle.report.problems), dict(bundle.report.checked))
        fresh = freshness_report(bundle, today=args.today, max_age_days=args.max_age_days)
    from .i18n import translator

    tr = translator(args.lang)
    print(report.format(tr))
    if fresh is not None:
        today = args.today or dt.date.today()
        print(
            tr.message(
                Message(
                    "freshness as of {today}: records not verified within {days} days, and statuses or targets whose "
                    "date has passed",
                    today=today.isoformat(),
                    days=args.max_age_days,
                )
            )
        )
        for problem in fresh.problems:
            print(f"STALE: {problem.text(tr)}")  # the prefix stays for scripts, like ERROR: and WARNING:
        if fresh.problems:
            print(tr.message(Message("freshness: {n} finding(s)", n=len(fresh.problems))))
        else:
            print(tr.message(Message("freshness: no finding(s)")))
    if not report.ok:
        return 1
    if args.strict and report.warnings:
        return 1
    if args.fail_stale and fresh is not None and fresh.problems:
        return 1
    return 0


def _date_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD, e.g. 2026-12-03") from None


def _progress(message: str, lang: str | Translator | None = None) -> None:
    """A progress or note line on stderr in the language asked for (``--lang``); the
    ``mapper:`` prefix stays for scripts."""
    if lang is not None and lang != "en" and isinstance(message, Message):
        from .i18n import Translator, translator

        message = (lang if isinstance(lang, Translator) else translator(lang)).message(message)
    print(f"mapper: {message}", file=sys.stderr, flush=True)


def _wrote(out: Path, lang: str | None) -> str:
    """The line that names the file a command wrote (stdout), in the language asked for."""
    from .i18n import translator

    return translator(lang).message(Message("wrote {file}", file=str(out)))


def _output(path: str, force: bool) -> Path:
    """The output path; refuses to overwrite an existing file unless --force."""
    out = Path(path)
    if out.exists() and not force:
        raise OutputExistsError(
            Message("{file} already exists; choose another name or pass --force to replace it", file=str(out))
        )
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
    extra = _read_uploads(args)  # a file that cannot be used stops the command before the data loads
    _progress(Message("loading and checking the data…"), args.lang)
    bundle = _with_uploads(load_bundle(), extra, args)
    state = checked_state(args, bundle)
    from .i18n import translator

    tr = translator(args.lang)
    described = state.describe(bundle.catalogue.facets, tr) if args.lang != "en" else state.describe()
    _progress(Message("writing {format} ({filter})…", format=fmt, filter=described), args.lang)
    selection = select(bundle, state)
    write_export(selection, out, fmt, lang=args.lang)
    counts = ", ".join(f"{lid}: {n}" for lid, n in selection.counts.items())
    print(tr.message(Message("wrote {file} ({counts})", file=str(out), counts=counts)))
    return 0


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError as exc:
        raise CliUsageError(
            Message("--bbox {value}: write four numbers W,S,E,N, e.g. 92,8,110,26", value=repr(text))
        ) from exc
    return west, south, east, north


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from .data import load_bundle
    from .selection import select
    from .snapshot import snapshot

    out = _output(args.output, args.force)
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise CliUsageError(Message("{file}: a snapshot is a .png, .svg or .pdf file", file=out.name))
    bbox, choropleth = _bbox(args.bbox), _choropleth(args)
    extra = _read_uploads(args)  # a file that cannot be used stops the command before the data loads
    _progress(Message("loading and checking the data…"), args.lang)
    bundle = _with_uploads(load_bundle(), extra, args)
    state = checked_state(args, bundle)
    _progress(Message("drawing the {size} snapshot…", size=args.size or args.preset), args.lang)
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
    print(_wrote(out, args.lang))
    return 0


def _cmd_html(args: argparse.Namespace) -> int:
    from .data import load_bundle
    from .selection import select
    from .webmap import standalone_html

    out = _output(args.output, args.force)
    if out.suffix.lower() not in (".html", ".htm"):
        raise CliUsageError(Message("{file}: the interactive snapshot is an .html file", file=out.name))
    extra = _read_uploads(args)  # a file that cannot be used stops the command before the data loads
    _progress(Message("loading and checking the data…"), args.lang)
    bundle = _with_uploads(load_bundle(), extra, args)
    state = checked_state(args, bundle)
    _progress(Message("building the self-contained map…"), args.lang)
    out.write_text(
        standalone_html(
            select(bundle, state),
            choropleth=_choropleth(args),
            title=args.title,
            lang=args.lang,
        ),
        encoding="utf-8",
    )
    print(_wrote(out, args.lang))
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
    p.add_argument(
        "--lang",
        default="en",
        choices=list(OUTPUT_LANGUAGES),
        help="language of the titles (ids and columns never change)",
    )
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
    p.add_argument(
        "--max-age-days",
        type=int,
        default=MAX_VERIFIED_AGE_DAYS,
        metavar="N",
        help=f"report bundled records not verified within N days (default {MAX_VERIFIED_AGE_DAYS})",
    )
    p.add_argument(
        "--today",
        type=_date_argument,
        metavar="YYYY-MM-DD",
        help="reference date of the freshness report (default: today), e.g. the data's as-of date",
    )
    p.add_argument(
        "--fail-stale",
        action="store_true",
        help="fail when the freshness report of the bundled data lists anything (stale records are "
        "reported, not failed, by default: an explained finding is listed in geodata/README.md)",
    )
    p.add_argument(
        "--lang",
        default="en",
        choices=list(OUTPUT_LANGUAGES),
        help="language of the problems' messages (file, field and value names never change)",
    )
    p.set_defaults(func=_cmd_validate)

    p = commands.add_parser("export", help="export the filtered records (GeoJSON, GeoPackage, CSV or zip)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="e.g. jumpp_laos.geojson")
    p.add_argument("--format", choices=list(EXPORT_FORMATS), help="default: from the file suffix")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    _add_language_argument(p)
    add_filter_arguments(p)
    add_upload_arguments(p)
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
    add_upload_arguments(p)
    p.set_defaults(func=_cmd_snapshot)

    p = commands.add_parser("html", help="write a self-contained interactive HTML map (works offline)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.html")
    p.add_argument("--title")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    _add_choropleth_arguments(p)
    _add_language_argument(p)
    add_filter_arguments(p)
    add_upload_arguments(p)
    p.set_defaults(func=_cmd_html)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mapper`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except MapperError as exc:
        from .i18n import translator

        # the message in the language asked for (--lang); "mapper: error:" stays for scripts
        print(f"mapper: error: {translator(getattr(args, 'lang', None)).message(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
