"""Freshness of the data: records verified recently, statuses and targets whose date has not
passed (``mapper.validate.check_freshness`` / ``freshness_report``, ``mapper validate``).

One test per rule on fixture records, each listing every offender; then the bundled data's
report, which must be empty or every entry explained in geodata/README.md.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

import mapper
from mapper.cli import main
from mapper.validate import check_freshness, freshness_report

TODAY = dt.date(2026, 12, 3)
# The date of the bundled data's last verification pass: the bundled report is taken as of then.
DATA_VERIFIED_ON = dt.date(2026, 12, 4)


def _ids(problems: list[mapper.Problem], field: str) -> list[str]:
    return sorted(str(p.feature) for p in problems if p.field == field)


def test_rule_not_verified_within_max_age_lists_every_offender(catalogue: mapper.Catalogue) -> None:
    schema = catalogue["wind_zones"].schema
    frame = pd.DataFrame(
        {
            "id": ["fresh", "edge", "old", "missing", "partial", "future"],
            "status": "designated",
            "verified_on": ["2026-11-22", "2025-12-03", "2025-12-02", None, "2026-11", "2027-01-01"],
        }
    )
    problems = check_freshness(frame, schema, file="zones.geojson", today=TODAY, max_age_days=365)
    assert _ids(problems, "verified_on") == ["future", "missing", "old", "partial"]
    assert all(p.severity == "warning" and p.file == "zones.geojson" for p in problems)
    old = next(p for p in problems if p.feature == "old")
    assert old.value == "2025-12-02"
    assert "366 days" in old.message
    assert "read the source again" in old.message
    # the age limit is configurable
    assert _ids(check_freshness(frame, schema, file="z", today=TODAY, max_age_days=7), "verified_on") == [
        "edge",
        "fresh",
        "future",
        "missing",
        "old",
        "partial",
    ]


def test_rule_status_past_its_date_lists_every_offender(catalogue: mapper.Catalogue) -> None:
    activities = pd.DataFrame(
        {
            "id": ["ongoing-ended", "planned-ended", "announced-ended", "ongoing-current", "completed-ended", "no-end"],
            "status": ["ongoing", "planned", "announced", "ongoing", "completed", "ongoing"],
            "year_end": [2025, 2024, 2021, 2026, 2023, None],
            "verified_on": "2026-12-01",
        }
    )
    problems = check_freshness(activities, catalogue["jumpp"].schema, file="a", today=TODAY)
    assert _ids(problems, "year_end") == ["announced-ended", "ongoing-ended", "planned-ended"]
    message = next(p for p in problems if p.feature == "ongoing-ended").message
    assert "planned end" in message
    assert "'ongoing'" in message
    assert "with a source" in message

    lines = pd.DataFrame(
        {
            "id": ["uc-late", "planned-late", "proposed-late", "operating-old", "planned-future"],
            "status": ["under_construction", "planned", "proposed", "operating", "planned"],
            "year": [2025, 2020, 2019, 2009, 2028],
            "verified_on": "2026-12-01",
        }
    )
    problems = check_freshness(lines, catalogue["interconnectors"].schema, file="l", today=TODAY)
    assert _ids(problems, "year") == ["planned-late", "proposed-late", "uc-late"]

    countries = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC", "DDD"],
            "ndc_target_year": [2030, 2030, 2025, None],
            "offshore_wind_target_year": [2025, 2030, None, 2020],
            "verified_on": "2026-12-01",
        }
    )
    problems = check_freshness(countries, catalogue.countries.schema, file="c.csv", today=TODAY, id_field="iso3")
    assert _ids(problems, "offshore_wind_target_year") == ["AAA", "DDD"]
    assert _ids(problems, "ndc_target_year") == ["CCC"]


def test_bundled_data_freshness_report_is_empty_or_explained(
    bundle: mapper.Bundle, catalogue: mapper.Catalogue
) -> None:
    """Each finding must be named (file, record id, field) in geodata/README.md's
    "Freshness report" section; an empty report needs no explanation."""
    report = freshness_report(bundle, today=DATA_VERIFIED_ON)
    readme = (catalogue.root / "geodata" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Freshness report", 1)[1] if "## Freshness report" in readme else ""
    section = re.split(r"\n## ", section, maxsplit=1)[0]
    unexplained = [
        str(p)
        for p in report.problems
        if not re.search(rf"`{re.escape(str(p.feature))}`[^\n]*`{re.escape(p.field)}`", section)
    ]
    assert not unexplained, "freshness findings not explained in geodata/README.md:\n" + "\n".join(unexplained)
    assert set(report.checked) >= {"geodata/wind_zones.geojson", "geodata/country_attributes.csv"}


@pytest.mark.usefixtures("bundled_home")
def test_cli_validate_prints_the_freshness_report(capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate", "--today", "2026-12-03"])
    out = capsys.readouterr().out
    assert "freshness as of 2026-12-03: records not verified within 365 days" in out
    # ten years on, every record is overdue and --fail-stale fails
    assert main(["validate", "--today", "2036-12-03", "--fail-stale"]) == 1
    out = capsys.readouterr().out
    stale = [line for line in out.splitlines() if line.startswith("STALE:") and "'verified_on'" in line]
    assert len(stale) == sum(len(frame) for frame in mapper.load_bundle().layers.values()) + int(
        mapper.load_bundle().countries["has_attributes"].sum()
    )


def test_cli_validate_rejects_a_bad_reference_date(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["validate", "--today", "3 December"])
    assert "not a date; write YYYY-MM-DD" in capsys.readouterr().err


@pytest.fixture
def bundled_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAPPER_HOME", raising=False)
