"""Two languages: the catalogues are complete and current, every UI string is wrapped for
translation, and the library's outputs (tables, legends, exports, HTML map, snapshots) come
out in Japanese with Japanese labels, CLDR country names and locale formats."""

from __future__ import annotations

import ast
import io
import json
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import mapper
from mapper.i18n import LANGUAGES, LOCALE_DIR, language_from, normalise_language, po_path, translator
from mapper.query import FilterState
from mapper.selection import select

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = {"messages": (ROOT / "babel.cfg", ROOT), "layers": (ROOT / "babel-layers.cfg", ROOT / "layers")}


def _extracted(domain: str) -> set[tuple[str | None, str]]:
    """``(context, msgid)`` of every message the sources hold now (babel's own extraction)."""
    cfg, folder = DOMAINS[domain]
    with cfg.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(cfg))
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None, "Message": None}
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(folder), method_map, options_map, keywords=keywords
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.add((context, msgid))
    return found


def _catalog(lang: str, domain: str):
    with po_path(lang, domain).open("rb") as handle:
        return read_po(handle, locale=lang, domain=domain)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_every_message_of_the_sources_is_in_the_template_and_translated_into_japanese(domain: str) -> None:
    """A message added to the code or a spec without `make i18n` and a translation fails here."""
    extracted = _extracted(domain)
    with (LOCALE_DIR / f"{domain}.pot").open("rb") as handle:
        template = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle) if m.id}
    assert sorted(extracted - template, key=str) == [], "run `make i18n`: the .pot misses these"
    assert sorted(template - extracted, key=str) == [], "run `make i18n`: the .pot holds messages no source has"
    catalog = _catalog("ja", domain)
    problems = []
    for context, msgid in sorted(extracted, key=str):
        message = catalog.get(msgid, context=context)
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {msgid!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(_fields(i) for i in ids))
        for text in strings:
            if text and _fields(text) != wanted:
                problems.append(f"placeholders differ: {msgid!r} → {text!r}")
    for message, errors in catalog.check():  # babel's checkers (plural forms, %-formats)
        problems += [f"{message.id!r}: {error}" for error in errors]
    assert problems == []


@pytest.mark.parametrize("domain", list(DOMAINS))
def test_the_english_catalogue_adds_nothing_and_falls_back_to_the_source(domain: str) -> None:
    catalog = _catalog("en", domain)
    assert [m.id for m in catalog if m.id and any(m.string if isinstance(m.string, tuple) else (m.string,))] == []


def _unwrapped_strings(path: Path) -> list[str]:
    """String literals with words in the arguments of ``st.*`` calls (and of methods called
    on Streamlit containers and columns) that are not inside ``_()`` / ``ngettext()``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrapped = {"_", "gettext", "ngettext", "N_"}
    wrapped |= {"held", "held_index"}  # their strings are widget keys (app_pages/_shared.held)
    #: keyword arguments that are identifiers, not text for people
    technical = {"key", "type", "mime", "file_name", "language", "icon", "url_path", "width", "anchor", "format"}
    technical |= {"page_icon", "layout", "scope", "encoding", "column_config", "border", "on_change"}
    offenders = []

    def strings_in(node: ast.AST) -> list[ast.AST]:
        found = []
        parts = {id(v) for child in ast.walk(node) if isinstance(child, ast.JoinedStr) for v in child.values}
        for child in ast.walk(node):
            if id(child) in parts:
                continue
            if isinstance(child, ast.Call):
                func = child.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in wrapped:
                    continue
            if (
                isinstance(child, ast.Constant)
                and isinstance(child.value, str)
                and any(c.isalpha() for c in child.value)
            ):
                found.append(child)
            if isinstance(child, ast.JoinedStr):
                literal = "".join(v.value for v in child.values if isinstance(v, ast.Constant))
                if any(c.isalpha() for c in literal):
                    found.append(child)
        return found

    def inside_wrapped(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in wrapped:
                    return True
                if name in {
                    "get",
                    "pop",
                    "split",
                    "join",
                    "dropna",
                    "set_index",
                    "astype",
                    "drop",
                    "label",
                    "form",
                    "read_text",
                    "fillna",
                    "X",  # Altair encodings: "field:type" shorthands (titles are wrapped)
                    "Y",
                    "Color",
                    "Tooltip",
                    "Axis",
                }:
                    return True  # a dictionary key, a data column or a field name, not text for people
            if isinstance(node, ast.Subscript | ast.List | ast.Tuple):
                return True  # an index, or the options of a widget (values shown through format_func)
        return False

    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            continue
        root = call.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Call):  # st.sidebar.x, st.columns(...)[0].x
            root = root.func
            while isinstance(root, ast.Attribute):
                root = root.value
        if not (isinstance(root, ast.Name) and root.id in {"st", "col", "buttons"}):
            continue
        if call.func.attr in {"cache_data", "cache_resource", "fragment", "Page"} and root.id == "st":
            args = [kw.value for kw in call.keywords if kw.arg == "title"]
        else:
            args = [*call.args, *(kw.value for kw in call.keywords if kw.arg not in technical)]
        for arg in args:
            for node in strings_in(arg):
                if not inside_wrapped(node, parents):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:70]}")
    return offenders


def test_every_ui_string_of_the_app_is_wrapped_for_translation() -> None:
    paths = [ROOT / "streamlit_app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    offenders = [o for path in paths for o in _unwrapped_strings(path)]
    assert offenders == []


def test_the_ui_string_check_finds_an_unwrapped_string(tmp_path: Path) -> None:
    """The check above can fail: a page with one wrapped and two bare strings."""
    page = tmp_path / "page.py"
    page.write_text('import streamlit as st\nst.title(_("Fine"))\nst.caption("Bare")\nst.button(f"Go {x}")\n')
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert [o.split(": ", 1)[1] for o in _unwrapped_strings(page)] == ["'Bare'", "f'Go {x}'"]
    finally:
        ROOT = saved


# --- the translator --------------------------------------------------------------------------


def test_the_language_comes_from_the_link_then_the_browser_and_else_english() -> None:
    assert language_from("ja", "en-US") == "ja"
    assert language_from(None, "ja-JP") == "ja"
    assert language_from("fr", "de-DE") == "en"
    assert normalise_language("JA_jp") == "ja"
    assert normalise_language("xx") is None
    assert set(LANGUAGES) == {"en", "ja"}


def test_country_names_come_from_cldr_and_numbers_and_dates_follow_the_locale() -> None:
    ja, en = translator("ja"), translator("en")
    assert ja.country("LAO", "Lao PDR") == "ラオス"
    assert ja.country("MMR", "Myanmar") == "ミャンマー"  # CLDR's "(ビルマ)" alternative is dropped
    assert ja.country("VNM") == "ベトナム"
    assert en.country("LAO", "Laos") == "Laos"  # English keeps the data's own name
    assert ja.country("XKX", "Kosovo") == "Kosovo"  # no ISO code known: the data's name
    assert en.number(1234567.5) == "1,234,567.5"
    assert ja.number(2500, 0) == "2,500"
    assert ja.date("2026-11-22") == "2026/11/22"
    assert en.date("2026-11-22") == "Nov 22, 2026"
    assert ja.date("2025-03") == "2025-03"  # a partial date is shown as written


def test_spec_text_and_values_are_translated_with_an_english_fallback() -> None:
    ja = translator("ja")
    bundle = mapper.load_bundle()
    wind = bundle.catalogue["wind_zones"]
    assert ja.data(wind.title) == "洋上風力発電の区域"
    assert ja.label(wind, "capacity_mw") == "容量（MW）"
    assert ja.value("under_construction") == "建設中"
    assert ja.value("technical_assistance") == "技術協力"
    assert ja.data("A layer added without a translation") == "A layer added without a translation"
    assert ja.value("brand_new_status") == "brand new status"
    assert ja.value("JUMPP") == "JUMPP"  # not a code: shown as written


def test_records_keep_their_names_and_show_name_ja_when_they_have_one() -> None:
    ja, en = translator("ja"), translator("en")
    record = {"name": "Akita Port", "name_ja": "秋田港"}
    assert ja.record_name(record) == "秋田港"
    assert en.record_name(record) == "Akita Port"
    assert ja.record_name({"name": "Nam Theun 2"}) == "Nam Theun 2"
    assert en.record_name({"name": "秋田港", "name_en": "Akita Port"}) == "Akita Port"


def test_an_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(mapper.MapperError, match="unknown language 'fr'; use one of en, ja"):
        translator("fr")


# --- outputs in Japanese ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle() -> mapper.Bundle:
    return mapper.load_bundle()


def test_the_filter_description_is_translated(bundle: mapper.Bundle) -> None:
    state = FilterState(status=("operating",), country=("LAO",), as_of_year=2024)
    facets = bundle.catalogue.facets
    assert state.describe(facets) == "country LAO; status operating; as of 2024"
    assert state.describe(facets, translator("ja")) == "国：LAO；状況：運転中；2024年時点"


def test_exports_keep_field_names_and_add_japanese_labels(bundle: mapper.Bundle) -> None:
    from mapper.export import export_bytes

    selection = select(bundle, FilterState(layers=("wind_zones",)))
    english = json.loads(export_bytes(selection, "geojson"))
    japanese = json.loads(export_bytes(selection, "geojson", "ja"))
    assert english["features"] == japanese["features"]  # the data itself never changes
    assert japanese["metadata"]["language"] == "ja"
    labels = japanese["metadata"]["labels"]["wind_zones"]
    assert labels["title"] == "洋上風力発電の区域"
    assert labels["fields"]["capacity_mw"] == "容量（MW）"
    assert labels["values"]["status"]["awarded"] == "事業者選定済み"
    assert english["metadata"]["labels"]["wind_zones"]["fields"]["capacity_mw"] == "Capacity (MW)"


def test_the_zip_readme_is_in_japanese(bundle: mapper.Bundle) -> None:
    import zipfile

    from mapper.export import export_bytes

    data = export_bytes(select(bundle, FilterState(layers=("jumpp",))), "zip", "ja")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        readme = next(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith("README.txt"))
    assert "インド太平洋クリーンエネルギー・マッパー：データのエクスポート" in readme
    assert "JUMPPの活動（jumpp）" in readme


def test_the_html_map_speaks_japanese_and_carries_the_runtime_words(bundle: mapper.Bundle) -> None:
    from mapper.webmap import MapAssets, map_payload, popup_html, standalone_html

    html = standalone_html(select(bundle), lang="ja")
    assert '<html lang="ja">' in html
    assert "インド太平洋のクリーンエネルギー・パートナーシップ" in html
    assets = MapAssets(bundle, "ja")
    payload = map_payload(select(bundle), assets, {n: n for n in assets.names()})
    assert payload["text"]["legend"] == "凡例"
    assert "洋上風力発電の区域" in payload["legend"]
    assert "ベトナム" in json.dumps(assets.document("countries"), ensure_ascii=False)
    wind = assets.document("wind_zones")
    assert [c[0] for c in wind["columns"]][1:3] == ["状況", "容量（MW）"]
    assert "出典" in [label for label, _ in wind["popup_fields"]]
    assert wind["title"] == "洋上風力発電の区域"
    popups = assets.popups("wind_zones")  # plain-text columns: the heading, then one per popup field
    english = MapAssets(bundle, "en").document("wind_zones")
    frame = bundle.layers["wind_zones"]
    akita = int(frame.index[frame["id"] == "wz-jpn-013"][0])
    assert english["labels"][akita] == "Akita Port offshore wind farm"  # the record's own name
    assert wind["labels"][akita] == "秋田港洋上風力発電所"  # its name_ja in Japanese
    assert popups[0][akita] == "秋田港洋上風力発電所 (Akita Port offshore wind farm)"  # the original kept
    status = [label for label, _ in wind["popup_fields"]].index("状況") + 1
    assert popups[status][akita] == "運転中"
    html = popup_html(frame.iloc[akita].to_dict(), bundle.catalogue["wind_zones"], translator("ja"))
    assert "<h4>秋田港洋上風力発電所 (Akita Port offshore wind farm)</h4>" in html


def test_search_matches_the_original_and_the_japanese_name(bundle: mapper.Bundle) -> None:
    by_japanese = select(bundle, FilterState(layers=("wind_zones",), search="秋田港")).frames["wind_zones"]
    by_original = select(bundle, FilterState(layers=("wind_zones",), search="Akita Port")).frames["wind_zones"]
    assert by_japanese["id"].tolist() == ["wz-jpn-013"]
    assert "wz-jpn-013" in by_original["id"].tolist()


def test_the_runtime_shows_no_text_of_its_own() -> None:
    """Every word the runtime shows comes from the payload (translated): no English literal
    is assigned to textContent or concatenated into HTML."""
    from mapper.assets import runtime_path

    source = runtime_path().read_text(encoding="utf-8")
    for english in ('"Legend', "No site", "could not be loaded", '"Play', "All years"):
        assert english not in source


def test_a_japanese_snapshot_pdf_holds_japanese_text(bundle: mapper.Bundle, tmp_path: Path) -> None:
    """The PDF embeds the Japanese font as TrueType (Type 42), so its text is extractable."""
    from pypdf import PdfReader

    from mapper.snapshot import snapshot

    out = tmp_path / "mekong.pdf"
    selection = select(bundle, FilterState(layers=("interconnectors", "jumpp"), as_of_year=2024))
    snapshot(selection, out, preset="a4-landscape", region="mekong", lang="ja")
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    compact = "".join(text.split())
    for label in (
        "インド太平洋のクリーンエネルギー・パートナーシップ",
        "メコン地域の国際連系線",
        "運転中",
        "ラオス",
        "2024年時点",
    ):
        assert label in compact, label
    assert "Indo-Pacific clean-energy partnerships" not in text


# --- the library's messages (notices, validation findings, errors) ---------------------------


def test_a_message_is_its_english_text_and_is_shown_in_japanese_where_shown() -> None:
    import pickle

    from mapper.i18n import Message, SpecText

    notice = Message("ignored unknown layer(s) {layers}", layers="nope")
    assert notice == "ignored unknown layer(s) nope"  # logs, tests and str() read English
    assert translator("ja").message(notice) == "不明なレイヤーを無視しました：nope"
    assert translator("en").message(notice) == "ignored unknown layer(s) nope"
    again = pickle.loads(pickle.dumps(notice))  # st.cache_data pickles
    assert isinstance(again, Message)
    assert translator("ja").message(again) == "不明なレイヤーを無視しました：nope"
    status = Message("ignored unknown {facet} value(s) {values}", facet=SpecText("Status", "status"), values="x")
    assert status == "ignored unknown status value(s) x"
    assert translator("ja").message(status) == "状況の不明な値を無視しました：x"  # the label from the layers domain
    moved = Message(
        "{file}: cannot tell which layer this file belongs to; name it like a layer's file ({names}) "
        "or pass --as-layer ID",
        file="/tmp/x/upload.csv",
        names="a.csv",
    )
    shown = moved.replace("/tmp/x/upload.csv", "sites.csv")  # a temporary path replaced by the file's name
    assert isinstance(shown, Message)
    assert shown.startswith("sites.csv: ")
    assert translator("ja").message(shown).startswith("sites.csv：どのレイヤーのファイルか判別できません")


def test_text_that_lost_its_message_is_recognised_and_anything_else_kept() -> None:
    """pandas ≥ 3 keeps only the text of a Message in a string column; the catalogue finds it again."""
    from mapper.countrynames import country_hint

    ja = translator("ja")
    assert ja.message(str(country_hint("Narnia"))).startswith("'Narnia' は既知の国名・国コードではありません")
    assert ja.message("checked a.csv: 3 record(s)") == "a.csv を検証：3件"
    for text in ("Nam Theun 2: 1070 MW", "hello {x}", "a: b", "", "is not a country name or code we know"):
        assert ja.message(text) == text  # data and unknown text are never rewritten


def test_validation_findings_and_errors_come_out_in_japanese(bundle: mapper.Bundle) -> None:
    from mapper._errors import DataValidationError, Problem, UnknownLayerError, UnknownValueError
    from mapper.i18n import Message

    ja = translator("ja")
    problem = Problem("a.csv", "year", Message("must be a whole number"), "ic-1", "20x4", row=0)
    assert str(problem) == "a.csv, feature ic-1, field 'year': must be a whole number (value: '20x4')"
    assert problem.text(ja) == "a.csv、地物 ic-1、項目「year」：整数で記入してください（値：'20x4'）"
    error = DataValidationError([problem])
    assert str(error).startswith("1 problem(s) found:")
    assert ja.message(error) == "問題が1件見つかりました：\n  - " + problem.text(ja)
    assert ja.message(UnknownLayerError("nope", ["jumpp"])).startswith("'nope' という名前のレイヤーはありません")
    assert ja.message(UnknownValueError("country", ["XX"], [])) == (
        "country の値 'XX' は不明です。有効な値：（選択したデータにはありません）"
    )
    from mapper.validate import ValidationReport

    frame = ValidationReport([problem]).to_frame(ja)
    assert frame["message"].tolist() == ["整数で記入してください"]
    assert frame["field"].tolist() == ["year"]
    assert frame["value"].tolist() == ["20x4"]


def test_a_file_the_checker_cannot_read_is_named_once_in_either_language(bundle: mapper.Bundle) -> None:
    from mapper.validate import validate_upload

    report = validate_upload("../sites.csv", b"\xff\xfea\x00b\x00", bundle.catalogue, "jumpp")
    [problem] = report.problems
    assert str(problem) == "sites.csv: is saved as UTF-16; save it as CSV UTF-8 (e.g. Excel: 'CSV UTF-8')"
    assert problem.text(translator("ja")) == (
        "sites.csv：UTF-16 で保存されています。CSV UTF-8 で保存し直してください（例：Excel の「CSV UTF-8」）"
    )


def _message_calls_without_a_literal() -> list[str]:
    """``Message(...)`` calls whose message id is not a string literal (extraction would miss them)."""
    offenders = []
    for path in sorted((ROOT / "src" / "mapper").glob("*.py")):
        if path.name == "i18n.py":
            continue  # the class itself rebuilds messages from their ids
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Message":
                first = node.args[0] if node.args else None
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:70]}")
    return offenders


def test_every_message_of_the_library_has_a_literal_message_id() -> None:
    """A computed id (an f-string, a variable) cannot be extracted, so it would stay English."""
    assert _message_calls_without_a_literal() == []


def _text(node: ast.AST) -> bool:
    """A string literal with words, an f-string, or a sum of them: text that cannot be translated."""
    if isinstance(node, ast.JoinedStr):  # with words of its own, not only values ("{key} = {value}")
        return any(_text(v) or (isinstance(v, ast.Constant) and any(c.isalpha() for c in v.value)) for v in node.values)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return " " in node.value.strip() and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.BinOp):
        return _text(node.left) or _text(node.right)
    return False


def _untranslatable_messages(paths: list[Path], errors: set[str], rows: set[str]) -> list[str]:
    """Errors raised with plain text in ``paths`` (as their message or in the list of problems
    a ``SpecError`` carries), and, in the modules named in ``rows``, row problems, spec
    problems and notes given as plain text (a ``(row, column, value, text)`` tuple, a problem
    or note appended, or a list of them built by a comprehension)."""
    offenders = {}
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            text = None
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                listed = [  # SpecError(path, [problem, ...]): the problems listed, or made in a comprehension
                    e
                    for a in node.exc.args[1:]
                    for e in (a.elts if isinstance(a, ast.List) else [a.elt] if isinstance(a, ast.ListComp) else [])
                ]
                if name in errors and node.exc.args and (_text(node.exc.args[0]) or any(map(_text, listed))):
                    text = node.exc
            elif path.name not in rows:
                continue
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append":
                for arg in node.args:
                    last = arg.elts[-1] if isinstance(arg, ast.Tuple) and arg.elts else arg
                    if _text(last):
                        text = node
            elif (
                isinstance(node, ast.Assign)
                and [ast.unparse(t) for t in node.targets] == ["problems"]
                and isinstance(node.value, ast.ListComp)
                and _text(node.value.elt)
            ):
                text = node.value  # problems = [f"... {x}" for x in ...]
            elif isinstance(node, ast.Tuple) and len(node.elts) in (3, 4) and _text(node.elts[-1]):
                text = node  # (position, value, text) / (position, column, value, text) of an upload row
            if text is not None:
                offenders.setdefault((str(path.relative_to(ROOT)), node.lineno), ast.unparse(text)[:80])
    return [f"{where}:{line}: {text}" for (where, line), text in sorted(offenders.items())]


def _mapper_errors() -> set[str]:
    """Names of the exceptions the mapper raises on purpose with a message as first argument
    (subclasses of MapperError that do not build their message themselves)."""
    import importlib
    import pkgutil

    from mapper._errors import MapperError

    for info in pkgutil.iter_modules(mapper.__path__):
        if info.name not in {"_store_postgis", "_serve"}:
            importlib.import_module(f"mapper.{info.name}")
    found, todo = set(), [MapperError]
    while todo:
        cls = todo.pop()
        own = cls.__mro__[: cls.__mro__.index(MapperError)]
        if not any("__init__" in c.__dict__ for c in own):  # UnknownLayerError(name, available) builds its own
            found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found


def test_every_error_and_upload_row_problem_of_the_library_is_a_translatable_message() -> None:
    """What reaches people (an error the mapper raises, an upload's rows set aside and its
    notes, the problems of a layer spec, schema or facet) is a ``Message``, so the app and
    ``mapper validate --lang ja`` show it in Japanese."""
    paths = sorted((ROOT / "src" / "mapper").glob("*.py"))
    rows = {"upload.py", "catalogue.py", "facets.py", "schema.py"}
    assert _untranslatable_messages(paths, _mapper_errors(), rows) == []


def test_the_problems_of_a_broken_spec_are_shown_in_japanese(tmp_path: Path) -> None:
    """``mapper validate --lang ja``: every problem of a broken schema is Japanese, while the
    file, the field names and the values stay as written."""
    from mapper._errors import SpecError
    from mapper.schema import load_schema

    path = tmp_path / "plants.toml"
    path.write_text(
        'id = "plants"\ntitle = "Plants"\n[fields.size]\ntype = "number"\nmin = "1"\npattern = "("\nq = 1\n'
        '[fields.kind]\ntype = "text"\n',
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as info:
        load_schema(path)
    english = info.value.text(translator("en")).splitlines()[1:]
    japanese = info.value.text(translator("ja")).splitlines()[1:]
    assert len(english) == len(japanese) == 4
    kana = re.compile(r"[\u3040-\u30ff]")
    assert [line for line in japanese if not kana.search(line)] == []
    for kept in ("fields.size.min", "'1'", "fields.size.pattern", "['q']", "fields.kind.type", "'text'"):
        assert kept in "\n".join(japanese)
    assert str(path) in info.value.text(translator("ja"))


def test_the_untranslatable_message_check_finds_plain_text(tmp_path: Path) -> None:
    """The check above can fail: two wrapped and five plain messages."""
    module = tmp_path / "m.py"
    module.write_text(
        "raise UploadError(Message('fine {x}', x=1))\n"
        "raise UploadError(f'{name}: is bad')\n"
        "problems.append((k, column, value, 'the name is empty'))\n"
        "notes.append(f'{n} empty line(s) skipped')\n"
        "raise SpecError(str(path), [Message('fine'), 'is not valid TOML'])\n"
        "problems = [f'facets.{fid} is declared twice' for fid in taken]\n"
        "raise SpecError(path, [Message('fine {x}', x=x) for x in taken])\n"
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = [o.split(":")[1] for o in _untranslatable_messages([module], {"UploadError", "SpecError"}, {"m.py"})]
    finally:
        ROOT = saved
    assert found == ["2", "3", "4", "5", "6"]


# --- the Japanese font embedded in the HTML map ------------------------------------------------


def _embedded_font(page: str):
    """The ``@font-face`` of the page's embedded font, read back with fontTools."""
    import base64

    from fontTools.ttLib import TTFont

    from mapper.fonts import WEB_FAMILY

    found = re.search(
        r'@font-face\{font-family:"([^"]+)";[^}]*url\(data:font/(woff2?);base64,([A-Za-z0-9+/=]+)\)', page
    )
    assert found, "no embedded @font-face"
    assert found.group(1) == WEB_FAMILY
    return found.group(2), TTFont(io.BytesIO(base64.b64decode(found.group(3))))


def test_the_japanese_html_map_embeds_a_subset_of_the_japanese_font_with_its_licence(bundle: mapper.Bundle) -> None:
    from fontTools.ttLib import TTFont

    from mapper.fonts import WEB_FAMILY, is_cjk, japanese_font_path
    from mapper.webmap import FONT_STACK, MapAssets, standalone_html

    page = standalone_html(select(bundle), lang="ja")
    flavor, font = _embedded_font(page)
    assert flavor == "woff2"
    cmap = {chr(c) for c in font.getBestCmap()}
    with TTFont(str(japanese_font_path()), lazy=True) as original:
        full = set(original.getBestCmap())
    # the page's text: its Japanese UI words, layer titles, popup labels and values, country names
    ja = translator("ja")
    assets = MapAssets(bundle, "ja")
    texts = [ja.gettext("Indo-Pacific clean-energy partnerships"), ja.gettext("Legend"), ja.gettext("Play")]
    for layer in bundle.catalogue.values():
        document = assets.document(layer.id)
        texts += [ja.data(layer.title), *document["labels"], *(label for label, _ in document["popup_fields"])]
        texts += [str(v) for column in assets.popups(layer.id) for v in column]
    texts += [ja.country(code) for code in bundle.countries["iso3"]]
    wanted = {c for text in texts for c in text if is_cjk(c)}
    assert len(wanted) > 200
    assert sorted(c for c in wanted if ord(c) in full and c not in cmap) == []  # no glyph missing
    assert sorted(c for c in wanted if ord(c) not in full) == []  # and the font has every one
    assert len(cmap) < 2 * len(wanted) + 50  # a subset, not the 6 MB font
    names = {r.nameID: r.toUnicode() for r in font["name"].names if r.platformID == 3}
    assert names[1] == WEB_FAMILY  # renamed: the licence forbids the original's name on a derivative
    assert "IPA" not in names[4] + names[6]
    assert "IPA Font License Agreement v1.0" in page  # the licence goes with the font
    assert "subset of IPAexGothic" in page
    assert f'"{WEB_FAMILY}"' in FONT_STACK
    assert re.search(r"@font-face\{[^}]*url\((?!data:)", page) is None  # inlined, nothing fetched


def test_an_html_map_without_japanese_text_embeds_no_font(bundle: mapper.Bundle) -> None:
    from mapper.fonts import is_cjk, page_characters
    from mapper.webmap import standalone_html

    selection = select(bundle, FilterState(layers=("interconnectors",), search="Nam Theun"))
    page = standalone_html(selection, lang="en")
    assert not any(is_cjk(c) for c in page_characters(page))  # English, and no Japanese in these records
    assert "@font-face" not in page
    assert "mapper-font-licence" not in page
