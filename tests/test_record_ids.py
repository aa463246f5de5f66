"""Record ids: derived from (integration, model, remote id), stored and handed to clients, so the same
inputs must give the same id forever (a change of encoding would re-key every stored record)."""

from __future__ import annotations

import pytest

from hirebridge import ids

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket

# Ids as HireBridge has always derived them: the values are pinned, not recomputed here.
PINNED = [
    (("sandbox:3mJr7AoUXx2Wqd1pMgTh8Jbk", "applications", "app-1"), "Vx9CmozQABDF7gv68GB36kPv"),
    (("i", "jobs", "r-1"), "3h4pZx3YCLRrheT1Q9UKG3va"),
    (("lever:7C9M5sXAQx2cNMpVHLojrFpL", "candidates", "0f1e2d3c-4b5a-6978"), "AVHY6ZLDaoBdejTAqPCQEQqm"),
    (("ashby:x", "application_stages", "Łódź ✓"), "7s3PJqdvj8miHWjt9DNfSa2a"),
    (("i", "jobs", ""), "qfpKa9jCHgJ53eK7yd57SzzQ"),
]


@pytest.mark.parametrize(("key", "expected"), PINNED)
def test_record_ids_never_change(key: tuple[str, str, str], expected: str) -> None:
    assert ids.record_id(*key) == expected
    assert ids.is_well_formed(expected)


def test_record_ids_differ_by_integration_model_and_remote_id() -> None:
    base = ids.record_id("i", "jobs", "r-1")
    assert len({base, ids.record_id("j", "jobs", "r-1"), ids.record_id("i", "users", "r-1")}) == 3
    assert ids.record_id("i", "jobs", "r-2") != base
    assert ids.record_id("i", "jobs", "r-1") == base


def test_random_ids_are_well_formed_and_distinct() -> None:
    made = [ids.random_id() for _ in range(1000)]
    assert all(ids.is_well_formed(i) for i in made)
    assert len(set(made)) == len(made)
    tool, _, rest = ids.new_integration_id("lever").partition(":")
    assert tool == "lever" and ids.is_well_formed(rest)
    assert not ids.is_well_formed("0" * 24)  # 0 is not in the base58 alphabet
    assert not ids.is_well_formed("1" * 23)


def test_every_character_of_an_id_is_spread_over_the_alphabet() -> None:
    """No position of an id is predictable (the leading digits of a plain base58 number would be):
    over 5000 random ids each position shows every character (missing one by chance: ~1e-35)."""
    made = [ids.random_id() for _ in range(5000)]
    for position in range(ids.ID_LENGTH):
        assert {i[position] for i in made} == set(ids.BASE58_ALPHABET), position
