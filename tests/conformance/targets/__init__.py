"""Every connector held to the conformance kit."""

from __future__ import annotations

from typing import Any

from tests.conformance.kit import Target
from tests.conformance.targets.ashby import ASHBY
from tests.conformance.targets.greenhouse import GREENHOUSE
from tests.conformance.targets.lever import LEVER
from tests.conformance.targets.personio import PERSONIO
from tests.conformance.targets.recruitee import RECRUITEE
from tests.conformance.targets.smartrecruiters import SMARTRECRUITERS
from tests.conformance.targets.teamtailor import TEAMTAILOR
from tests.conformance.targets.workable import WORKABLE

TARGETS: tuple[Target[Any], ...] = (
    LEVER,
    ASHBY,
    GREENHOUSE,
    WORKABLE,
    TEAMTAILOR,
    SMARTRECRUITERS,
    RECRUITEE,
    PERSONIO,
)
