"""The Export page, headless (AppTest): nothing heavy on opening, files on request, a
cached preview whose options sit in a form."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

import mapper
from mapper.export import ExportError
from mapper.query import with_defaults

TIMEOUT = 120
PAGE = "app_pages/export.py"


def _export_page(params: dict[str, str] | None = None) -> AppTest:
    """The app opened straight on the Export page (the Map page is not run)."""
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Bytes behind every media URL the app creates (download buttons, images), by file id."""
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes | bytearray):
            files[file_id] = bytes(path_or_data)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return files


def _downloads(at: AppTest) -> dict[str, object]:
    return {b.key: b for b in at.get("download_button")}


def _bytes_of(url: str, media: dict[str, bytes]) -> bytes:
    file_id = re.sub(r"\.[a-z0-9]+$", "", url.rsplit("/", 1)[-1])
    return media[file_id]


def _preview_url(at: AppTest) -> str:
    images = at.get("image")
    assert images, "no preview image"
    return images[0].value[0]


def _shown(markdown: str) -> str:
    """Markdown source as the user reads it (escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_opening_builds_no_file_and_prepare_offers_the_geojson(media: dict[str, bytes], bundle: mapper.Bundle) -> None:
    at = _export_page()
    assert not at.exception
    assert not at.error
    assert not _downloads(at)  # nothing built on opening
    prepare = at.button(key="prep-geojson")
    assert "GeoJSON" in prepare.label

    prepare.click().run()
    assert not at.exception
    assert not at.error
    downloads = _downloads(at)
    assert list(downloads) == ["dl-geojson"]  # only what was asked for
    collection = json.loads(_bytes_of(downloads["dl-geojson"].proto.url, media))
    assert collection["type"] == "FeatureCollection"
    fresh = with_defaults(mapper.FilterState(), bundle.catalogue)  # a new view: facets at their defaults
    expected = sum(len(f) for f in mapper.apply_filter(bundle.layers, bundle.catalogue, fresh).values())
    assert len(collection["features"]) == expected

    at.run()  # a rerun (or coming back) keeps the prepared file without a new click
    assert list(_downloads(at)) == ["dl-geojson"]
    assert at.button(key="prep-csv")

    at.button(key="prep-html").click().run()
    assert not at.exception
    page = _bytes_of(_downloads(at)["dl-html"].proto.url, media).decode("utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")


def _submit(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == "Update preview").click().run()


def test_the_preview_changes_only_when_the_form_is_submitted() -> None:
    at = _export_page()
    assert not at.exception
    assert at.text_input(key="s_title").form_id  # the options sit in a form
    assert not at.get("image")  # opening draws nothing
    _submit(at)
    assert not at.exception
    assert not at.error
    before = _preview_url(at)

    at.text_input(key="s_title").input("Mekong grid links").run()
    assert _preview_url(at) == before  # typing redraws nothing

    at.text_input(key="s_title").input("Mekong grid links")
    _submit(at)  # typed and submitted together, as a browser sends a form
    assert not at.exception
    assert not at.error
    assert _preview_url(at) != before


def test_a_filter_in_the_link_shows_in_the_description(bundle: mapper.Bundle) -> None:
    at = _export_page({"countries": "LAO"})
    assert not at.exception
    text = _shown(" ".join(m.value for m in at.markdown))
    assert "country LAO" in text
    # a facet the link does not name starts at its declared default (core JUCEP/JUMPP activities)
    state = with_defaults(mapper.FilterState(country=("LAO",)), bundle.catalogue)
    frames = mapper.apply_filter(bundle.layers, bundle.catalogue, state)
    for lid, frame in frames.items():
        assert f"{bundle.catalogue[lid].title}: **{len(frame):,}**" in text
    assert not _downloads(at)


def test_text_from_the_link_is_escaped() -> None:
    at = _export_page({"search": "**bold** $x$"})
    assert not at.exception
    description = at.markdown[0].value
    assert "\\*\\*bold\\*\\*" in description
    assert "\\$x\\$" in description


def test_no_layer_selected_offers_nothing() -> None:
    at = _export_page({"layers": "none"})
    assert not at.exception
    assert any("No layer is selected" in w.value for w in at.warning)
    assert not _downloads(at)
    assert not at.get("image")
    assert not [b for b in at.button if b.label.startswith("Prepare")]


def test_the_full_resolution_file_is_drawn_only_on_request(media: dict[str, bytes]) -> None:
    at = _export_page()
    at.selectbox(key="s_preset").set_value("slide-16x9")
    _submit(at)
    assert not at.exception
    assert not _downloads(at)  # the preview alone
    at.button(key="s_make").click().run()
    assert not at.exception
    assert not at.error
    download = _downloads(at)["s_download"]
    assert _bytes_of(download.proto.url, media).startswith(b"\x89PNG")
    at.run()
    assert "s_download" in _downloads(at)  # kept while the options stay the same


def test_a_library_error_is_a_message_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(selection: object, fmt: str, lang: str | None = None) -> bytes:
        raise ExportError("cannot write *this* file")

    monkeypatch.setattr("mapper.export.export_bytes", fail)
    at = _export_page({"search": "solar"})  # a filter no other test prepares (no cached file)
    at.button(key="prep-csv").click().run()
    assert not at.exception
    assert any("cannot write \\*this\\* file" in e.value for e in at.error)
    assert not _downloads(at)
    assert at.button(key="prep-csv")  # the user may try again
