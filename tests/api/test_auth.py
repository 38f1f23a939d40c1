"""Token login, its lockout, the tokens' expiry and revocation, and session authentication."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from knox.crypto import hash_token
from rest_framework.test import APIClient

from assets.models import ApiToken
from assets.passwords import do_change_password
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"
NEW_PASSWORD = "Kq7#mZ2@pX9v-Tarim"


def post_login(username: str, password: str, **extra) -> tuple[int, dict]:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)
    return response.status_code, response.json()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    status = client_with(token).get("/api/assets/").status_code
    assert status in (200, 401), status
    return status == 200


# --- login --------------------------------------------------------------------------------------------


def test_token_for_good_credentials_works_as_authorization_header(world):
    status, body = post_login("village1", PASSWORD)
    assert status == 200
    assert set(body) == {"token", "expiry", "max_expiry", "password_change_required"}
    assert body["password_change_required"] is False
    assert works(body["token"])
    # each login is a token of its own (one per device or integration), and both work
    status, second = post_login("village1", PASSWORD)
    assert second["token"] != body["token"]
    assert works(body["token"]) and works(second["token"])


def test_tokens_are_stored_hashed(world):
    token = post_login("village1", PASSWORD)[1]["token"]
    row = ApiToken.objects.get(user__username="village1")
    assert row.digest == hash_token(token) != token
    assert not ApiToken.objects.filter(digest=token).exists()
    assert token not in (row.token_key, row.digest)


def test_wrong_password_is_a_400_with_a_message_and_counts_as_a_failure(world):
    status, body = post_login("village1", "wrong-password", REMOTE_ADDR="10.1.2.3")
    assert status == 400
    assert body["non_field_errors"] == ["无法使用提供的认证信息登录。"]  # DRF's own message, in Chinese
    failure = AccessAttempt.objects.get(username="village1")
    assert failure.ip_address == "10.1.2.3" and failure.failures_since_start == 1
    assert not ApiToken.objects.filter(user__username="village1").exists()


def test_unknown_user_and_missing_fields(world):
    assert post_login("nobody", PASSWORD)[0] == 400
    response = APIClient().post(TOKEN_URL, {"username": "village1"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()
    assert APIClient().post(TOKEN_URL, ["not", "an", "object"], format="json").status_code == 400


def test_inactive_user_gets_no_token(world):
    user = world.user("village1")
    user.is_active = False
    user.save()
    assert post_login("village1", PASSWORD)[0] == 400


# --- lockout: the same as the login page's ------------------------------------------------------------------


@override_settings(LOCKOUT_FAILURES=3)
def test_lockout_after_repeated_failures_even_with_the_right_password(world):
    attacker = {"REMOTE_ADDR": "10.6.6.6"}
    assert post_login("village1", "bad-1", **attacker)[0] == 400
    assert post_login("village1", "bad-2", **attacker)[0] == 400
    status, body = post_login("village1", "bad-3", **attacker)  # the failure that locks the account here
    assert status == 403
    assert body["detail"] == "登录失败次数过多：此地址上的该账号已被锁定 15 分钟。"
    status, body = post_login("VILLAGE1", PASSWORD, **attacker)  # locked by name, whatever the case
    assert status == 403 and "token" not in body
    assert not ApiToken.objects.filter(user__username="village1").exists()
    # the owner, from their own address, is not affected; nor are other accounts
    assert post_login("village1", PASSWORD, REMOTE_ADDR="10.1.1.1")[0] == 200
    assert post_login("village2", PASSWORD, **attacker)[0] == 200


@override_settings(LOCKOUT_FAILURES=3)
def test_successful_login_clears_earlier_failures(world):
    post_login("village1", "bad-1")
    post_login("village1", "bad-2")
    assert post_login("village1", PASSWORD)[0] == 200
    assert not AccessAttempt.objects.filter(username="village1").exists()
    assert post_login("village1", "bad-3")[0] == 400  # counting starts again


# --- expiry -------------------------------------------------------------------------------------------------


def test_token_lapses_when_idle(world):
    token = post_login("village1", PASSWORD)[1]["token"]
    row = ApiToken.objects.get(user__username="village1")
    idle = settings.REST_KNOX["TOKEN_TTL"]
    assert row.expiry == pytest.approx(timezone.now() + idle, abs=datetime.timedelta(seconds=30))

    # used shortly before it would lapse: moved on by the idle time, and its use is noted
    ApiToken.objects.filter(pk=row.pk).update(expiry=timezone.now() + datetime.timedelta(minutes=5))
    assert works(token)
    row.refresh_from_db()
    assert row.expiry > timezone.now() + idle - datetime.timedelta(minutes=1)
    assert row.last_used is not None

    # left idle past its expiry: refused, and gone
    ApiToken.objects.filter(pk=row.pk).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert not works(token)
    assert not ApiToken.objects.filter(pk=row.pk).exists()


def test_token_lapses_at_its_absolute_expiry_however_often_used(world):
    token = post_login("village1", PASSWORD)[1]["token"]
    row = ApiToken.objects.get(user__username="village1")
    absolute = settings.REST_KNOX["AUTO_REFRESH_MAX_TTL"]
    # issued almost the absolute lifetime ago: use no longer moves it past created + max
    ApiToken.objects.filter(pk=row.pk).update(created=timezone.now() - absolute + datetime.timedelta(minutes=10))
    assert works(token)
    row.refresh_from_db()
    assert row.expiry <= row.created + absolute
    assert row.max_expiry == row.created + absolute
    ApiToken.objects.filter(pk=row.pk).update(created=timezone.now() - absolute - datetime.timedelta(minutes=1),
                                              expiry=timezone.now() - datetime.timedelta(minutes=1))
    assert not works(token)


# --- revocation ---------------------------------------------------------------------------------------------


def test_api_logout_revokes_this_token_only(world):
    first = post_login("village1", PASSWORD)[1]["token"]
    second = post_login("village1", PASSWORD)[1]["token"]
    assert client_with(first).post("/api/auth/logout/").status_code == 204
    assert not works(first)
    assert works(second)


def test_api_logout_all_revokes_every_token(world):
    tokens = [post_login("village1", PASSWORD)[1]["token"] for _ in range(3)]
    other = post_login("village2", PASSWORD)[1]["token"]
    assert client_with(tokens[0]).post("/api/auth/logout-all/").status_code == 204
    assert not any(works(token) for token in tokens)
    assert works(other)


def test_password_change_revokes_every_token(world):
    token = post_login("village1", PASSWORD)[1]["token"]
    user = world.user("village1")
    do_change_password(user, NEW_PASSWORD, acting_user=user)
    assert not works(token)
    assert not ApiToken.objects.filter(user=user).exists()


def test_password_change_through_the_web_page_revokes_tokens(world):
    token = post_login("village1", PASSWORD)[1]["token"]
    browser = Client()
    browser.force_login(world.user("village1"))
    response = browser.post("/account/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                    "new_password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content.decode()
    assert not works(token)
    assert post_login("village1", NEW_PASSWORD)[0] == 200


def test_password_change_through_the_api(world):
    token = post_login("village1", PASSWORD)[1]["token"]
    client = client_with(token)
    response = client.post("/api/auth/password/", {"old_password": "wrong", "new_password": "Maigaiti2026"},
                           format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"old_password", "new_password"}
    assert works(token)  # nothing changed
    response = client.post("/api/auth/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                           format="json")
    assert response.status_code == 204
    assert not works(token)
    assert post_login("village1", NEW_PASSWORD)[0] == 200


def test_a_user_lists_and_revokes_their_own_tokens(world):
    mine = post_login("village1", PASSWORD, HTTP_USER_AGENT="ledger-sync/1.0")[1]["token"]
    current = post_login("village1", PASSWORD)[1]["token"]
    theirs = post_login("village2", PASSWORD)[1]["token"]
    client = client_with(current)

    listed = client.get("/api/auth/tokens/").json()
    assert len(listed) == 2
    assert {row["prefix"] for row in listed} == {mine[:8], current[:8]}
    assert all(set(row) == {"id", "prefix", "created", "expiry", "max_expiry", "last_used", "client_ip",
                            "user_agent", "current"} for row in listed)
    assert [row["current"] for row in listed if row["prefix"] == current[:8]] == [True]
    other = next(row for row in listed if row["prefix"] == mine[:8])
    assert other["user_agent"] == "ledger-sync/1.0"
    assert not any(mine in str(value) or current in str(value) for row in listed for value in row.values())

    # somebody else's token is not yours to revoke
    their_id = ApiToken.objects.get(user__username="village2").public_id
    assert client.post(f"/api/auth/tokens/{their_id}/revoke/").status_code == 404
    assert works(theirs)

    assert client.post(f"/api/auth/tokens/{other['id']}/revoke/").status_code == 204
    assert not works(mine)
    assert works(current)


def test_bad_or_missing_token_is_401(world):
    assert APIClient().get("/api/assets/").status_code == 401
    assert not works("0123456789abcdef0123456789abcdef01234567")
    assert APIClient().post("/api/auth/logout/").status_code == 401


# --- sessions -------------------------------------------------------------------------------------------


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


# --- the account page -------------------------------------------------------------------------------------


def test_the_account_page_lists_and_revokes_tokens(world):
    first = post_login("village1", PASSWORD)[1]["token"]
    second = post_login("village1", PASSWORD)[1]["token"]
    browser = Client()
    browser.force_login(world.user("village1"))
    page = browser.get("/account/").content.decode()
    assert "API 令牌" in page and f"{first[:8]}…" in page and f"{second[:8]}…" in page
    assert first not in page and second not in page  # the keys themselves are never shown again

    token_id = ApiToken.objects.get(digest=hash_token(first)).public_id
    response = browser.post("/account/tokens/revoke/", {"token": str(token_id)}, follow=True)
    assert "该 API 令牌已吊销。" in response.content.decode()
    assert not works(first) and works(second)
    assert "没有这个 API 令牌" in browser.post("/account/tokens/revoke/", {"token": "nonsense"},
                                          follow=True).content.decode()
    browser.post("/account/tokens/revoke/", {"all": "1"})
    assert not works(second)


def test_token_login_leaves_no_session_behind(world):
    from django.contrib.sessions.models import Session

    before = Session.objects.count()
    response = APIClient().post(TOKEN_URL, {"username": "village1", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert Session.objects.count() == before
    assert "sessionid" not in response.cookies
