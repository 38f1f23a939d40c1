"""The API keeps the promises of its own OpenAPI schema under generated input (schemathesis).

For every operation of /api/schema/, as a county user and as a village clerk, schemathesis
generates requests that fit the schema (positive) and requests that do not (negative), with a
fixed seed (``derandomize``) and a bounded number of examples per operation, sends them through
the WSGI application in-process, and checks each answer: never a 5xx, the content type and the
body as documented. Every failure of the run is listed at the end, not only the first.

SCHEMATHESIS_MAX_EXAMPLES raises the bound for a longer local run (CI keeps the default).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.files.base import ContentFile
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from assets.demo.workflows import seed_workflows
from ledgers.models import LedgerExportJob
from ledgers.tasks import run_consistency_check
from tests.api.conftest import token_for
from tests.factories import World
from tests.workflows.conftest import add_workflow_users

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"))
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
# Operations that would end the run's own login; their behaviour has tests of its own (test_auth.py).
SKIP = ("POST /api/auth/logout/", "POST /api/auth/logout-all/", "POST /api/auth/password/",
        "POST /api/auth/tokens/{public_id}/revoke/")


@contextlib.contextmanager
def in_test_transaction() -> Iterator[None]:
    """Call the WSGI application in-process inside the test's transaction: like Django's test
    client, do not close the database connection at each request's start and end (that would end
    the test's transaction). The test client reconnects the handler after each of its own
    requests, so nothing may use it inside the block."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def closing(app: Any) -> Any:
    """The WSGI application, its answer read whole and closed, as a server does: schemathesis's
    in-process client reads the body but does not close it (a file download would leave its
    file open)."""

    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        result = app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()

    return application


def richer_world(world: World) -> None:
    """Rows in every state the API describes: the demo workflows (every step, returned, rejected,
    done), a consistency check run, finished exports in both formats, so that the run reads
    nullable and blank values, not only what the register's test world holds."""
    add_workflow_users(world)
    seed_workflows()
    run_consistency_check("manual", None)
    for user in (world.user("county"), world.user("village1")):
        for file_format, name in (("xlsx", "ledger.xlsx"), ("pdf", "ledger.pdf")):
            job = LedgerExportJob(created_by=user, ledger="village", file_format=file_format, status="done",
                                  progress=100)
            job.result.save(name, ContentFile(b"%PDF-1.4 test" if file_format == "pdf" else b"PK test"))


def run_operation(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """Run one operation's generated cases; the failure as text, or None."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:  # e.g. no negative input exists for an operation without parameters
        return None
    except (Exception, BaseExceptionGroup) as exc:  # every failure of the run is reported together
        return f"{mode.value} {operation.label}:\n{exc}"
    return None


@pytest.mark.parametrize("role", ["county", "village1"])
def test_api_conforms_to_its_schema(world, role, settings, tmp_path):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # schemathesis's WSGI host
    settings.MEDIA_ROOT = tmp_path  # generated uploads
    richer_world(world)
    headers = {"Authorization": f"Token {token_for(role)}"}
    failures, ran = [], 0
    with in_test_transaction():
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", closing(get_wsgi_application()))
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.label in SKIP:
                continue
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                ran += 1
                failure = run_operation(operation, mode, headers)
                if failure:
                    failures.append(failure)
    assert ran > 50
    assert not failures, f"{len(failures)} of {ran} runs failed:\n\n" + "\n\n".join(failures)


def test_schema_describes_what_the_api_answers(world):
    """The six ways the schema used to lie, each checked directly (the run above finds them by
    chance; this names them)."""
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/?format=json").json()
    components, paths = schema["components"]["schemas"], schema["paths"]
    # 1. nullable values: read-only fields reading a nullable field or through a nullable relation
    assert components["Transfer"]["properties"]["closed_at"].get("nullable") is True
    assert components["Transfer"]["properties"]["submitted_at"].get("nullable") is True
    assert components["Disposal"]["properties"]["proceeds"].get("nullable") is True
    assert components["ChangeRegistration"]["properties"]["transfer_number"].get("nullable") is True
    assert components["Line"]["properties"]["owner_household_name"].get("nullable") is True
    # 2. "" where a choice may be blank
    kinds = [ref["$ref"].rsplit("/", 1)[1] for ref in components["Region"]["properties"]["township_kind"]["oneOf"]]
    assert "BlankEnum" in kinds
    # 3./4. inbox and "mine" answer paginated lists
    for workflow in ("transfers", "disposals"):
        for listing in ("inbox", "mine"):
            operation = paths[f"/api/{workflow}/{listing}/"]["get"]
            body = operation["responses"]["200"]["content"]["application/json"]["schema"]
            assert body["$ref"].endswith("List"), (workflow, listing, body)
            assert {"page", "page_size", "cursor"} <= {p["name"] for p in operation["parameters"]}
    # 5./6. the download is a PDF or a workbook, not JSON
    download = paths["/api/ledger-exports/{id}/download/"]["get"]["responses"]["200"]["content"]
    assert set(download) == {"application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    assert all(media["schema"] == {"type": "string", "format": "binary"} for media in download.values())
