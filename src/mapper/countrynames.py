"""Country names and codes in English and Japanese, matched to ISO 3166-1 alpha-3 codes.

The names come from kept sources: pycountry (ISO 3166-1 codes, names, official names and
common names) and the CLDR territory names that babel ships, in English and Japanese
(``babel.Locale("en").territories``, ``babel.Locale("ja").territories``). Only the
spellings neither holds are listed in :data:`ALIASES` (World Bank / UN styles such as
"Lao PDR" and "Korea, Rep.", historical names such as "Burma", and common Japanese short
forms such as 米国).

Matching ignores case, accents, full-width forms, punctuation, a leading "the" and the
order of "Korea, Republic of" style inversions. A spelling that two countries share (e.g.
"Korea", "Congo") matches neither: it is ambiguous, and :func:`country_code` says so.

Examples
--------
>>> country_code("Viet Nam"), country_code("Lao PDR"), country_code("韓国")
('VNM', 'LAO', 'KOR')
>>> country_code("Atlantis") is None
True
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pycountry
from babel import Locale

from .i18n import Message

#: Spellings of country names that neither pycountry nor CLDR (en, ja) holds, by ISO3.
#: Keep it short and add only real variants met in officers' files.
ALIASES: dict[str, tuple[str, ...]] = {
    "LAO": ("Lao PDR",),
    "KOR": ("Korea, Rep.", "ROK", "大韓民国"),
    "PRK": ("Korea, Dem. People's Rep.", "Korea, DPR", "DPRK", "朝鮮民主主義人民共和国"),
    "TUR": ("Turkey",),
    "USA": ("米国", "アメリカ"),
    "GBR": ("UK", "Great Britain", "英国"),
    "CHN": ("PRC", "中華人民共和国"),
    "TLS": ("East Timor",),
    "CIV": ("Ivory Coast",),
    "SWZ": ("Swaziland",),
    "MKD": ("Macedonia",),
    "IRN": ("Iran, Islamic Rep.",),
    "EGY": ("Egypt, Arab Rep.",),
    "FSM": ("Micronesia, Fed. Sts.",),
}
_PUNCT = re.compile(r"[.\u2019'’`\"()\[\]]")
_SPACES = re.compile(r"[\s,\-_/]+")


def normalise(text: object) -> str:
    """The form names are compared in: NFKC, no accents, case-folded, punctuation dropped.

    Examples
    --------
    >>> normalise("  Côte d’Ivoire ")
    'cote divoire'
    >>> normalise("ＶＩＥＴ　ＮＡＭ")
    'viet nam'
    """
    value = unicodedata.normalize("NFKC", str(text)).strip()
    value = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    value = unicodedata.normalize("NFKC", value).casefold()
    value = value.replace("&", " and ")
    value = _PUNCT.sub("", value)
    value = _SPACES.sub(" ", value).strip()
    return value.removeprefix("the ")


def _forms(name: str) -> list[str]:
    """A name and its variants: ``"Korea, Republic of"`` also as ``"Republic of Korea"``;
    ``"Myanmar (Burma)"`` also as ``"Myanmar"`` and ``"Burma"``."""
    forms = [name]
    if ", " in name:
        head, _, tail = name.partition(", ")
        forms.append(f"{tail} {head}")
        forms.append(head)
    match = re.fullmatch(r"(.+?)\s*[(（](.+)[)）]", name)
    if match:
        forms += [match.group(1), match.group(2)]
    return forms


@cache
def _index(aliases: bool = True) -> tuple[dict[str, str], frozenset[str]]:
    """``{normalised spelling: ISO3}`` and the spellings that several countries share
    (``aliases=False``: from the kept sources alone, to check :data:`ALIASES` stays minimal)."""
    found: dict[str, set[str]] = {}

    def add(text: object, iso3: str, *, variants: bool = True) -> None:
        if not isinstance(text, str) or not text.strip():
            return
        for form in _forms(text) if variants else [text]:
            key = normalise(form)
            if key:
                found.setdefault(key, set()).add(iso3)

    exact: dict[str, str] = {}
    for country in pycountry.countries:
        iso3 = country.alpha_3
        exact[normalise(country.alpha_3)] = iso3
        exact[normalise(country.alpha_2)] = country.alpha_3
        for attribute in ("name", "official_name", "common_name"):
            add(getattr(country, attribute, None), iso3)
    for locale in ("en", "ja"):
        for code, name in Locale(locale).territories.items():
            country = pycountry.countries.get(alpha_2=code) if len(code) == 2 and code.isalpha() else None
            if country is not None:
                add(name, country.alpha_3)
    for iso3, names in ALIASES.items() if aliases else ():
        for name in names:
            add(name, iso3, variants=False)
    index = {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}
    ambiguous = frozenset(key for key, codes in found.items() if len(codes) > 1 and key not in exact)
    # codes win over names ("in" is India's alpha-2 code, never a name)
    index.update(exact)
    return index, ambiguous


def country_code(value: object) -> str | None:
    """The ISO 3166-1 alpha-3 code a cell names (code or English/Japanese name), or None.

    Accepts alpha-3 and alpha-2 codes in any case and every spelling of the module's
    sources; an ambiguous spelling (shared by two countries) gives None.
    """
    if value is None:
        return None
    key = normalise(value)
    if not key:
        return None
    return _index()[0].get(key)


def is_ambiguous(value: object) -> bool:
    """True when a spelling names several countries (e.g. "Korea", "Congo")."""
    return normalise(value) in _index()[1]


def country_hint(value: object) -> Message:
    """What to do about a cell that names no country: the message for a rejected row."""
    if is_ambiguous(value):
        return Message(
            "{value} could be several countries; write the full name (e.g. 'Republic of Korea') or the ISO 3166-1 "
            "alpha-3 code (e.g. KOR)",
            value=repr(str(value)[:60]),
        )
    return Message(
        "{value} is not a country name or code we know; write the ISO 3166-1 alpha-3 code (e.g. LAO, VNM) or the "
        "country's English or Japanese name (e.g. Viet Nam, ベトナム)",
        value=repr(str(value)[:60]),
    )


def share_of_countries(values: list[object]) -> float:
    """The share of non-empty values that name a country (for detecting country columns)."""
    present = [v for v in values if v is not None and str(v).strip() and str(v).strip().lower() != "nan"]
    if not present:
        return 0.0
    return sum(country_code(v) is not None for v in present) / len(present)
