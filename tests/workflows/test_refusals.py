"""Refusals of the workflow endpoints are answers, not crashes (issue 7, item 12): a body that is
not a JSON object is a 400 with a JSON error; a role that may read an item but not change it gets
403 for the evidence upload; the role check comes before the state check (403, not 409) in the
API and in the web views; and every error under /api/ is JSON, including 404 and 500."""

from __future__ import annotations

import pytest
from django.test import Client

from disposals.models import Disposal
from tests.workflows.helpers import chinese, collective, post, snapshot
from tests.workflows.test_disposals import add_evidence, apply, photo
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

NOT_OBJECTS = ["[]", '[{"comment": "x"}]', '"text"', "42", "null", "true"]


def draft_transfer(flow, api) -> int:
    created = post(api("village1"), "/api/transfers/", {
        "project": flow.projects[0].pk, "proposal": "村集体会议意见。",
        "lines": [{"asset": flow.assets[0][1].pk, "owner_organisation": collective(flow, 0).pk}]})
    assert created.status_code == 201, created.json()
    return created.json()["id"]


def draft_disposal(flow, api) -> int:
    body = apply(api("village1"), flow.assets[0][1])
    add_evidence(api("village1"), body["id"])
    return body["id"]


def raw(client, url: str, body: str):
    return client.post(url, body, content_type="application/json")


# --- bodies that are not JSON objects -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["transfers", "disposals"])
@pytest.mark.parametrize("act", ["submit", "withdraw", "approve", "return", "reject"])
@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_a_body_that_is_not_an_object_is_a_400_with_a_json_error(flow, api, kind, act, body):
    pk = draft_transfer(flow, api) if kind == "transfers" else draft_disposal(flow, api)
    model = Transfer if kind == "transfers" else Disposal
    before = snapshot(model, pk)
    response = raw(api("village1"), f"/api/{kind}/{pk}/{act}/", body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    errors = response.json()
    assert errors and all(chinese(str(message)) for message in errors.values()), errors
    assert snapshot(model, pk) == before


def test_an_empty_or_form_body_still_submits(flow, api):
    pk = draft_transfer(flow, api)
    response = api("village1").post(f"/api/transfers/{pk}/submit/")
    assert response.status_code == 200, response.json()
    pk = draft_disposal(flow, api)
    response = api("village1").post(f"/api/disposals/{pk}/submit/", {"comment": "请审核"})
    assert response.status_code == 200, response.json()


# --- evidence by a role that may read but not change ----------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "finance", "committee", "admin", "township1", "county"])
def test_evidence_upload_by_a_reader_is_403(flow, api, who):
    pk = draft_disposal(flow, api)
    before = snapshot(Disposal, pk)
    response = api(who).post(f"/api/disposals/{pk}/evidence/", {"file": photo(), "description": "现场照片"},
                             format="multipart")
    assert response.status_code == 403, response.content
    assert chinese(response.json()["detail"])
    assert snapshot(Disposal, pk) == before
    assert Disposal.objects.get(pk=pk).evidence.count() == 1


def test_evidence_upload_on_the_web_by_a_reader_changes_nothing(flow, api):
    pk = draft_disposal(flow, api)
    client = Client()
    client.force_login(flow.users["auditor"])
    response = client.post(f"/disposals/{pk}/evidence/", {"file": photo(), "description": "现场照片"})
    assert response.status_code in (302, 403)
    assert Disposal.objects.get(pk=pk).evidence.count() == 1


# --- role before state ----------------------------------------------------------------------------------


def closed_transfer(flow, api) -> int:
    pk = draft_transfer(flow, api)
    assert post(api("village1"), f"/api/transfers/{pk}/withdraw/").status_code == 200
    return pk


def in_review_transfer(flow, api) -> int:
    pk = draft_transfer(flow, api)
    assert post(api("village1"), f"/api/transfers/{pk}/submit/").status_code == 200
    return pk


@pytest.mark.parametrize("who", ["auditor", "township1", "admin", "norole"])
@pytest.mark.parametrize("act", ["submit", "withdraw", "approve", "return", "reject"])
@pytest.mark.parametrize("state", [closed_transfer, in_review_transfer])
def test_a_role_that_takes_no_part_is_403_whatever_the_state(flow, api, who, act, state):
    pk = state(flow, api)
    before = snapshot(Transfer, pk)
    data = {"comment": "理由", "step": "committee"}
    response = post(api(who), f"/api/transfers/{pk}/{act}/", data)
    assert response.status_code == 403, (response.status_code, response.content)
    assert snapshot(Transfer, pk) == before


@pytest.mark.parametrize("who", ["auditor", "township1"])
def test_a_reader_cannot_edit_a_closed_item_403_not_409(flow, api, who):
    pk = closed_transfer(flow, api)
    response = api(who).patch(f"/api/transfers/{pk}/", {"proposal": "改"}, format="json")
    assert response.status_code == 403, response.content
    disposal = draft_disposal(flow, api)
    assert post(api("village1"), f"/api/disposals/{disposal}/withdraw/").status_code == 200
    response = api(who).post(f"/api/disposals/{disposal}/evidence/", {"file": photo(), "description": "照片"},
                             format="multipart")
    assert response.status_code == 403, response.content


def test_the_applicant_and_the_decider_still_get_409_for_the_state(flow, api):
    pk = closed_transfer(flow, api)
    assert post(api("village1"), f"/api/transfers/{pk}/submit/").status_code == 409
    assert post(api("village1"), f"/api/transfers/{pk}/withdraw/").status_code == 409
    assert post(api("committee"), f"/api/transfers/{pk}/approve/").status_code == 409
    disposal = draft_disposal(flow, api)
    post(api("village1"), f"/api/disposals/{disposal}/withdraw/")
    late = api("village1").post(f"/api/disposals/{disposal}/evidence/", {"file": photo(), "description": "照片"},
                                format="multipart")
    assert late.status_code == 409 and chinese(late.json()["detail"])


def test_web_submit_by_a_reader_says_access_denied_not_the_state(flow, api):
    pk = closed_transfer(flow, api)
    client = Client()
    client.force_login(flow.users["auditor"])
    response = client.post(f"/transfers/{pk}/submit/", follow=True)
    text = response.content.decode()
    assert "只有申请单位" in text, text[-3000:]  # the role's refusal (403) …
    assert "不能再修改" not in text              # … not the state's (409)


# --- every /api/ error is JSON ----------------------------------------------------------------------


def test_api_404_405_403_401_are_json(flow, api):
    cases = [
        (api("village1").get("/api/no-such-endpoint/"), 404),
        (api("village1").get("/api/transfers/999999/"), 404),
        (api("village1").delete("/api/transfers/"), 405),
        (api("auditor").post("/api/transfers/", {}, format="json"), 403),
        (Client().get("/api/transfers/"), 401),
    ]
    for response, status in cases:
        if status == 401:
            assert response.status_code in (401, 403)
        else:
            assert response.status_code == status, (status, response.content)
        assert response["Content-Type"].startswith("application/json"), (status, response.content[:200])
        assert chinese(response.json()["detail"])


@pytest.mark.urls("tests.failing_urls")
def test_api_500_is_json_and_web_500_is_the_chinese_page(flow):
    client = Client(raise_request_exception=False)
    client.force_login(flow.users["county"])
    response = client.get("/api/test-failure/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert chinese(response.json()["detail"])
    page = client.get("/test-failure/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert "系统错误" in text and "DATABASE" not in text and "Traceback" not in text
    unknown = client.get("/api/test-nothing-here/")
    assert unknown.status_code == 404 and unknown["Content-Type"].startswith("application/json")
