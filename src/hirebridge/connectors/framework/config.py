"""What an integration's configuration holds, declared per tool.

Each connector class declares a `ConfigSchema`: its fields, their types, which are secrets (sealed by
`crypto` before they reach the database; tests/test_config_schema.py holds `crypto.SECRET_FIELDS` to
the schemas), which are required, their defaults, and the label, help and vendor link a person
connecting the tool reads (`hirebridge tools show`, `GET /v1/tools/ats`, a connect page). `parse`
turns a stored configuration into the settings a connector runs with, or raises `ConfigError` naming
the field; `validate` is the same check for input (the CLI, a connect page), which also refuses keys the
schema does not name and returns what to store.

The client tunables every HTTP connector reads (`base_url`, `requests_per_second`, `burst`,
`timeout`, `retry_*`) are one shared list (`client_tunables`) with per-tool defaults. Keys a schema
does not name are ignored by `parse` (a stored configuration written by an older version still
syncs); `validate` refuses them, suggesting the closest name.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from hirebridge.connectors.framework.errors import ConfigError

__all__ = [
    "ConfigError",
    "ConfigField",
    "ConfigSchema",
    "api_key",
    "child_refresh",
    "client_tunables",
    "webhook_secret",
]

FieldType = Literal["str", "int", "float", "bool", "url"]
_KINDS: dict[str, str] = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "url": "an http(s) URL",
}


@dataclass(frozen=True, slots=True)
class ConfigField:
    name: str
    type: FieldType = "str"
    secret: bool = False
    required: bool = False
    default: Any = None
    label: str = ""
    help: str = ""
    vendor_url: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    # A setting a person connecting the tool rarely needs (client tunables): a form tucks it away.
    advanced: bool = False

    def title(self) -> str:
        """How an error names the field: its label and its key."""
        return f"{self.label} ({self.name})" if self.label else repr(self.name)

    def describe(self) -> dict[str, Any]:
        """The field for a form or a listing: never a value but a plain field's default."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "secret": self.secret,
            "required": self.required,
            "label": self.label or self.name,
            "help": self.help,
            "vendor_url": self.vendor_url,
        }
        if self.default is not None and not self.secret:
            out["default"] = self.default
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.advanced:
            out["advanced"] = True
        return out

    def parse(self, value: Any) -> Any:
        """`value` as this field's type, within its bounds; ConfigError otherwise."""
        shown = "" if self.secret else f", got {value!r}"
        problem = f"{self.title()} must be {_KINDS[self.type]}{shown}"
        if self.type in ("str", "url"):
            if not isinstance(value, str):
                raise ConfigError(problem, field=self.name)
            text = value.strip()
            if self.type == "url":
                if not text.startswith(("http://", "https://")):
                    raise ConfigError(problem, field=self.name)
                return text.rstrip("/")
            return text
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            raise ConfigError(problem, field=self.name)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ConfigError(problem, field=self.name)
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(problem, field=self.name) from None
        if self.type == "int":
            if not number.is_integer():
                raise ConfigError(problem, field=self.name)
            number = int(number)
        if self.minimum is not None and number < self.minimum:
            raise ConfigError(f"{self.title()} must be at least {self.minimum:g}, got {number:g}", field=self.name)
        if self.maximum is not None and number > self.maximum:
            raise ConfigError(f"{self.title()} must be at most {self.maximum:g}, got {number:g}", field=self.name)
        return number


class ConfigSchema:
    """The fields of one tool's configuration, in the order a form shows them."""

    def __init__(self, fields: Iterable[ConfigField]) -> None:
        self.fields = tuple(fields)
        self._by_name = {f.name: f for f in self.fields}
        if len(self._by_name) != len(self.fields):
            raise ValueError("a configuration schema names each field once")

    def __getitem__(self, name: str) -> ConfigField:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __repr__(self) -> str:
        return f"ConfigSchema({[f.name for f in self.fields]})"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    @property
    def secrets(self) -> frozenset[str]:
        """The fields that are credentials (`crypto` seals exactly these)."""
        return frozenset(f.name for f in self.fields if f.secret)

    def replace(self, name: str, **changes: Any) -> ConfigSchema:
        """The schema with one field changed (another default, help text)."""
        return ConfigSchema(replace(f, **changes) if f.name == name else f for f in self.fields)

    def describe(self) -> list[dict[str, Any]]:
        return [f.describe() for f in self.fields]

    def unknown(self, config: Mapping[str, Any]) -> list[str]:
        """The keys of `config` no field of this schema names."""
        return sorted(k for k in config if k not in self._by_name)

    def suggest(self, name: str) -> str | None:
        """The field name closest to a mistyped `name` (`apikey` -> `api_key`), if one is close."""
        close = difflib.get_close_matches(name.lower(), self.names, n=1, cutoff=0.6)
        return close[0] if close else None

    def validate(
        self, given: Mapping[str, Any], *, tool: str, stored: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """What to store for configuration a person entered (on top of an integration's `stored` one,
        when it is changed): each given value as its field's type, blank ones left out (a field left
        empty is back to its default). ConfigError (with `field`) for a given key no field names,
        suggesting the closest, and for whatever `parse` refuses in the result. Fields not given are not
        filled in: their defaults stay the tool's, so a later version's defaults apply to integrations
        that never chose otherwise."""
        unknown = self.unknown(given)
        if unknown:
            name = unknown[0]
            close = self.suggest(name)
            hint = f"; did you mean {close!r}?" if close else ""
            raise ConfigError(
                f"a {tool} integration has no field {name!r}{hint} (its fields: {', '.join(self.names)})",
                field=name,
            )
        settings = self.parse({**(stored or {}), **given}, tool=tool)
        return {name: settings[name] for name, value in given.items() if not _blank(value)}

    def parse(self, config: Mapping[str, Any], *, tool: str) -> dict[str, Any]:
        """Every field's value (its default when absent, None for an optional field without one);
        ConfigError naming the first field that is missing or malformed."""
        settings: dict[str, Any] = {}
        for f in self.fields:
            value = config.get(f.name)
            if _blank(value):
                if f.required:
                    raise ConfigError(f"a {tool} integration needs {f.title()}", field=f.name)
                value = f.default
                settings[f.name] = None if value is None else f.parse(value)
                continue
            settings[f.name] = f.parse(value)
        for f in self.fields:
            if f.type == "url" and isinstance(settings[f.name], str) and "{" in settings[f.name]:
                settings[f.name] = self._fill(f, settings, tool=tool)
        return settings

    def _fill(self, f: ConfigField, settings: Mapping[str, Any], *, tool: str) -> str:
        """A URL that names other settings in braces, with their values: a vendor whose API lives
        under the account's own host or path (`https://{subdomain}.workable.com/spi/v3`). Each value
        must be one host label or path segment, so a setting cannot point the URL elsewhere."""
        template: str = settings[f.name]
        values: dict[str, str] = {}
        for _text, name, _spec, _conversion in string.Formatter().parse(template):
            if name is None:
                continue
            field = self._by_name.get(name)
            if field is None or field.secret:
                raise ConfigError(f"{f.title()} names {{{name}}}, which is not a setting of a {tool} integration")
            value = settings.get(name)
            if value is None:
                raise ConfigError(f"a {tool} integration needs {field.title()} (the API URL uses it)", field=name)
            if not _URL_PART.match(str(value)):
                raise ConfigError(f"{field.title()} must be letters, digits, '-' or '_', got {value!r}", field=name)
            values[name] = str(value)
        return template.format_map(values)


# One host label or path segment (a Workable subdomain, a Recruitee company id).
_URL_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _blank(value: Any) -> bool:
    """None or only whitespace: the field was left empty."""
    return value is None or (isinstance(value, str) and not value.strip())


def api_key(*, label: str = "API key", help: str = "", vendor_url: str | None = None) -> ConfigField:
    """The vendor's API key: a required secret."""
    return ConfigField("api_key", "str", secret=True, required=True, label=label, help=help, vendor_url=vendor_url)


def webhook_secret(*, help: str, vendor_url: str | None = None) -> ConfigField:
    """The secret the vendor signs its webhooks with (framework/webhooks.py): an optional credential,
    sealed like the API key; several may be given comma-separated."""
    return ConfigField("webhook_secret", "str", secret=True, label="Webhook secret", help=help, vendor_url=vendor_url)


def client_tunables(
    *, base_url: str, requests_per_second: float, burst: int, base_url_help: str = ""
) -> list[ConfigField]:
    """The HTTP client settings every HTTP connector reads, with the tool's defaults."""
    return [
        ConfigField(
            "base_url",
            "url",
            default=base_url,
            label="API base URL",
            advanced=True,
            help=base_url_help or "The vendor's API; change it only for a sandbox account, a proxy or an emulator.",
        ),
        ConfigField(
            "requests_per_second",
            "float",
            default=requests_per_second,
            minimum=0.01,
            label="Requests per second",
            advanced=True,
            help="The vendor's rate limit for this key; HireBridge paces a little under it.",
        ),
        ConfigField(
            "burst",
            "int",
            default=burst,
            minimum=1,
            label="Burst",
            help="Requests the vendor allows at once.",
            advanced=True,
        ),
        ConfigField(
            "timeout", "float", default=30.0, minimum=0.01, label="Timeout (s)", help="Per request.", advanced=True
        ),
        ConfigField(
            "retry_attempts",
            "int",
            default=6,
            minimum=1,
            label="Attempts",
            advanced=True,
            help="Tries of a request that failed in a way worth retrying (429, 5xx, timeouts).",
        ),
        ConfigField("retry_base_delay", "float", default=0.5, minimum=0, label="Retry base delay (s)", advanced=True),
        ConfigField("retry_max_delay", "float", default=30.0, minimum=0, label="Retry max delay (s)", advanced=True),
    ]


def child_refresh(default: int) -> ConfigField:
    """How many DELTA runs it takes to re-read the children of every unchanged parent (streams.Parent)."""
    return ConfigField(
        "child_refresh_parts",
        "int",
        default=default,
        minimum=0,
        label="Child refresh (DELTA runs)",
        help=(
            "Each DELTA run also re-reads the child records (interviews, notes, files...) of one in this many "
            "unchanged parent records, so a child changed without its parent shows within this many DELTA runs. "
            "0: only FULL runs read them."
        ),
        advanced=True,
    )
