"""The OpenAPI schema is valid, complete, served at /api/schema/ and browsable at /api/docs/."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, reverse
from drf_spectacular.validation import validate_schema

from config import api as api_urls


def api_v1_paths(patterns=api_urls.urlpatterns, prefix: str = "/api/v1/") -> set[str]:
    """Every routed /api/v1/ path, with `<int:pk>` written the OpenAPI way, `{pk}`."""
    paths = set()
    for pattern in patterns:
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            paths |= api_v1_paths(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            paths.add(prefix + route)
    return paths


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_the_schema_validates_without_a_single_warning(schema_file):
    assert schema_file["openapi"].startswith("3.")
    assert schema_file["info"]["title"] == "Plaudit API"


def test_every_api_route_is_in_the_schema(schema_file):
    def shape(path: str) -> str:  # the schema calls `pk` parameters `id`
        return re.sub(r"\{\w+\}", "{}", path)

    assert {shape(p) for p in api_v1_paths()} <= {shape(p) for p in schema_file["paths"]}


def test_every_operation_documents_its_error_shapes(schema_file):
    for path, operations in schema_file["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"400", "404", "429"} <= set(responses), f"{method} {path}"
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), f"{method} {path}"


def test_the_token_operation_needs_no_credentials(schema_file):
    assert not schema_file["paths"]["/api/v1/auth/token"]["post"].get("security")
    assert schema_file["paths"]["/api/v1/me"]["get"]["security"]


def test_the_schema_is_served_to_anyone(client, db):
    response = client.get(reverse("schema"), {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert "/api/v1/me" in schema["paths"]


def test_the_docs_page_works_under_our_content_security_policy(client, db):
    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    html = response.content.decode()
    assert f'<style nonce="{nonce}">' in html
    assert html.count(f'<script nonce="{nonce}" src=') == 3
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html  # offline
    assert "<script>" not in html


def test_the_docs_init_script_is_served(client, db):
    response = client.get(reverse("api-docs"), {"script": ""})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert reverse("schema") in response.content.decode()


def test_the_swagger_ui_files_are_served_locally(client, db):
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        response = client.get(f"/static/drf_spectacular_sidecar/swagger-ui-dist/{name}")
        assert response.status_code == 200, name
