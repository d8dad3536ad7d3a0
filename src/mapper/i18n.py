"""Two languages (English, 日本語) through gettext catalogues compiled by babel.

Two domains live in ``mapper/locale``:

* ``messages``: the text of the code (app pages, snapshots, exports, the HTML map), marked
  with ``_()`` / ``ngettext()`` / ``N_()`` and extracted by ``pybabel extract -F babel.cfg``;
* ``layers``: the text of the layer specs and schemas (titles, descriptions, field labels,
  allowed values), extracted from ``layers/**/*.toml`` by :func:`extract_specs` (registered
  in ``babel-layers.cfg``). Adding a layer needs no code: its strings land in ``layers.pot``
  and a translator adds them to ``ja/LC_MESSAGES/layers.po``. Anything untranslated falls
  back to the English text.

Catalogues are compiled from the ``.po`` files on first use (babel's ``read_po`` and
``write_mo``, in memory), so a fresh ``pip install -e .`` needs no build step. Country names
come from CLDR through babel (``Locale('ja').territories``), numbers and dates are formatted
per locale by ``babel.numbers`` and ``babel.dates``.

Example
-------
>>> tr = translator("ja")
>>> tr.country("LAO", "Lao PDR")
'ラオス'
>>> tr.number(1234.5)
'1,234.5'
"""

from __future__ import annotations

import datetime as _dt
import functools
import gettext as _gettext
import io
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

#: Languages the app, the CLI and every output speak.
LANGUAGES: dict[str, str] = {"en": "English", "ja": "日本語"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAINS = ("messages", "layers")
#: msgctxt of category values (status, technology, ...) in the ``layers`` domain.
VALUE_CONTEXT = "value"
_PARENTHETICAL = re.compile(r"\s*[(（][^)）]*[)）]\s*$")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def N_(message: str) -> str:  # noqa: N802 (the gettext convention for "mark, translate later")
    """Mark a string for extraction without translating it (constants translated at use)."""
    return message


def normalise_language(value: object) -> str | None:
    """The supported language a locale string asks for (``"ja-JP"`` → ``"ja"``), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().replace("_", "-").split("-")[0].casefold()
    return code if code in LANGUAGES else None


def language_from(*candidates: object) -> str:
    """The first supported language among ``candidates`` (e.g. the link's ``lang``, then the
    browser's locale), else English."""
    for candidate in candidates:
        lang = normalise_language(candidate)
        if lang:
            return lang
    return DEFAULT_LANGUAGE


def po_path(lang: str, domain: str) -> Path:
    """The ``.po`` file of a language and domain."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


@functools.cache
def _compiled(lang: str, domain: str) -> _gettext.NullTranslations:
    """The catalogue, compiled in memory from its ``.po`` (no build step, nothing written)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = po_path(lang, domain)
    if not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


class _Labelled(Protocol):
    def label(self, name: str) -> str: ...


class Translator:
    """Text, numbers, dates and country names in one language.

    ``gettext``/``ngettext`` translate the code's messages; :meth:`data` and :meth:`value`
    translate spec text and category values (``layers`` domain). Both fall back to English.
    """

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            from ._errors import MapperError

            raise MapperError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self._ui = _compiled(lang, "messages")
        self._data = _compiled(lang, "layers")
        self._countries: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"

    # --- messages of the code --------------------------------------------------------------
    def gettext(self, message: str) -> str:
        """The translation of a message of the code."""
        return self._ui.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural translation for ``n``."""
        return self._ui.ngettext(singular, plural, n)

    # --- text of the specs ----------------------------------------------------------------
    def data(self, text: str) -> str:
        """A spec text (layer title, description, field label...), translated when the
        catalogue has it, else as written."""
        return self._data.gettext(text) if text else text

    def value(self, value: object) -> str:
        """A category value for people: ``under_construction`` → ``under construction``
        (English) or ``建設中`` (日本語). Values that are not codes are returned as they are."""
        text = "" if value is None else str(value)
        if not _CODE.match(text):
            return text
        shown = text.replace("_", " ")
        return self._data.pgettext(VALUE_CONTEXT, shown)

    def label(self, spec: _Labelled, field: str) -> str:
        """The translated label of a field of a layer or country spec."""
        return self.data(spec.label(field))

    def record_name(self, record: Mapping[str, Any], field: str = "name") -> str:
        """A record's name in this language: ``name_ja``/``name_en`` when the record has one,
        else the original name (which records always keep)."""
        own = record.get(f"{field}_{self.lang}")
        if isinstance(own, str) and own.strip():
            return own
        value = record.get(field)
        return "" if value is None else str(value)

    # --- countries, numbers, dates --------------------------------------------------------
    def country(self, iso3: str, fallback: str | None = None) -> str:
        """A country's name: the data's own name in English, CLDR's in other languages
        (a trailing alternative in brackets is dropped: "ミャンマー (ビルマ)" → "ミャンマー")."""
        if self.lang == DEFAULT_LANGUAGE:
            return fallback or iso3
        if iso3 not in self._countries:
            self._countries[iso3] = _cldr_name(iso3, self.lang) or fallback or iso3
        return self._countries[iso3]

    def number(self, value: float | int, decimals: int | None = None) -> str:
        """A number with this locale's separators (``decimals`` fixes the fraction digits)."""
        from babel.numbers import format_decimal

        if decimals is None:
            return format_decimal(value, locale=self.lang)
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self.lang)

    def date(self, value: str | _dt.date) -> str:
        """A date (``YYYY-MM-DD``) in this locale's medium format; partial dates (``YYYY``,
        ``YYYY-MM``) and anything else are returned as written."""
        from babel.dates import format_date

        if isinstance(value, str):
            try:
                value = _dt.date.fromisoformat(value)
            except ValueError:
                return value
        return format_date(value, format="medium", locale=self.lang)

    def datetime(self, value: _dt.datetime) -> str:
        """A date and time in this locale's short format (e.g. an upload's time, in UTC)."""
        from babel.dates import format_datetime

        return format_datetime(value, format="short", locale=self.lang)


@functools.cache
def translator(lang: str | None = None) -> Translator:
    """The translator of a language (English for None). Cached: one per language.

    Raises
    ------
    MapperError
        If the language is not one of :data:`LANGUAGES`.
    """
    return Translator(lang or DEFAULT_LANGUAGE)


@functools.cache
def _cldr_name(iso3: str, lang: str) -> str | None:
    import pycountry
    from babel import Locale

    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return None
    name = Locale.parse(lang).territories.get(country.alpha_2)
    return _PARENTHETICAL.sub("", name) if name else None


# --- extraction of spec text (babel extraction method) -------------------------------------


def _auto_label(name: str) -> str:
    """The label a spec gives a field it does not label (see ``Layer.label``)."""
    return name.replace("_", " ").capitalize()


def spec_messages(raw: Mapping[str, Any]) -> Iterator[tuple[str | None, str]]:
    """``(context, text)`` of every translatable string of one parsed spec or schema."""
    for key in ("title", "description", "attribution", "licence"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            yield None, value
    labels = raw.get("labels")
    if isinstance(labels, Mapping):
        for value in labels.values():
            if isinstance(value, str) and value.strip():
                yield None, value
    fields = raw.get("fields")
    if isinstance(fields, Mapping):
        for name, spec in fields.items():
            yield None, _auto_label(str(name))
            if not isinstance(spec, Mapping):
                continue
            description = spec.get("description")
            if isinstance(description, str) and description.strip():
                yield None, description
            for value in spec.get("allowed") or ():
                if isinstance(value, str) and _CODE.match(value):
                    yield VALUE_CONTEXT, value.replace("_", " ")
    facets = raw.get("facets")
    if isinstance(facets, Mapping):  # layers/facets.toml, or a layer's own [facets.<id>]
        for spec in facets.values():
            if isinstance(spec, Mapping):
                for key in ("label", "help", "placeholder"):
                    value = spec.get(key)
                    if isinstance(value, str) and value.strip():
                        yield None, value
    style = raw.get("style")
    if isinstance(style, Mapping) and isinstance(style.get("palette"), Mapping):
        for value in style["palette"]:
            if isinstance(value, str) and _CODE.match(value):
                yield VALUE_CONTEXT, value.replace("_", " ")


def extract_specs(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, str, Any, list[str]]]:
    """Babel extraction method for layer specs and schemas (TOML): registered in
    ``babel-layers.cfg``; yields babel's ``(lineno, funcname, message, comments)``."""
    text = fileobj.read().decode("utf-8")
    raw = tomllib.loads(text)
    lines = text.splitlines()
    for context, message in spec_messages(raw):
        lineno = next((k + 1 for k, line in enumerate(lines) if message in line), 1)
        if context is None:
            yield lineno, "gettext", message, []
        else:
            yield lineno, "pgettext", (context, message), []
