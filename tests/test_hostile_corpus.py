"""Hostile and broken input: every case of the generated corpus gets a clear error or is
accepted with its text kept literally; never a traceback, never silent acceptance."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import mapper
from mapper.validate import ValidationReport, read_checked, validate_paths, validate_upload

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_hostile_corpus import Case, write_corpus

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    """The corpus, written once into a temporary folder (never into the repository)."""
    return write_corpus(tmp_path_factory.mktemp("hostile"))


def _run(case: Case, catalogue: mapper.Catalogue) -> tuple[str, str, ValidationReport | None]:
    """Outcome ("error", "accepted" or "crash"), the message text, and the report."""
    try:
        if case.kind == "file":
            report = validate_paths([case.path], catalogue, layer_id=case.layer, layer_name=case.layer_name)
        elif case.kind == "upload":
            report = validate_upload(case.upload_name or "", case.path.read_bytes(), catalogue, case.layer)
        else:
            mapper.load_catalogue(case.path, root=case.root)
            return "accepted", "", None
    except mapper.MapperError as exc:
        return "error", str(exc), None
    except Exception as exc:
        return "crash", f"{type(exc).__name__}: {exc}", None
    text = "\n".join(str(p) for p in report.errors)
    return ("error" if report.errors else "accepted"), text, report


@pytest.fixture(scope="module")
def outcomes(
    corpus: list[Case], catalogue: mapper.Catalogue
) -> dict[str, tuple[Case, str, str, ValidationReport | None]]:
    return {case.name: (case, *_run(case, catalogue)) for case in corpus}


def test_the_corpus_is_broad(corpus: list[Case]) -> None:
    names = [c.name for c in corpus]
    assert len(corpus) >= 100
    assert len(names) == len(set(names))
    suffixes = {c.path.suffix for c in corpus if c.kind == "file"}
    assert {".geojson", ".gpkg", ".parquet", ".csv", ".zip"} <= suffixes
    assert {c.kind for c in corpus} == {"file", "upload", "catalogue"}
    assert sum(c.expect == "accepted" for c in corpus) >= 20


def test_no_input_raises_an_unexpected_exception(outcomes) -> None:
    crashes = {name: text for name, (_, got, text, _) in outcomes.items() if got == "crash"}
    assert not crashes


def test_every_broken_input_gets_an_error_with_the_expected_words(outcomes) -> None:
    offenders = {}
    for name, (case, got, text, _) in outcomes.items():
        if case.expect != "error":
            continue
        missing = [w for w in case.words if w.lower() not in text.lower()]
        if got != "error" or missing:
            offenders[name] = (got, missing, text[:300])
    assert not offenders


def test_every_acceptable_input_is_accepted_without_errors(outcomes) -> None:
    offenders = {
        name: text[:300]
        for name, (case, got, text, _) in outcomes.items()
        if case.expect != got and case.expect == "accepted"
    }
    assert not offenders


def test_error_messages_name_the_file(outcomes) -> None:
    offenders = []
    for name, (case, got, text, report) in outcomes.items():
        if got != "error":
            continue
        if report is None:  # a SpecError from the catalogue names the spec or schema file
            if str(case.path) not in text or ".toml" not in text:
                offenders.append(name)
        elif not all(p.file for p in report.errors):
            offenders.append(name)
    assert not offenders


def test_record_problems_name_record_row_field_and_value(outcomes) -> None:
    """A problem about one record says which (id and row), which field, and what is wrong."""
    offenders = []
    for name, (_, _, _, report) in outcomes.items():
        if report is None:
            continue
        for p in report.errors:
            if p.feature is not None and (p.row is None or not p.field or not p.message):
                offenders.append((name, str(p)))
    assert not offenders


def test_messages_never_show_a_traceback_or_a_temporary_path(outcomes) -> None:
    offenders = [name for name, (_, _, text, _) in outcomes.items() if "Traceback" in text]
    uploads = [
        name
        for name, (case, _, text, report) in outcomes.items()
        if case.kind == "upload" and ("/tmp" in text or (report and any("/" in f for f in report.checked)))
    ]
    assert not offenders
    assert not uploads


def test_uploaded_names_are_sanitised_and_never_paths(outcomes) -> None:
    offenders = []
    for name, (case, _, _, report) in outcomes.items():
        if case.kind != "upload" or report is None:
            continue
        for shown in [*report.checked, *(p.file for p in report.problems)]:
            if any(ch in shown for ch in "/\\\x00\n\r") or len(shown) > 120 or shown in ("", ".", ".."):
                offenders.append((name, shown))
    assert not offenders


def test_accepted_text_is_kept_literally(corpus: list[Case], catalogue: mapper.Catalogue) -> None:
    offenders = []
    for case in corpus:
        if not case.literal:
            continue
        layer = catalogue[case.layer]
        frame, report = read_checked(case.path, layer.schema, layer=layer, catalogue=catalogue)
        assert report.ok, case.name
        for field, text in case.literal.items():
            if frame[field].iloc[0] != text:
                offenders.append((case.name, field, frame[field].iloc[0][:80]))
    assert not offenders


def test_huge_junk_files_are_refused_quickly(tmp_path: Path, catalogue: mapper.Catalogue) -> None:
    """30 MB of junk (generated here, never committed) as CSV and as GeoJSON: a clear error."""
    junk = os.urandom(30 * 1024 * 1024)
    for suffix, words in ((".csv", "binary"), (".geojson", "GDAL")):
        path = tmp_path / f"junk{suffix}"
        path.write_bytes(junk)
        report = validate_paths([path], catalogue, layer_id="jumpp")
        assert len(report.errors) == 1
        assert words in report.errors[0].message
        upload = validate_upload(f"junk{suffix}", junk, catalogue, "jumpp")
        assert len(upload.errors) == 1
        assert upload.errors[0].file == f"junk{suffix}"


def test_cli_validate_never_prints_a_traceback(corpus: list[Case]) -> None:
    """A sample through ``mapper validate`` in a subprocess: exit 1 for the broken files, 0
    for the good ones, a report on stdout, no traceback."""
    files = [c for c in corpus if c.kind == "file" and c.layer == "jumpp" and c.layer_name is None]
    broken = [str(c.path) for c in files if c.expect == "error"][:40]
    good = [str(c.path) for c in files if c.expect == "accepted"][:10]
    mapper_cli = [sys.executable, "-m", "mapper.cli"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("MAPPER_HOME", None)
    runs = [
        (broken, 1, ["validate", *broken, "--as-layer", "jumpp"]),
        (good, 0, ["validate", *good, "--as-layer", "jumpp"]),
        ([], 2, ["validate", broken[0], "--as-layer", "no_such_layer"]),
    ]
    for paths, code, args in runs:
        done = subprocess.run([*mapper_cli, *args], capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120)
        assert done.returncode == code, (args[:3], done.stdout[-500:], done.stderr[-500:])
        assert "Traceback" not in done.stderr
        assert "Traceback" not in done.stdout
        for path in paths:
            assert Path(path).name in done.stdout
    multi = next(c for c in corpus if c.name == "gpkg_multi_without_name")
    done = subprocess.run(
        [*mapper_cli, "validate", str(multi.path), "--as-layer", "jumpp", "--layer-name", "jumpp"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
