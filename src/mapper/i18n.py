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
import string
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


class Message(str):
    """A message for people that can be shown in either language.

    It *is* its English text (``str(m)``, logs, tests and comparisons read English) and keeps
    its message id and parameters, so :meth:`Translator.message` can show it in the user's
    language where it is displayed. The library thus needs no language of its own:

    >>> m = Message("ignored unknown layer(s) {layers}", layers="nope")
    >>> m
    'ignored unknown layer(s) nope'
    >>> translator("ja").message(m)
    '不明なレイヤーを無視しました：nope'

    The first argument is extracted into the catalogue (``pybabel extract -k Message``).
    Parameters that are themselves :class:`Message` or :class:`SpecText` are translated too (an
    exception is kept as its message); any other value (a file name, a field name, a data value) is shown as given.
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Message:
        # an exception is kept as its message (translatable when it has one), never as itself
        params = {k: _message_of(v) if isinstance(v, BaseException) else v for k, v in params.items()}
        self = super().__new__(cls, msgid.format(**params) if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_message, (self.msgid, self.params))

    def replace(self, old: str, new: str, count: int = -1) -> str:  # type: ignore[override]
        """``str.replace`` that stays a Message when ``old`` only occurs in the parameters (e.g.
        a temporary path replaced by the file's name)."""
        plain = str.replace(self, old, new, count)
        params = {k: v.replace(old, new) if isinstance(v, str) else v for k, v in self.params.items()}
        out = Message(self.msgid, **params)
        return out if str(out) == plain else plain


def _message_of(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return message if isinstance(message, Message) else str(exc)


def _message(msgid: str, params: dict[str, Any]) -> Message:
    return Message(msgid, **params)


class SpecText(str):
    """Text of a layer spec (a facet or field label...) inside a :class:`Message`: translated
    through the ``layers`` domain where the message is shown. ``shown`` is the English form
    in the sentence when it differs from the spec's (``SpecText("Capacity (MW)", "capacity (MW)")``)."""

    msgid: str

    def __new__(cls, text: str, shown: str | None = None) -> SpecText:
        self = super().__new__(cls, text if shown is None else shown)
        self.msgid = text
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (SpecText, (self.msgid, str(self)))


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

            raise MapperError(
                Message("unknown language {lang}; use one of {langs}", lang=repr(lang), langs=", ".join(LANGUAGES))
            )
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

    def message(self, text: object) -> str:
        """A :class:`Message` (or an exception whose message is one) in this language; any
        other text as it is. Falls back to the English text if a translation is broken."""
        if isinstance(text, BaseException):
            describe = getattr(text, "text", None)
            return describe(self) if callable(describe) else str(text)
        if isinstance(text, SpecText):
            translated = self.data(text.msgid)
            return str(text) if translated == text.msgid else translated
        if not isinstance(text, Message):
            return "" if text is None else self._recognised(str(text))
        params = {
            key: self.message(value) if isinstance(value, Message | SpecText) else value
            for key, value in text.params.items()
        }
        try:
            return self.gettext(text.msgid).format(**params) if params else self.gettext(text.msgid)
        except (KeyError, IndexError, ValueError):
            return str(text)

    def _recognised(self, text: str) -> str:
        """A plain string that is the English text of a message of the code, translated.

        A :class:`Message` becomes a plain ``str`` when it passes through a container that
        keeps only text (pandas ≥ 3 string columns, e.g. an upload's rows set aside): its
        message id and parameters are found again by matching the catalogue's messages
        (the most specific first); text that matches none is returned as it is.
        """
        if self.lang == DEFAULT_LANGUAGE or not text:
            return text
        translated = self._ui.gettext(text)
        if translated != text:
            return translated
        for pattern, msgid in _patterns(self.lang):
            found = pattern.fullmatch(text)
            if found:
                params = {key: self._recognised(value) for key, value in found.groupdict().items()}
                try:
                    return self.gettext(msgid).format(**params)
                except (KeyError, IndexError, ValueError):
                    return text
        return text

    # --- text of the specs ----------------------------------------------------------------
    def data(self, text: str) -> str:
        """A spec text (layer title, description, field label...), translated when the
        catalogue has it, else as written."""
        if not text:
            return text
        translated = self._data.gettext(text)
        # texts the code writes into generated specs (an upload's field labels) are messages
        return translated if translated != text else self._ui.gettext(text)

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
def _patterns(lang: str) -> list[tuple[re.Pattern[str], str]]:
    """A full-match pattern per translated message of the code with ``{name}`` fields (the
    English text it formats to), most literal text first."""
    from babel.messages.pofile import read_po

    path = po_path(lang, "messages")
    if not path.is_file():
        return []
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    out = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not message.string or message.fuzzy:
            continue
        try:
            parts = list(string.Formatter().parse(message.id))
        except ValueError:
            continue
        names = [name for _, name, spec, _ in parts if name is not None]
        if not names or any(not name.isidentifier() for name in names) or any(spec for *_, spec, _ in parts):
            continue
        words = "".join(text for text, *_ in parts)
        if not re.search(r"[A-Za-z]{3}", words):
            continue  # "{where}: {message}" would match any text with a colon
        regex, seen, literal = "", set(), 0
        for text, name, _, _ in parts:
            regex += re.escape(text)
            literal += len(text)
            if name is None:
                continue
            regex += f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"
            seen.add(name)
        out.append((literal, re.compile(regex, re.DOTALL), message.id))
    out.sort(key=lambda item: -item[0])
    return [(pattern, msgid) for _, pattern, msgid in out]


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
