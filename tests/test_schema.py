"""Field types, Schema.check and schema TOML loading."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mapper import Problem, SpecError
from mapper.i18n import translator
from mapper.schema import FieldSpec, Schema, is_iso3, load_schema, load_schemas, split_list


def bad(spec: FieldSpec, value: object) -> str:
    """The message for a value the spec must reject (fails the test if it is accepted)."""
    message = spec.check(value)
    assert message, f"{spec.type} field accepted {value!r}"
    assert isinstance(message, str)
    return message


# --- field types ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["LAO", "THA", "JPN", "XKX"])
def test_iso3_accepts_real_upper_case_codes(value: str) -> None:
    assert FieldSpec("country", "iso3").check(value) is None
    assert is_iso3(value)


@pytest.mark.parametrize("value", ["lao", "Lao", "XXX", "LA", "LAOS", "", 123, None])
def test_iso3_rejects_lower_case_unknown_and_wrong_length(value: object) -> None:
    message = bad(FieldSpec("country", "iso3"), value)
    assert "ISO 3166-1 alpha-3" in message
    assert not is_iso3(value)


def test_iso3_list_accepts_semicolon_separated_codes_and_names_the_bad_one() -> None:
    spec = FieldSpec("countries", "iso3_list")
    assert spec.check("KHM;LAO; THA ;VNM") is None
    assert "'lao'" in bad(spec, "KHM;lao")
    assert bad(spec, "KHM,LAO")  # comma is not the separator
    assert bad(spec, " ; ")


@pytest.mark.parametrize("value", ["http://example.org", "https://example.org/a?b=c#d", " https://x.org/p "])
def test_url_accepts_http_and_https(value: str) -> None:
    assert FieldSpec("source_url", "url").check(value) is None


@pytest.mark.parametrize(
    "value", ["ftp://example.org/file", "example.org", "www.example.org", "https://exa mple.org", "mailto:a@b.c", 42]
)
def test_url_rejects_other_schemes_and_non_urls(value: object) -> None:
    assert "http(s) URL" in bad(FieldSpec("source_url", "url"), value)


def test_url_list_names_the_first_bad_item() -> None:
    spec = FieldSpec("other_sources", "url_list")
    assert spec.check("https://a.org ; http://b.org/x") is None
    assert "'ftp://c.org'" in bad(spec, "https://a.org ; ftp://c.org")


@pytest.mark.parametrize("value", ["2021", "2021-05", "2021-05-26", "2024-02-29"])
def test_date_accepts_year_month_and_day_precision(value: str) -> None:
    assert FieldSpec("source_date", "date").check(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-13-01", "not a real calendar date"),
        ("2021-02-30", "not a real calendar date"),
        ("2023-02-29", "not a real calendar date"),
        ("2021-00", "not a real calendar date"),
        ("21-05-26", "YYYY-MM-DD"),
        ("2021/05/26", "YYYY-MM-DD"),
        ("26 May 2021", "YYYY-MM-DD"),
        ("2021-5-6", "YYYY-MM-DD"),
    ],
)
def test_date_rejects_impossible_and_badly_written_dates(value: str, expected: str) -> None:
    assert expected in bad(FieldSpec("source_date", "date"), value)


@pytest.mark.parametrize("value", [2021, "2021", 2021.0, "2021.0", "-3"])
def test_integer_accepts_whole_numbers(value: object) -> None:
    assert FieldSpec("year", "integer").check(value) is None


@pytest.mark.parametrize("value", [2021.5, "2021.5", "abc", "", True])
def test_integer_rejects_fractions_text_and_booleans(value: object) -> None:
    assert "whole number" in bad(FieldSpec("year", "integer"), value)


def test_number_accepts_decimals_and_rejects_text() -> None:
    spec = FieldSpec("capacity_mw", "number")
    assert spec.check("12.5") is None
    assert spec.check(3) is None
    assert "number" in bad(spec, "12 MW")
    assert "number" in bad(spec, False)


@pytest.mark.parametrize("value", ["nan", "NaN"])
def test_number_rejects_nan_text(value: str) -> None:
    bad(FieldSpec("capacity_mw", "number", min=0, max=20000), value)


@pytest.mark.parametrize("value", [True, False, "true", "False", "yes", "no", "1", "0"])
def test_boolean_accepts_common_spellings(value: object) -> None:
    assert FieldSpec("member_quad", "boolean").check(value) is None


@pytest.mark.parametrize("value", ["maybe", "2", "y"])
def test_boolean_rejects_other_text(value: str) -> None:
    assert "true or false" in bad(FieldSpec("member_quad", "boolean"), value)


def test_string_rejects_blank_and_non_text() -> None:
    spec = FieldSpec("name", "string")
    assert spec.check("Nam Theun 2") is None
    assert "blank" in bad(spec, "   ")
    assert "text" in bad(spec, 12)


def test_allowed_values_list_the_choices() -> None:
    spec = FieldSpec("status", "string", allowed=("operating", "planned"))
    assert spec.check("planned") is None
    message = bad(spec, "Operating")
    assert "operating" in message
    assert "planned" in message


@pytest.mark.parametrize(
    ("value", "expected"), [(2018, "at least 2019"), ("2036", "at most 2035"), (-1, "at least 2019")]
)
def test_min_and_max_bound_numbers(value: object, expected: str) -> None:
    spec = FieldSpec("year", "integer", min=2019, max=2035)
    assert expected in bad(spec, value)
    assert spec.check(2019) is None
    assert spec.check("2035") is None


def test_pattern_must_match_whole_value() -> None:
    spec = FieldSpec("id", "string", pattern="^[a-z0-9][a-z0-9-]*$")
    assert spec.check("jumpp-001") is None
    assert "pattern" in bad(spec, "JUMPP-001")
    assert "pattern" in bad(spec, "jumpp 001")


def test_split_list_strips_and_drops_empty_items() -> None:
    assert split_list(" a ; b;;c ") == ["a", "b", "c"]
    assert split_list(None) == []
    assert split_list(float("nan")) == []
    assert split_list(["x ", " ", "y"]) == ["x", "y"]


# --- Schema.check --------------------------------------------------------------------


@pytest.fixture
def small_schema() -> Schema:
    fields = [
        FieldSpec("id", "string", required=True, unique=True),
        FieldSpec("country", "iso3", required=True),
        FieldSpec("year", "integer", required=True, min=2019, max=2035),
        FieldSpec("status", "string", required=True, allowed=("planned", "ongoing")),
        FieldSpec("source_url", "url", required=True),
        FieldSpec("source_date", "date"),
        FieldSpec("note", "string"),
    ]
    return Schema(id="small", title="Small", fields={f.name: f for f in fields})


def good_rows() -> list[dict[str, object]]:
    return [
        {
            "id": "a-1",
            "country": "LAO",
            "year": 2020,
            "status": "planned",
            "source_url": "https://x.org",
            "source_date": "2020-01",
        },
        {
            "id": "a-2",
            "country": "THA",
            "year": "2021",
            "status": "ongoing",
            "source_url": "http://y.org",
            "source_date": None,
        },
    ]


def by_field(problems: list[Problem]) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {}
    for p in problems:
        out.setdefault(p.field, []).append(p)
    return out


def test_check_passes_a_clean_frame(small_schema: Schema) -> None:
    assert small_schema.check(pd.DataFrame(good_rows()), file="ok.csv") == []


def test_check_collects_every_problem_at_once(small_schema: Schema) -> None:
    rows = good_rows()
    rows[0].update(country="lao", year=2021.5, source_date="2021-13-01")
    rows[1].update(status="done", source_url="ftp://y.org", year=2040)
    problems = small_schema.check(pd.DataFrame(rows), file="acts.csv")
    found = {(p.feature, p.field) for p in problems}
    assert found == {
        ("a-1", "country"),
        ("a-1", "year"),
        ("a-1", "source_date"),
        ("a-2", "status"),
        ("a-2", "source_url"),
        ("a-2", "year"),
    }
    assert all(p.file == "acts.csv" and p.severity == "error" for p in problems)
    values = {(p.feature, p.field): p.value for p in problems}
    assert values[("a-1", "country")] == "lao"
    assert values[("a-2", "status")] == "done"


def test_check_reports_unique_duplicates(small_schema: Schema) -> None:
    rows = [*good_rows(), {**good_rows()[0]}]
    problems = small_schema.check(pd.DataFrame(rows), file="dup.csv")
    assert len(problems) == 1
    (p,) = problems
    assert p.field == "id"
    assert p.value == "a-1"
    assert "unique" in p.message
    assert "a-1" in str(p)


def test_check_reports_missing_required_column_by_field(small_schema: Schema) -> None:
    frame = pd.DataFrame(good_rows()).drop(columns=["status", "source_date"])
    problems = small_schema.check(frame, file="cols.csv")
    assert [(p.field, p.severity) for p in problems] == [("status", "error")]
    assert "missing" in problems[0].message
    assert "cols.csv" in str(problems[0])


@pytest.mark.parametrize("empty", [None, "", "   ", float("nan"), pd.NA])
def test_check_reports_empty_required_cell_with_record_id_and_field(small_schema: Schema, empty: object) -> None:
    rows = good_rows()
    rows[1]["country"] = empty
    problems = small_schema.check(pd.DataFrame(rows), file="acts.csv")
    assert [(p.feature, p.field) for p in problems] == [("a-2", "country")]
    text = str(problems[0])
    assert "a-2" in text
    assert "'country'" in text
    assert "required" in text


def test_check_uses_row_number_when_id_is_missing(small_schema: Schema) -> None:
    rows = good_rows()
    rows[1]["id"] = None
    rows[1]["country"] = "XXX"
    problems = small_schema.check(pd.DataFrame(rows), file="acts.csv")
    features = {(p.feature, p.field) for p in problems}
    assert ("#2", "country") in features
    assert ("#2", "id") in features


def test_optional_empty_cells_are_fine(small_schema: Schema) -> None:
    rows = good_rows()
    rows[0]["source_date"] = ""
    rows[0]["note"] = None
    assert small_schema.check(pd.DataFrame(rows), file="x.csv") == []


def test_unknown_column_is_a_warning_not_an_error(small_schema: Schema) -> None:
    frame = pd.DataFrame(good_rows()).assign(colour="red")
    problems = small_schema.check(frame, file="x.csv")
    assert [(p.field, p.severity) for p in problems] == [("colour", "warning")]


def test_coerce_gives_natural_dtypes(small_schema: Schema) -> None:
    frame = small_schema.coerce(pd.DataFrame(good_rows()))
    assert str(frame["year"].dtype) == "Int64"
    assert frame["year"].tolist() == [2020, 2021]
    assert str(frame["country"].dtype) == "string"
    assert "note" in frame.columns  # absent optional fields are added, empty
    assert frame["note"].isna().all()


# --- loading schema TOML -------------------------------------------------------------


def test_bundled_schemas_load(catalogue) -> None:
    schemas = load_schemas(Path(catalogue.root) / "layers" / "schemas")
    assert set(schemas) == {"activity", "country", "interconnector", "wind_zone"}
    activity = schemas["activity"]
    assert activity.fields["country"].type == "iso3"
    assert activity.geometry_types == ("Point",)
    assert activity.geometry_optional_when == ("location_precision", "country")
    assert activity.geometry_may_be_empty({"location_precision": "country"})
    assert not activity.geometry_may_be_empty({"location_precision": "site"})


def test_broken_schema_names_the_file_and_every_bad_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(
        """
id = "broken"
title = "Broken"
geometry_types = ["Point", "Circle"]
[fields.id]
type = "string"
required = true
[fields.year]
type = "int"
[fields.status]
type = "string"
allowed = "planned"
[fields.name]
type = "string"
colour = "red"
""",
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as info:
        load_schema(path)
    err = info.value
    message = str(err)
    assert str(path) in message
    assert err.path == str(path)
    assert "fields.year.type" in message
    assert "'int'" in message
    assert "fields.status.allowed" in message
    assert "fields.name has unknown keys ['colour']" in message
    assert "geometry_types" in message
    assert len(err.problems) >= 4
    assert "fields.name に不明なキー ['colour'] があります" in err.text(translator("ja"))


def test_schema_with_geometry_must_declare_provenance_and_precision(tmp_path: Path) -> None:
    path = tmp_path / "geo.toml"
    text = 'id = "g"\ntitle = "G"\ngeometry_types = ["Point"]\n[fields.id]\ntype = "string"\n'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_schema(path)
    message = str(info.value)
    assert "source_url" in message
    assert "source_publisher" in message
    assert "source_date" in message
    assert "precision_field" in message


def test_schema_that_is_not_toml_raises_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("id = \n[fields", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid TOML") as info:
        load_schema(path)
    assert str(path) in str(info.value)


def test_schema_without_fields_or_title_lists_both(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text('id = "empty"\n', encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_schema(path)
    message = str(info.value)
    assert "'title'" in message
    assert "'fields'" in message


def test_schema_with_text_min_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "minmax.toml"
    path.write_text('id = "m"\ntitle = "M"\n[fields.year]\ntype = "integer"\nmin = "2019"\n', encoding="utf-8")
    with pytest.raises(SpecError, match=r"fields\.year"):
        load_schema(path)


def test_unknown_keys_are_named_with_the_allowed_ones_or_nothing_is_said() -> None:
    """The one message for a spec table with keys it does not know (fields, facet blocks,
    [style]): every unknown key and every allowed one, sorted; None when all are known."""
    from mapper._errors import unknown_keys

    assert unknown_keys("[style]", {"color_by": 1, "radius": 2}, ["color_by", "radius", "width"]) is None
    problem = unknown_keys("[style]", ["colour", "color_by", "size"], {"color_by", "radius"})
    assert str(problem) == "[style] has unknown keys ['colour', 'size']; allowed: ['color_by', 'radius']"
    assert translator("ja").message(problem).startswith("[style] に不明なキー ['colour', 'size'] があります")
