"""A simulated user who does many things in a row (AppTest): random but repeatable.

Each step picks a page or a widget the current page shows and gives it a valid value (an
option it offers, a number in its range, words, a click), in both languages. After every
step: no exception and no traceback on the page, the link holds the view, and the counts
the Map page shows are what the library selects for the view the link describes. Seeded,
so a failure names the step that broke and replays the same way.
"""

from __future__ import annotations

import random
import re

import pytest
from streamlit.testing.v1 import AppTest

import mapper
from mapper.i18n import LANGUAGES
from mapper.selection import select
from mapper.snapshot import PRESETS, REGIONS
from mapper.style import SCHEME_LABELS, categorical_attributes, numeric_attributes
from mapper.viewstate import NO_CHOROPLETH, NO_TILES, Controls, view_from_query

PAGES = (
    "app_pages/map.py",
    "app_pages/countries.py",
    "app_pages/export.py",
    "app_pages/sources.py",
    "app_pages/your_data.py",
)
#: Widgets the monkey leaves alone: play starts a timed loop (tested on its own elsewhere);
#: the file uploader and downloads need files (the upload journeys test them).
SKIP = re.compile(r"^(w_play|yd_|dl-)")
STEPS = 60
WORDS = ("grid", "Mekong", "風力", "<script>alert(1)</script>", "{{7*7}}", "$x$", "  ")


def _widgets(at: AppTest) -> list:
    found = []
    for kind in ("multiselect", "selectbox", "slider", "toggle", "text_input", "checkbox", "radio", "button"):
        for widget in getattr(at, kind):
            key = getattr(widget, "key", None) or ""
            if SKIP.match(key) or getattr(widget, "disabled", False):
                continue
            found.append((kind, widget))
    return found


def _shown_as_itself(widget, option: str) -> bool:
    try:
        return widget.format_func(option) == option
    except Exception:
        return False


def _act(rng: random.Random, kind: str, widget, raw: dict[str, list]) -> str:
    if kind == "multiselect":
        options = raw.get(widget.key)
        if options is None:  # a list whose values the test does not know: leave it
            return f"(left {widget.key})"
        picked = rng.sample(options, k=min(len(options), rng.choice([0, 1, 1, 2])))
        widget.set_value(picked)
        return f"{widget.key}={picked}"
    if kind in ("selectbox", "radio"):
        options = raw.get(widget.key) or [o for o in widget.options if _shown_as_itself(widget, o)]
        if not options:  # options shown by a label the test cannot map back: leave it
            return f"(left {widget.key})"
        value = rng.choice(options)
        widget.set_value(value)
        return f"{widget.key}={value}"
    if kind == "slider":
        low, high = widget.min, widget.max
        if isinstance(widget.value, tuple | list):
            a, b = sorted(rng.uniform(low, high) for _ in range(2))
            value = (type(low)(a), type(high)(b))
        else:
            value = type(low)(rng.uniform(low, high))
        widget.set_value(value)
        return f"{widget.key}={value}"
    if kind in ("toggle", "checkbox"):
        widget.set_value(not widget.value)
        return f"{widget.key}={not widget.value}"
    if kind == "text_input":
        words = rng.choice(WORDS)
        widget.input(words)
        return f"{widget.key}={words!r}"
    widget.click()
    return f"click {widget.key or widget.label}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_user_doing_many_things_in_a_row_never_breaks_the_app(seed: int, bundle: mapper.Bundle) -> None:
    rng = random.Random(seed)
    controls = Controls.for_bundle(bundle)
    raw = {
        "w_layers": list(bundle.catalogue),
        "w_choropleth": [
            NO_CHOROPLETH,
            *numeric_attributes(bundle.catalogue.countries),
            *categorical_attributes(bundle.catalogue.countries),
        ],
        "w_scheme": list(SCHEME_LABELS),
        "w_basemap": [NO_TILES],  # tiles need the internet
        "w_lang": list(LANGUAGES),
        "s_preset": list(PRESETS),
        "s_region": list(REGIONS),
    } | {Controls.key(f): list(v) for f, v in controls.choices.items()}
    at = AppTest.from_file("../streamlit_app.py", default_timeout=180)
    at.query_params["lang"] = "ja" if seed % 2 else "en"
    at.run()
    page = PAGES[0]
    history: list[str] = []
    for step in range(STEPS):
        if rng.random() < 0.2:
            page = rng.choice(PAGES)
            at.switch_page(page)
            history.append(f"page {page}")
        else:
            widgets = _widgets(at)
            if rng.random() > 0.1:  # the language now and then, not at every other step
                widgets = [(k, w) for k, w in widgets if w.key != "w_lang"]
            if not widgets:
                continue
            kind, widget = rng.choice(widgets)
            history.append(_act(rng, kind, widget, raw))
        at.run()
        where = f"step {step}: {' → '.join(history[-6:])}"
        assert not at.exception, f"{where}: {at.exception}"
        if page == PAGES[0] and not at.warning:
            params = {k: at.query_params[k] for k in at.query_params}
            view, notices = view_from_query(params, bundle)
            assert notices == [], f"{where}: the app wrote a link it cannot read back: {notices}"
            if not view.layers_off:
                frames = select(bundle, view.filters).frames
                shown = sorted(int(re.sub(r"\D", "", str(m.value))) for m in at.metric)
                expected = sorted(len(f) for f in frames.values())
                assert shown == expected, f"{where}: page {shown} vs link {expected}"
