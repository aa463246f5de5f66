"""Each tool's declared coverage (`connectors/<tool>/coverage.py`) is what its connector really
provides, and it is what `GET /tools/ats` and an integration's `read_models` say.

After a FULL sync against the tool's emulator (or the sandbox), every field the declaration calls
SUPPORTED holds a value on at least one stored record, every other field on none; a model it does
not support has no records, and its connector streams exactly the models it declares.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select

from hirebridge.connectors.registry import TOOLS
from hirebridge.model.coverage import ATS_MODELS, CoverageStatus, model_fields
from hirebridge.model.records import RECORD_TYPES_BY_MODEL, served_name, wire_name
from hirebridge.store.db import read_tx
from hirebridge.store.tables import SYNCED_TABLES
from tests.conftest import Server
from tests.support import sdk_client
from tests.tool_worlds import config_for, synced


def _has_value(value: Any) -> bool:
    """Whether a stored field holds anything: not null, not empty, not an object of nulls."""
    if value is None or value == "" or value == [] or value == {}:
        return False
    if isinstance(value, dict):
        return any(_has_value(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_value(v) for v in value)
    return True


def _filled_fields(engine: Engine, model: str, integration_id: str) -> tuple[int, set[str]]:
    """(live records of `model`, the coverage fields at least one of them holds a value in)."""
    table = SYNCED_TABLES[model]
    # coverage field -> its key in the stored `data` or `links` (`tags` is stored as `tag_ids`)
    keys = {served_name(f): wire_name(f.name) for f in dataclasses.fields(RECORD_TYPES_BY_MODEL[model])}
    filled: set[str] = set()
    count = 0
    with read_tx(engine) as conn:
        query = select(table.c.data, table.c.links).where(
            table.c.integration_id == integration_id, table.c.remote_deleted_at.is_(None)
        )
        for row in conn.execute(query):
            count += 1
            stored = {**orjson.loads(row.data), **orjson.loads(row.links)}
            filled.update(name for name in model_fields(model) if _has_value(stored.get(keys[name])))
    return count, filled


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_declared_coverage_is_what_a_sync_stores(tool: str, engine: Engine, server: Server) -> None:
    coverage = TOOLS[tool].coverage
    problems: list[str] = []
    with synced(tool, engine, server) as world:
        for model in ATS_MODELS:
            declared = coverage.models[model]
            count, filled = _filled_fields(engine, model, world.integration_id)
            if declared.status != CoverageStatus.SUPPORTED:
                if count:
                    problems.append(f"{model}: declared {declared.status} but {count} records were synced")
                continue
            if not count:
                problems.append(f"{model}: declared SUPPORTED but no record was synced")
                continue
            for name, status in declared.fields.items():
                if status == CoverageStatus.SUPPORTED and name not in filled:
                    problems.append(f"{model}.{name}: declared SUPPORTED but null on all {count} records")
                if status != CoverageStatus.SUPPORTED and name in filled:
                    problems.append(f"{model}.{name}: declared {status} but a record holds a value")
    assert not problems, f"{tool}:\n" + "\n".join(problems)


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_each_connector_streams_the_models_it_declares(tool: str) -> None:
    connector = TOOLS[tool].factory(f"{tool}:coverage", config_for(tool, "http://127.0.0.1:9"))
    assert {stream.model for stream in connector.streams()} == set(TOOLS[tool].coverage.provided)


def test_tools_and_integrations_serve_the_declarations_through_the_sdk(engine: Engine, server: Server) -> None:
    with synced("sandbox", engine, server) as world, sdk_client(world) as sdk:
        served = {tool.id: tool for tool in sdk.general.get_tools(category="ats").data.tools}
        assert set(served) == set(TOOLS)
        for tool_id, tool in TOOLS.items():
            models = served[tool_id].coverage.read_models
            assert [m.id for m in models] == [model_id for model_id, _label in ATS_MODELS.values()]
            for model, entry in zip(ATS_MODELS, models, strict=True):
                declared = tool.coverage.models[model]
                assert entry.coverage_status == declared.status, (tool_id, model)
                assert {f.id: f.coverage_status for f in entry.fields} == dict(declared.fields), (tool_id, model)
        # The statuses are not all one value: Lever's jobs have supported and unsupported fields.
        lever_jobs = next(m for m in served["lever"].coverage.read_models if m.id == "ats_jobs")
        assert {f.coverage_status for f in lever_jobs.fields} == {"SUPPORTED", "UNSUPPORTED"}

        details = sdk.general.get_integration_details(integration_id=world.integration_id).data
        for model, entry in zip(ATS_MODELS, details.read_models, strict=True):
            declared = TOOLS["sandbox"].coverage.models[model]
            assert entry.coverage_status == declared.status and entry.is_available
            assert {f.id: f.coverage_status for f in entry.fields} == dict(declared.fields)
