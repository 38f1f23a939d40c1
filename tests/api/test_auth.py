"""Token login, its lockout, and session authentication."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets.auth import is_locked, lockout_message
from assets.models import LoginFailure
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"


def post_login(username: str, password: str, **extra) -> tuple[int, dict]:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)
    return response.status_code, response.json()


def test_token_for_good_credentials_works_as_authorization_header(world):
    status, body = post_login("village1", PASSWORD)
    assert status == 200
    assert body == {"token": Token.objects.get(user__username="village1").key}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.get("/api/assets/").status_code == 200
    # a second login hands out the same token
    assert post_login("village1", PASSWORD)[1] == body


def test_wrong_password_is_a_400_with_a_message_and_counts_as_a_failure(world):
    status, body = post_login("village1", "wrong-password", REMOTE_ADDR="10.1.2.3")
    assert status == 400
    assert body["non_field_errors"] == ["无法使用提供的认证信息登录。"]  # DRF's own message, in Chinese
    failure = LoginFailure.objects.get(username="village1")
    assert failure.ip_address == "10.1.2.3"
    assert not Token.objects.filter(user__username="village1").exists()


def test_unknown_user_and_missing_fields(world):
    assert post_login("nobody", PASSWORD)[0] == 400
    response = APIClient().post(TOKEN_URL, {"username": "village1"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_inactive_user_gets_no_token(world):
    user = world.user("village1")
    user.is_active = False
    user.save()
    assert post_login("village1", PASSWORD)[0] == 400


@override_settings(LOCKOUT_FAILURES=3)
def test_lockout_after_repeated_failures_even_with_the_right_password(world):
    assert post_login("village1", "bad-1")[0] == 400
    assert post_login("village1", "bad-2")[0] == 400
    status, body = post_login("village1", "bad-3")  # the failure that locks the account
    assert status == 403
    assert body == {"detail": lockout_message()}
    assert is_locked("village1")
    status, body = post_login("VILLAGE1", PASSWORD)  # locked by name, whatever the case
    assert status == 403
    assert body == {"detail": lockout_message()}
    assert not Token.objects.filter(user__username="village1").exists()
    # another account is not affected
    assert post_login("village2", PASSWORD)[0] == 200


@override_settings(LOCKOUT_FAILURES=3)
def test_successful_login_clears_earlier_failures(world):
    post_login("village1", "bad-1")
    post_login("village1", "bad-2")
    assert post_login("village1", PASSWORD)[0] == 200
    assert not LoginFailure.objects.filter(username="village1").exists()
    assert post_login("village1", "bad-3")[0] == 400  # counting starts again


def test_bad_or_missing_token_is_401(world):
    assert APIClient().get("/api/assets/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/assets/").status_code == 401


def test_session_authentication_reads_and_writes(world, session_api):
    client = session_api("village1")
    listed = client.get("/api/assets/")
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == {asset.pk for asset in world.assets[0]}
    asset = world.assets[0][0]
    response = client.patch(f"/api/assets/{asset.pk}/", {"caretaker": "张三"}, format="json",
                            HTTP_X_CHANGE_REASON="管护人变更")
    assert response.status_code == 200, response.content
    latest = asset.history.latest()
    assert latest.history_user.username == "village1"
    assert latest.history_change_reason == "管护人变更"


def test_session_writes_need_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="village1", password=PASSWORD)
    asset = world.assets[0][0]
    before = asset.history.count()
    assert client.patch(f"/api/assets/{asset.pk}/", {"caretaker": "x"}, format="json").status_code == 403
    assert asset.history.count() == before
