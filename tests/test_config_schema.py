"""Each tool's declared configuration schema: what `parse` accepts and refuses (naming the field, never
echoing a secret), what `crypto` seals (exactly the schemas' secret fields), and the registry reading
label, schema, coverage and links from the connector class."""

from __future__ import annotations

import json

import pytest

from hirebridge import crypto
from hirebridge.connectors.ashby import AshbyConnector
from hirebridge.connectors.framework.config import ConfigField, ConfigSchema
from hirebridge.connectors.framework.errors import ConfigError
from hirebridge.connectors.greenhouse import GreenhouseConnector
from hirebridge.connectors.lever import LeverConnector
from hirebridge.connectors.lever import connector as lever_connector
from hirebridge.connectors.registry import CONNECTOR_CLASSES, TOOLS
from hirebridge.connectors.sandbox import SandboxConnector

pytestmark = pytest.mark.fast


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_crypto_seals_exactly_the_secret_fields_of_the_schemas(tool: str) -> None:
    """A secret field crypto does not know would be stored in the clear; a plain field it knows would
    be sealed (and hidden from `integrations list`)."""
    schema = TOOLS[tool].config
    assert {f.name for f in schema.fields if f.secret} <= crypto.SECRET_FIELDS
    assert not {f.name for f in schema.fields if not f.secret} & crypto.SECRET_FIELDS
    plain, secret = crypto.split_secrets({name: "x" for name in schema.names})
    assert set(secret) == schema.secrets and set(plain) == set(schema.names) - schema.secrets


def test_the_registry_reads_the_connector_classes() -> None:
    assert (
        list(TOOLS)
        == [cls.tool for cls in CONNECTOR_CLASSES]
        == [
            "sandbox",
            "ashby",
            "greenhouse",
            "lever",
            "workable",
            "teamtailor",
            "smartrecruiters",
            "personio",
            "recruitee",
        ]
    )
    for cls in (SandboxConnector, AshbyConnector, GreenhouseConnector, LeverConnector):
        tool = TOOLS[cls.tool]
        assert (tool.label, tool.config, tool.coverage) == (cls.label, cls.config, cls.coverage)
        assert (tool.supports_delta, tool.connection_guide_url) == (cls.supports_delta, cls.connection_guide_url)
        assert tool.factory is cls
    assert TOOLS["lever"].label == "Lever" and TOOLS["sandbox"].supports_delta is False


def test_parse_fills_defaults_and_reads_numbers_given_as_text() -> None:
    settings = LeverConnector.config.parse({"api_key": " k-123 ", "burst": "40", "timeout": 2}, tool="lever")
    assert settings["api_key"] == "k-123" and settings["burst"] == 40 and settings["timeout"] == 2.0
    assert settings["base_url"] == "https://api.lever.co/v1" and settings["requests_per_second"] == 10
    assert settings["child_refresh_parts"] == lever_connector.REFRESH_PARTS == 6
    assert AshbyConnector.config.parse({"api_key": "k", "page_size": 25}, tool="ashby")["page_size"] == 25
    assert SandboxConnector.config.parse({"applications": "80"}, tool="sandbox") == {"applications": 80, "step": 0}


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({}, "a lever integration needs API key (api_key)"),
        ({"api_key": "  "}, "a lever integration needs API key (api_key)"),
        ({"api_key": "k", "base_url": "ftp://x"}, "API base URL (base_url) must be an http(s) URL, got 'ftp://x'"),
        ({"api_key": "k", "requests_per_second": 0}, "Requests per second (requests_per_second) must be at least 0.01"),
        ({"api_key": "k", "burst": 2.5}, "Burst (burst) must be an integer, got 2.5"),
        ({"api_key": "k", "timeout": True}, "Timeout (s) (timeout) must be a number, got True"),
        ({"api_key": "k", "retry_attempts": "many"}, "Attempts (retry_attempts) must be an integer, got 'many'"),
    ],
)
def test_parse_refuses_naming_the_field(config: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError) as refused:
        LeverConnector.config.parse(config, tool="lever")
    assert str(refused.value).startswith(problem)


def test_a_bad_secret_is_refused_without_its_value() -> None:
    with pytest.raises(ConfigError) as refused:
        LeverConnector.config.parse({"api_key": ["lv-secret-value"]}, tool="lever")
    assert "API key (api_key) must be a string" in str(refused.value) and "lv-secret-value" not in str(refused.value)


def test_bounds_and_unknown_keys() -> None:
    with pytest.raises(ConfigError, match=r"Page size \(page_size\) must be at most 100, got 101"):
        AshbyConnector.config.parse({"api_key": "k", "page_size": 101}, tool="ashby")
    assert LeverConnector.config.unknown({"api_key": "k", "apikey": "x", "base_url": "http://x"}) == ["apikey"]


def test_a_schema_describes_its_fields_without_values() -> None:
    described = LeverConnector.config.describe()
    json.dumps(described)  # for /tools and a connect page
    key = next(f for f in described if f["name"] == "api_key")
    assert key["secret"] and key["required"] and key["label"] == "API key" and key["vendor_url"]
    assert "default" not in key
    assert next(f for f in described if f["name"] == "burst")["default"] == 20


def test_a_schema_names_each_field_once() -> None:
    with pytest.raises(ValueError, match="once"):
        ConfigSchema([ConfigField("a"), ConfigField("a", "int")])
    changed = LeverConnector.config.replace("burst", default=5)
    assert changed["burst"].default == 5 and LeverConnector.config["burst"].default == 20


def test_validate_returns_the_given_values_as_their_types_and_nothing_else() -> None:
    """What the CLI stores: typed values of the fields given, no defaults filled in (a later version's
    defaults still apply), a blank value left out (back to the default)."""
    given = {"api_key": " k ", "burst": "40", "timeout": "2.5", "base_url": "http://127.0.0.1:9/v1/"}
    given["retry_attempts"] = ""
    assert LeverConnector.config.validate(given, tool="lever") == {
        "api_key": "k",
        "burst": 40,
        "timeout": 2.5,
        "base_url": "http://127.0.0.1:9/v1",
    }
    assert SandboxConnector.config.validate({"applications": "80"}, tool="sandbox") == {"applications": 80}


def test_validate_refuses_an_unknown_field_suggesting_the_closest() -> None:
    with pytest.raises(ConfigError) as refused:
        AshbyConnector.config.validate({"apikey": "lv-secret-value"}, tool="ashby")
    assert str(refused.value).startswith("a ashby integration has no field 'apikey'; did you mean 'api_key'?")
    assert refused.value.field == "apikey" and "lv-secret-value" not in str(refused.value)
    with pytest.raises(ConfigError, match=r"no field 'base_url' \(its fields: applications, step\)"):
        SandboxConnector.config.validate({"base_url": "http://x"}, tool="sandbox")
    assert LeverConnector.config.suggest("BURTS") == "burst" and LeverConnector.config.suggest("zzz") is None


def test_validate_checks_the_result_against_what_is_stored() -> None:
    """Changing one setting of an integration: required fields may come from what is stored, and the
    error names the field at fault."""
    stored = {"api_key": "k", "burst": 4}
    assert LeverConnector.config.validate({"timeout": "3"}, tool="lever", stored=stored) == {"timeout": 3.0}
    with pytest.raises(ConfigError) as refused:
        LeverConnector.config.validate({"api_key": " "}, tool="lever", stored=stored)
    assert refused.value.field == "api_key"
    with pytest.raises(ConfigError) as refused:
        LeverConnector.config.validate({"burst": "x"}, tool="lever", stored=stored)
    assert refused.value.field == "burst"


def test_a_secret_field_describes_no_default() -> None:
    schema = ConfigSchema([ConfigField("token", secret=True, default="built-in-token")])
    assert "default" not in schema.describe()[0]
