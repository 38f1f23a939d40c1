"""Government-system basics: strong passwords, lockout after failed logins, idle sessions that
end, CSRF on every form, security headers, and production settings that pass
`manage.py check --deploy` without a warning."""

from __future__ import annotations

import datetime
import re
import secrets

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from assets.auth import is_locked, lockout_message
from assets.models import LoginFailure, User
from tests.factories import PASSWORD

HAN = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    return bool(HAN.search(text))


def post_login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- passwords ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["123456", "12345678", "password", "qwerty123", "zhangwei2024"])
def test_password_validators_reject_weak_passwords(db, weak):
    user = User(username="zhangwei", full_name="张伟")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password(weak, user)
    assert all(chinese(message) for message in caught.value.messages)  # said in Chinese


def test_password_validators_accept_a_strong_password(db):
    validate_password(PASSWORD, User(username="zhangwei"))
    validate_password(secrets.token_urlsafe(12), User(username="zhangwei"))


# --- lockout after repeated failed logins -------------------------------------------------------------


def test_login_page_locks_the_account_after_five_failures(world, client):
    assert settings.LOCKOUT_FAILURES == 5
    for _attempt in range(5):
        response = post_login(client, "village1", "wrong-password")
        assert response.status_code == 200 and not logged_in(client)

    response = post_login(client, "village1", PASSWORD)  # the sixth: right password, too late

    assert response.status_code == 200
    assert not logged_in(client)
    with translation.override("zh-hans"):
        message = lockout_message()
    assert chinese(message)
    assert message in response.content.decode()
    # the lock is per account name: others log in as usual
    assert post_login(Client(), "village2", PASSWORD).status_code == 302


def test_a_successful_login_clears_earlier_failures(world, client):
    for _attempt in range(4):
        post_login(client, "village1", "wrong-password")
    assert post_login(client, "village1", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="village1").exists()


def test_lockout_in_the_backend_and_its_end(world):
    for _attempt in range(5):
        assert authenticate(None, username="village1", password="wrong-password") is None
    assert is_locked("village1") and is_locked("VILLAGE1")  # account names are case-insensitive
    assert authenticate(None, username="village1", password=PASSWORD) is None

    # LOCKOUT_MINUTES later the failures have aged out of the window
    past = timezone.now() - datetime.timedelta(minutes=settings.LOCKOUT_MINUTES + 1)
    LoginFailure.objects.filter(username="village1").update(at=past)
    assert not is_locked("village1")
    assert authenticate(None, username="village1", password=PASSWORD) == world.users["village1"]


def test_api_token_endpoint_shares_the_lockout(world, client):
    url = "/api/auth/token/"
    for _attempt in range(4):
        assert client.post(url, {"username": "village1", "password": "wrong"}, content_type="application/json",
                           ).status_code == 400
    # the fifth failure locks the account (it may already answer with the lockout)
    assert client.post(url, {"username": "village1", "password": "wrong"}, content_type="application/json",
                       ).status_code in (400, 403)
    response = client.post(url, {"username": "village1", "password": PASSWORD}, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    assert "token" not in response.json()
    assert chinese(response.json()["detail"])


# --- sessions end when idle ---------------------------------------------------------------------------


def test_session_settings_expire_idle_sessions():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_each_request_renews_the_idle_timeout_and_an_idle_session_ends(world, client):
    assert post_login(client, "village1", PASSWORD).status_code == 302
    session = Session.objects.get(session_key=client.session.session_key)

    # 25 idle minutes: the session is still alive, and the request renews it for 30 more
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + datetime.timedelta(minutes=5))
    response = client.get(reverse("home"))
    assert response.wsgi_request.user.is_authenticated
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > timezone.now() + datetime.timedelta(minutes=29)

    # 30 idle minutes: the session has ended and the user must log in again
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert not response.wsgi_request.user.is_authenticated
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- CSRF on every form ---------------------------------------------------------------------------------


def test_login_form_requires_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)

    assert post_login(client, "village1", PASSWORD).status_code == 403
    assert not logged_in(client)

    client.get(reverse("login"))  # the form sets the token cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(reverse("login"), {"username": "village1", "password": PASSWORD,
                                              "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and logged_in(client)


def test_logged_in_forms_and_session_api_calls_require_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["village1"])

    assert client.post(reverse("logout")).status_code == 403
    assert logged_in(client)
    assert client.post(reverse("asset_add"), {"name": "x"}).status_code == 403
    # DRF's session authentication enforces CSRF too (token-authenticated calls need none)
    assert client.post("/api/assets/", {"name": "x"}, content_type="application/json").status_code == 403


# --- security headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login/", "/api/assets/"])
def test_security_headers(db, client, path):
    response = client.get(path)

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp


# --- production settings -----------------------------------------------------------------------------------

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_ALLOWED_HOSTS": "example.org",
    # check --deploy reads these but connects to nothing
    "DATABASE_URL": "postgres://bangfu@127.0.0.1:5432/bangfu",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_check_deploy_has_no_warnings(run_python):
    result = run_python(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45), **PRODUCTION,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


PRODUCTION_REQUESTS = """
import django
django.setup()
from django.test import Client
from django.test.utils import override_settings
# the hashed-name storage needs `collectstatic` (done when the image is built, and slow: it
# compresses every file); plain static names are enough for these requests
override_settings(STORAGES={
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}).enable()
c = Client()
r = c.get("/login/", HTTP_HOST="example.org")
print(r.status_code, r["Location"])
r = c.get("/login/", HTTP_HOST="example.org", HTTP_X_FORWARDED_PROTO="https")
print(r.status_code, r["Strict-Transport-Security"], r.cookies["csrftoken"]["secure"])
print(c.get("/login/", HTTP_HOST="evil.example.com", HTTP_X_FORWARDED_PROTO="https").status_code)
"""


def test_production_redirects_to_https_and_sends_hsts(run_python):
    result = run_python(PRODUCTION_REQUESTS, DJANGO_SECRET_KEY=secrets.token_urlsafe(45), **PRODUCTION)
    assert result.returncode == 0, result.stderr
    redirect, secure, bad_host = result.stdout.splitlines()
    assert redirect == "301 https://example.org/login/"
    assert secure == "200 max-age=31536000; includeSubDomains; preload True"
    assert bad_host == "400"
