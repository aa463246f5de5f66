"""E-mail addresses as Kombo serves them: the domain lower-cased, an address its pattern refuses null."""

from __future__ import annotations

import pytest

from hirebridge.model.records import KOMBO_EMAIL, EmailAddress, User, kombo_email

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    ("given", "served"),
    [
        ("Kai.Oduya@Example.COM", "Kai.Oduya@example.com"),  # the local part may be case-sensitive: kept
        ("  ada@mail.example ", "ada@mail.example"),
        ("o'brien+jobs@sub.Domain.IO", "o'brien+jobs@sub.domain.io"),
        ("not an address", None),
        ("two@@example.com", None),
        ("dots..twice@example.com", None),
        ("", None),
        (None, None),
    ],
)
def test_an_address_is_served_within_kombos_pattern(given: str | None, served: str | None) -> None:
    assert kombo_email(given) == served
    assert served is None or KOMBO_EMAIL.match(served)


def test_records_carry_the_served_form() -> None:
    assert EmailAddress("Ada@EXAMPLE.org", "WORK").email_address == "Ada@example.org"
    assert User(remote_id="u1", email="Grace@Navy.MIL").email == "Grace@navy.mil"
    assert User(remote_id="u2", email="grace at navy").email is None
