"""How the sync renders field values for the wire (the JSON the API serves): datetimes as Kombo's
`YYYY-MM-DDTHH:MM:SS.sssZ`, value objects as dicts with their ids, nested values recursively."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from hirebridge import ids
from hirebridge.model.records import DisplayType, QuestionFormat, QuestionOption
from hirebridge.sync.normalize import to_wire_value
from hirebridge.timefmt import to_wire

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket


def test_datetimes_render_in_utc_with_milliseconds() -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    assert to_wire_value(datetime(2024, 6, 15, 12, 30, 45, 999_999, tzinfo=india), "i") == "2024-06-15T07:00:45.999Z"
    assert to_wire_value(datetime(2024, 1, 1, 23, 59, 59, 1000, tzinfo=timezone(-timedelta(hours=8))), "i") == (
        "2024-01-02T07:59:59.001Z"
    )
    berlin = ZoneInfo("Europe/Berlin")
    assert to_wire_value(datetime(2024, 7, 1, 2, 0, tzinfo=berlin), "i") == "2024-07-01T00:00:00.000Z"
    assert to_wire_value(datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), "i") == "9999-12-31T23:59:59.999Z"
    naive = datetime(2024, 1, 2, 3, 4, 5, 678_901)  # read as UTC
    assert to_wire_value(naive, "i") == "2024-01-02T03:04:05.678Z"


def test_wire_datetimes_always_have_a_four_digit_year() -> None:
    """RFC 3339 (and Kombo's `YYYY-MM-DDTHH:mm:ss.sssZ`) has four year digits, also before year 1000."""
    assert to_wire(datetime(1, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)) == "0001-01-02T03:04:05.006Z"
    assert to_wire(datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC)) == "0999-12-31T23:59:59.000Z"
    assert (
        to_wire_value(datetime(1, 1, 1, 5, 0, tzinfo=timezone(timedelta(hours=5))), "i") == "0001-01-01T00:00:00.000Z"
    )


def test_synced_datetimes_render_like_the_api_renders_its_own() -> None:
    """Stored documents (rendered at sync) and live renders (timefmt) must agree, or a record's JSON
    would depend on which path served it."""
    zones = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8)), ZoneInfo("Europe/Berlin")]
    for year in (1, 999, 1000, 1970, 2024, 9999):
        for zone in zones:
            for micro in (0, 999, 1000, 999_999):
                value = datetime(year, 6, 15, 12, 30, 45, micro, tzinfo=zone)
                assert to_wire_value(value, "i") == to_wire(value)


def test_value_objects_render_their_keys_ids_and_nested_values() -> None:
    option = QuestionOption(remote_id="o-1", name="Yes")
    fmt = QuestionFormat(type="SINGLE_SELECT", display_type=DisplayType.DROPDOWN, options=(option,), max_length=5)
    assert to_wire_value(fmt, "i") == {
        "type": "SINGLE_SELECT",
        "display_type": "DROPDOWN",
        "options": [{"id": ids.record_id("i", "screening_question_options", "o-1"), "remote_id": "o-1", "name": "Yes"}],
    }
    assert to_wire_value(QuestionFormat(type="TEXT", max_length=5), "i") == {
        "type": "TEXT",
        "display_type": None,
        "max_length": 5,
    }
    nested = {"a": (1, "x", None, {"when": datetime(2024, 1, 1, tzinfo=UTC)})}
    assert to_wire_value(nested, "i") == {"a": [1, "x", None, {"when": "2024-01-01T00:00:00.000Z"}]}
