"""The OpenAPI 3 schema and the browsable docs, which load nothing from outside our server."""

from __future__ import annotations

import re
from io import StringIO

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

EXTERNAL_URL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


def test_schema_is_valid_openapi_3(world):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document
    paths = schema["paths"]
    for endpoint in ("assets", "projects", "households", "regions", "organisations", "categories"):
        assert f"/api/{endpoint}/" in paths
        assert "delete" not in paths[f"/api/{endpoint}/{{id}}/"]
    assert set(paths["/api/assets/{id}/"]) >= {"get", "put", "patch"}
    assert "post" not in paths["/api/regions/"]
    assert "post" in paths["/api/auth/token/"]
    asset = schema["components"]["schemas"]["Asset"]["properties"]
    assert asset["original_value"]["type"] == "string" and asset["original_value"]["format"] == "decimal"
    assert "change_reason" in schema["components"]["schemas"]["AssetRequest"]["properties"]
    assert {"tokenAuth", "cookieAuth"} <= schema["components"]["securitySchemes"].keys()
    params = {p["name"] for p in paths["/api/assets/"]["get"]["parameters"]}
    assert {"q", "region", "asset_class", "category", "status", "year", "funding_source", "page", "page_size"} <= params


def test_schema_generation_has_no_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO())
    assert yaml.safe_load(target.read_text())["info"]["title"] == "帮扶资产 API"


def test_docs_page_is_self_hosted(world):
    client = APIClient()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not EXTERNAL_URL.search(html), EXTERNAL_URL.search(html)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/") for url in assets), assets
    for url in assets:
        path = url.split("?")[0]
        if path.startswith("/static/"):
            assert finders.find(path.removeprefix("/static/")), path  # shipped by drf-spectacular-sidecar
    # the init script (served separately, so the page needs no inline script) points at our schema
    script_url = next(url for url in assets if "script" in url)
    script = client.get(script_url)
    assert script.status_code == 200
    body = script.content.decode()
    assert "/api/schema/" in body
    assert not EXTERNAL_URL.search(body), EXTERNAL_URL.search(body)
