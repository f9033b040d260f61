"""Every input the API takes is bounded in its published spec: page sizes, list sizes, string lengths.

A route added later with an unbounded `limit`, list or string fails here before it ships. The few
free-form values left open are named below with the check that bounds them instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tradai.api.app import create_app
from tradai.api.local import ROUTERS
from tradai.settings import Settings

OPEN_BY_DESIGN = {
    # Strategy parameter values (and sweep values): each strategy's parameter schema checks them on
    # submission; the maps hold at most 60-100 keys of at most 64 characters, and bodies 1 MiB.
    "POST /api/v1/backtests body.strategy_config.parameters{}",
    "POST /api/v1/backtests body.parameter_space{}",
    "POST /api/v1/strategies body.parameters{}",
    "POST /api/v1/configs body.config_data{}",
    # `symbols=A,B` is split on commas: the parts are counted (at most 100) after splitting.
    "GET /api/v1/data/freshness query:symbols[]",
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings(data_dir=Path(tmp_path_factory.mktemp("bounds")))
    published: dict[str, Any] = create_app(routers=ROUTERS, settings=settings).openapi()
    return published


def unbounded(spec: dict[str, Any]) -> list[str]:
    """Every place in the spec's inputs a value has no upper bound, as `<operation> <where>: <what>`."""
    components = spec["components"]["schemas"]
    found: list[str] = []

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def walk(schema: dict[str, Any], where: str) -> None:
        if any(where.startswith(open_) for open_ in OPEN_BY_DESIGN):
            return
        schema = resolve(schema)
        for alternative in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
            walk(alternative, where)
        kind = schema.get("type")
        if kind == "string" and not {"maxLength", "pattern", "enum", "const", "format"} & schema.keys():
            found.append(f"{where}: string without maxLength")
        if kind in ("integer", "number") and not {"maximum", "exclusiveMaximum"} & schema.keys():
            found.append(f"{where}: {kind} without maximum")
        if kind == "array":
            if "maxItems" not in schema:
                found.append(f"{where}: array without maxItems")
            walk(schema.get("items", {}), f"{where}[]")
        if kind == "object":
            for name, member in schema.get("properties", {}).items():
                walk(member, f"{where}.{name}")
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                if "maxProperties" not in schema:
                    found.append(f"{where}: map without maxProperties")
                walk(extra, f"{where}{{}}")

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                walk(parameter["schema"], f"{name} {parameter['in']}:{parameter['name']}")
            for media in operation.get("requestBody", {}).get("content", {}).values():
                walk(media["schema"], f"{name} body")
    return found


def test_given_the_published_spec_when_inputs_walked_then_every_size_and_number_is_bounded(
    spec: dict[str, Any],
) -> None:
    # When
    found = unbounded(spec)

    # Then
    assert found == []


def test_given_list_routes_when_spec_read_then_page_sizes_stop_at_100_or_1000(spec: dict[str, Any]) -> None:
    # Given: every `limit`-like query parameter (job and catalog pages 100, rows of trades/orders 1000)
    limits = {
        f"{path} {parameter['name']}": parameter["schema"]
        for path, operations in spec["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"].endswith("limit")
    }

    # Then
    assert "/api/v1/trading/orders limit" in limits
    for name, schema in limits.items():
        assert schema.get("minimum", 0) >= 1, name
        assert schema["maximum"] <= 1000, name


def test_given_a_route_with_an_unbounded_limit_when_walked_then_it_is_reported(spec: dict[str, Any]) -> None:
    # Given: the spec with one more operation whose limit has no maximum
    extended = {**spec, "paths": {**spec["paths"], "/api/v1/probe": {"get": {"parameters": [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    ]}}}}  # fmt: skip

    # Then
    assert unbounded(extended) == ["GET /api/v1/probe query:limit: integer without maximum"]
