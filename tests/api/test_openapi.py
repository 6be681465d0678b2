"""The OpenAPI description: one schema per name, errors declared in the error shape."""

from ninja import Schema

from hromada.api.api import api


def test_no_two_api_schemas_share_a_name():
    """ninja names a component after its class: a clash hands one module's schema to another."""
    api.get_openapi_schema(path_prefix="/api/v1/")  # every router (and what it imports) loaded
    seen: dict[str, str] = {}
    clashes = []
    pending = list(Schema.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("hromada."):
            continue
        if cls.__name__ in seen and seen[cls.__name__] != cls.__module__:
            clashes.append(f"{cls.__name__}: {seen[cls.__name__]} and {cls.__module__}")
        seen[cls.__name__] = cls.__module__
    assert "StatisticsOut" in seen  # the walk reached the modules' schemas
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
