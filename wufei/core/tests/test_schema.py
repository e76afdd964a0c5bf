"""The OpenAPI schema of every app generates, validates and has no warnings (unique component
and enum names), so that integrators' generated clients are stable."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text(encoding="utf-8")
    for path in (
        "/api/v1/manifests/",
        "/api/v1/tracking/points",
        "/api/v1/warnings/",
        "/api/v1/trips/",
    ):
        assert path in text, path
