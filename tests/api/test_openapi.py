"""The OpenAPI description: one schema per name, errors declared in the error shape."""

import importlib
import inspect

from ninja import Schema

from hromada.api.api import api
from hromada.core import registry


def test_no_two_api_schemas_share_a_name():
    """ninja names a component after its class: a clash hands one module's schema to another."""
    seen: dict[str, str] = {}
    clashes = []
    modules = ["hromada.core.api"] + [
        module.api_router.rsplit(".", 1)[0] for module in registry.modules() if module.api_router
    ]
    for name in modules:
        for cls_name, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == name:
                if cls_name in seen:
                    clashes.append(f"{cls_name}: {seen[cls_name]} and {name}")
                seen[cls_name] = name
    assert clashes == []


def test_cycle_categories_are_described_by_the_budget_schema():
    components = api.get_openapi_schema(path_prefix="/api/v1/")["components"]["schemas"]
    reference = components["CycleOut"]["properties"]["categories"]["items"]["$ref"]
    category = components[reference.rsplit("/", 1)[-1]]
    assert "max_cost" in category["properties"]
    assert "code" not in category.get("required", [])


def test_every_operation_declares_its_errors():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("400", "404", "422", "500"):
                assert responses[status]["content"]["application/json"]["schema"] == error, (
                    method,
                    path,
                    status,
                )
            if operation.get("security"):
                assert "401" in responses, (method, path)
            if "requestBody" in operation:
                assert "415" in responses, (method, path)
    assert schema["paths"]["/api/v1/me"]["get"]["responses"]["401"]
