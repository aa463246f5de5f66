"""The tools HireBridge has connectors for, and what each one covers."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from hirebridge.connectors.ashby import AshbyConnector
from hirebridge.connectors.base import ConnectorFactory
from hirebridge.connectors.lever import LeverConnector
from hirebridge.connectors.sandbox import SandboxConnector

# Kombo's read-model ids and labels, in the order its coverage lists them.
ATS_MODELS: dict[str, tuple[str, str]] = {
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


@dataclass(frozen=True, slots=True)
class Tool:
    id: str
    label: str
    factory: ConnectorFactory
    models: tuple[str, ...]  # the unified models its connector provides
    supports_delta: bool
    connection_guide_url: str | None = None

    def icon_url(self) -> str:
        """A self-contained icon (HireBridge hosts no assets): the tool's initial on a square."""
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" '
            'rx="12" fill="#2d3a8c"/><text x="32" y="44" font-size="36" text-anchor="middle" fill="#fff" '
            f'font-family="sans-serif">{self.label[0]}</text></svg>'
        )
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


TOOLS: dict[str, Tool] = {
    t.id: t
    for t in (
        Tool(
            id=SandboxConnector.tool,
            label="HireBridge Sandbox",
            factory=SandboxConnector,
            models=tuple(ATS_MODELS),
            supports_delta=False,
            connection_guide_url=None,
        ),
        Tool(
            id="ashby",
            label="Ashby",
            factory=AshbyConnector,
            models=tuple(m for m in ATS_MODELS if m not in ("screening_questions", "roles", "scorecards")),
            supports_delta=True,
            connection_guide_url="https://developers.ashbyhq.com/docs/authentication",
        ),
        Tool(
            id=LeverConnector.tool,
            label="Lever",
            factory=LeverConnector,
            models=tuple(m for m in ATS_MODELS if m not in ("job_postings", "screening_questions", "roles")),
            supports_delta=True,
            connection_guide_url="https://hire.lever.co/developer/documentation#authentication",
        ),
    )
}
CONNECTORS: dict[str, ConnectorFactory] = {tool_id: tool.factory for tool_id, tool in TOOLS.items()}


def connector_factory(tool: str) -> ConnectorFactory:
    try:
        return CONNECTORS[tool]
    except KeyError:
        raise ValueError(f"unknown tool '{tool}'; known tools: {', '.join(sorted(CONNECTORS))}") from None
