"""What a tool provides, model by model and field by field: Kombo's coverage, as data.

Each connector declares its coverage next to its code (`connectors/<tool>/coverage.py`) with
`declare(...)`; the registry, `GET /tools/ats`, an integration's `read_models` and the listings'
`ignore_unsupported_filters` all read that one declaration. Pure data: no I/O.

A model's fields are the unified record's fields (`model/records.py`) as the API names them
(`served_name`: `job_id`, a candidate's `tags`), without `remote_id` (every record has one) and
`remote_data` (private by default).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from hirebridge.model.records import RECORD_TYPES_BY_MODEL, served_name

# Kombo's ATS read models: our model name -> (Kombo's model id, label), in the order Kombo lists them.
ATS_MODELS: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "applications": ("ats_applications", "Applications"),
        "candidates": ("ats_candidates", "Candidates"),
        "jobs": ("ats_jobs", "Jobs"),
        "application_stages": ("ats_application_stages", "Application stages"),
        "job_postings": ("ats_job_postings", "Job postings"),
        "screening_questions": ("ats_screening_questions", "Screening questions"),
        "users": ("ats_users", "Users"),
        "roles": ("ats_roles", "Roles"),
        "offers": ("ats_offers", "Offers"),
        "rejection_reasons": ("ats_rejection_reasons", "Rejection reasons"),
        "interviews": ("ats_interviews", "Interviews"),
        "tags": ("ats_tags", "Tags"),
        "notes": ("ats_notes", "Notes"),
        "scorecards": ("ats_scorecards", "Scorecards"),
        "attachments": ("ats_attachments", "Attachments"),
    }
)


class CoverageStatus(StrEnum):
    """Kombo's `coverage_status` of a model or field."""

    SUPPORTED = "SUPPORTED"  # the tool has it and HireBridge syncs it
    UNSUPPORTED = "UNSUPPORTED"  # the tool does not have it
    NOT_IMPLEMENTED = "NOT_IMPLEMENTED"  # the tool has it; HireBridge does not read it (yet)
    UNKNOWN = "UNKNOWN"  # not integrated, and whether the tool has it is not known


def model_fields(model: str) -> tuple[str, ...]:
    """The fields of `model` a coverage speaks of, in record order."""
    return tuple(
        served_name(f)
        for f in dataclasses.fields(RECORD_TYPES_BY_MODEL[model])
        if f.name not in ("remote_id", "remote_data")
    )


@dataclass(frozen=True, slots=True)
class ModelCoverage:
    status: CoverageStatus
    fields: Mapping[str, CoverageStatus]  # every field of the model, in record order


@dataclass(frozen=True, slots=True)
class Coverage:
    """One tool's coverage of every ATS model (in `ATS_MODELS` order) and each of its fields."""

    models: Mapping[str, ModelCoverage]

    @property
    def provided(self) -> tuple[str, ...]:
        """The models the tool's connector syncs."""
        return tuple(m for m, c in self.models.items() if c.status == CoverageStatus.SUPPORTED)

    def unsupported_fields(self, model: str) -> frozenset[str]:
        """Fields of `model` this tool cannot answer a filter on (every status but SUPPORTED)."""
        return frozenset(f for f, status in self.models[model].fields.items() if status != CoverageStatus.SUPPORTED)


@dataclass(frozen=True, slots=True)
class Provides:
    """A model a connector syncs: the fields it fills (`supported`; None: every field but `lacks`),
    and the fields the tool has that it does not read (`not_implemented`). Every other field is
    UNSUPPORTED."""

    supported: tuple[str, ...] | None
    not_implemented: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()


def provides(*supported: str, not_implemented: Iterable[str] = ()) -> Provides:
    return Provides(supported, tuple(not_implemented))


def every_field_but(*lacks: str) -> Provides:
    return Provides(None, lacks=lacks)


EVERY_FIELD: Final = Provides(None)


def declare(**models: Provides | CoverageStatus) -> Coverage:
    """A tool's coverage: `model=provides(...)` for each model its connector syncs; a model it does
    not sync is UNSUPPORTED (the tool lacks it) unless declared NOT_IMPLEMENTED or UNKNOWN. Every
    name is checked against the unified model, so a typo fails at import."""
    unknown = set(models) - set(ATS_MODELS)
    if unknown:
        raise ValueError(f"unknown models {sorted(unknown)}")
    declared: dict[str, ModelCoverage] = {}
    for model in ATS_MODELS:
        fields = model_fields(model)
        spec = models.get(model, CoverageStatus.UNSUPPORTED)
        if isinstance(spec, CoverageStatus):
            if spec == CoverageStatus.SUPPORTED:
                raise ValueError(f"{model}: a synced model is declared with provides(...)")
            declared[model] = ModelCoverage(spec, MappingProxyType(dict.fromkeys(fields, spec)))
            continue
        supported = set(fields) - set(spec.lacks) if spec.supported is None else set(spec.supported)
        not_implemented = set(spec.not_implemented)
        if bad := (supported | not_implemented | set(spec.lacks)) - set(fields):
            raise ValueError(f"{model}: unknown fields {sorted(bad)}")
        if both := supported & not_implemented:
            raise ValueError(f"{model}: fields both supported and not implemented: {sorted(both)}")
        statuses = {
            f: CoverageStatus.SUPPORTED
            if f in supported
            else CoverageStatus.NOT_IMPLEMENTED
            if f in not_implemented
            else CoverageStatus.UNSUPPORTED
            for f in fields
        }
        declared[model] = ModelCoverage(CoverageStatus.SUPPORTED, MappingProxyType(statuses))
    return Coverage(MappingProxyType(declared))
