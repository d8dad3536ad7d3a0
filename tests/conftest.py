"""Shared fixtures: the bundled catalogue and bundle (loaded once), and throw-away copies
of ``layers/`` and ``geodata/`` that tests may break without touching the real files."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import mapper

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed browser test reports what reached each of its users' maps (a browser session
    fixture's ``map_log``): which payloads the app sent and which the map applied."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name, value in getattr(item, "funcargs", {}).items():
        log = getattr(value, "map_log", None)
        if callable(log):
            report.sections.append((f"map log of {name}", "\n".join(log())))


@pytest.fixture(scope="session")
def catalogue() -> mapper.Catalogue:
    """The bundled layer catalogue."""
    return mapper.load_catalogue()


@pytest.fixture(scope="session")
def bundle(catalogue: mapper.Catalogue) -> mapper.Bundle:
    """The bundled layers, read, validated and enriched (loaded once per session)."""
    return mapper.load_bundle(catalogue)


def pick_layer(
    bundle: mapper.Bundle,
    *,
    geometry: str | None = None,
    facet: str | None = None,
    country_level: bool | None = None,
    several_countries: bool = False,
    where: Callable[[mapper.Layer, Any], bool] | None = None,
    exclude: tuple[str, ...] = (),
) -> str:
    """The id of the first bundled layer with these properties, so that generic tests never
    name today's layers (issue 10):

    ``geometry`` (point, line, polygon); ``facet``: the layer maps this filter facet to
    fields; ``country_level``: it has (True) or lacks (False) records located only to a
    country; ``several_countries``: its records name more than one country field (e.g. the
    two ends of a line); ``where(layer, frame)``: any other condition. Fails, naming what
    was asked, when no layer has them."""
    for lid, layer in bundle.catalogue.items():
        frame = bundle.layers[lid]
        if lid in exclude or (geometry and layer.geometry != geometry) or (facet and not layer.facet_fields(facet)):
            continue
        if country_level is not None and bool((~mapper.enrich.has_site(frame)).any()) != country_level:
            continue
        if several_countries and len(layer.facet_fields("country")) < 2:
            continue
        if where is not None and not where(layer, frame):
            continue
        return lid
    asked = {"geometry": geometry, "facet": facet, "country_level": country_level, "several": several_countries}
    raise AssertionError(f"no bundled layer has {asked} (and the extra condition); add one or change the test")


@pytest.fixture(scope="session")
def point_layer(bundle: mapper.Bundle) -> str:
    """A bundled point layer with a record located only to its country."""
    return pick_layer(bundle, geometry="point", country_level=True)


@pytest.fixture(scope="session")
def line_layer(bundle: mapper.Bundle) -> str:
    """A bundled line layer whose records name a country at each end."""
    return pick_layer(bundle, geometry="line", several_countries=True)


@pytest.fixture(scope="session")
def polygon_layer(bundle: mapper.Bundle) -> str:
    """A bundled polygon layer."""
    return pick_layer(bundle, geometry="polygon")


@pytest.fixture
def layers_copy(tmp_path: Path) -> Path:
    """Copy ``layers/`` and ``geodata/`` into ``tmp_path`` and return that root.

    Tests break the copies, never the real files. Load the copy with
    ``mapper.load_catalogue(root / "layers")`` or point ``MAPPER_HOME`` at it.
    """
    shutil.copytree(REPO_ROOT / "layers", tmp_path / "layers")
    shutil.copytree(REPO_ROOT / "geodata", tmp_path / "geodata")
    return tmp_path


@pytest.fixture
def edit_geojson() -> Callable[[Path, Callable[[list[dict[str, Any]]], None]], Path]:
    """Return ``edit(path, change)``: load a GeoJSON file, let ``change`` mutate its list
    of features in place, and write it back."""

    def edit(path: Path, change: Callable[[list[dict[str, Any]]], None]) -> Path:
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data["features"])
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return edit


@pytest.fixture(scope="session", autouse=True)
def _bundle_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the bundles the tests load out of the user's disk cache (~/.cache), and the
    workspaces they save out of the user's data directory (~/.local/share/mapper)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAPPER_CACHE_DIR", str(tmp_path_factory.mktemp("mapper-cache")))
        patch.setenv("MAPPER_DATA_DIR", str(tmp_path_factory.mktemp("mapper-data")))
        patch.delenv("MAPPER_DATABASE_URL", raising=False)
        yield


def _pg_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl), if installed."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    return Path(candidates[-1]).parent if candidates else None


@contextlib.contextmanager
def _throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL cluster in a temporary folder on a free port, for this test run only
    (as root, it runs as the ``postgres`` user: PostgreSQL refuses to run as root)."""
    from mapper._serve import free_port

    bin_dir = _pg_bin()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server programs (initdb, pg_ctl): apt-get install postgresql postgis")
    folder = Path(tempfile.mkdtemp(prefix="mapper-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")  # KeyError when there is no such user
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = folder / "data"

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120, check=False)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stdout}{done.stderr}")

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL (with PostGIS when installed) server for the shared-store tests:
    ``MAPPER_TEST_DATABASE_URL`` (``.ci/run`` starts one), else a throwaway cluster started
    here from the installed server programs. Skips loudly when neither is possible."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")
    url = os.environ.get("MAPPER_TEST_DATABASE_URL")
    if url:
        yield url
        return
    try:
        cluster = _throwaway_postgres()
        url = cluster.__enter__()
    except (RuntimeError, KeyError, OSError, subprocess.SubprocessError) as exc:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"CI needs PostgreSQL for the shared-store tests: {exc}") from exc
        pytest.skip(f"NO POSTGRESQL: the PostGIS store was NOT tested ({exc}); set MAPPER_TEST_DATABASE_URL")
    try:
        # PostGIS is optional for the store's tables (it is there when the package is installed)
        with psycopg.connect(url, autocommit=True) as conn, contextlib.suppress(psycopg.Error):
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield url
    finally:
        cluster.__exit__(None, None, None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly, at the end of the run, which browser and PostGIS tests did not run and how
    to run them."""
    _postgis_summary(terminalreporter)
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "test_browser" in str(getattr(report, "nodeid", "")) or "test_browser" in str(report.location[0])
    ]
    if not skipped:
        return
    reasons = sorted({str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "" for report in skipped})
    terminalreporter.section("BROWSER TESTS DID NOT RUN", sep="!", red=True, bold=True)
    terminalreporter.write_line(
        f"{len(skipped)} browser test item(s) in tests/test_browser.py were skipped: {'; '.join(reasons)}",
        red=True,
        bold=True,
    )
    terminalreporter.write_line(
        "The real-browser journeys (pan, filter, page switches, shared links, offline HTML) were NOT checked.",
        red=True,
    )
    terminalreporter.write_line(
        "To run them: apt-get update && apt-get install -y chromium (gives /usr/bin/chromium), then make test.",
        red=True,
    )


def _postgis_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "postgis" in str(getattr(report, "nodeid", "")) or "NO POSTGRESQL" in str(report.longrepr)
    ]
    if not skipped:
        return
    terminalreporter.section("POSTGIS STORE TESTS DID NOT RUN", sep="!", red=True, bold=True)
    terminalreporter.write_line(
        f"{len(skipped)} test item(s) of the shared (PostgreSQL/PostGIS) workspace store were skipped: "
        "the store behind MAPPER_DATABASE_URL was NOT checked.",
        red=True,
        bold=True,
    )
    terminalreporter.write_line(
        "To run them: apt-get install -y postgresql postgis (the tests start a throwaway cluster), "
        "or set MAPPER_TEST_DATABASE_URL; .ci/run does both.",
        red=True,
    )
