"""Government-system basics: strong passwords, lockout after failed logins, idle sessions that
end, CSRF on every form, security headers, and production settings that pass
`manage.py check --deploy` without a warning."""

from __future__ import annotations

import datetime
import re
import secrets

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from assets.auth import client_ip
from assets.models import User
from tests.factories import PASSWORD

HAN = re.compile(r"[\u4e00-\u9fff]")
STRONG = ["Kq7#mZ2@pX9v", "tarim-Poplar-1987", "红柳滩 Xq9 蓄水池工程"]
VICTIM, ATTACKER = "10.20.0.5", "10.66.0.9"
ACCOUNT_LOCKED = "登录失败次数过多：此地址上的该账号已被锁定 15 分钟。"
ADDRESS_HELD = "该地址登录失败次数过多，请 15 分钟后再试。"


def chinese(text: str) -> bool:
    return bool(HAN.search(text))


def post_login(client: Client, username: str, password: str, address: str = "127.0.0.1", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address,
                       **extra)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- passwords ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("weak", [
    "123456", "12345678", "password", "qwerty123", "zhangwei2024",
    "Maigaiti2026",  # 12 characters of three kinds, but the county's name and a year
    "P@ssw0rd2026!",  # a common password dressed up
    "Short1!",  # too short
    "alllowercaseletters2026",  # two kinds of characters
    "Zhangwei#2024x",  # contains the user name
])
def test_password_validators_reject_weak_passwords(db, weak):
    user = User(username="zhangwei", full_name="张伟")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password(weak, user)
    assert all(chinese(message) for message in caught.value.messages)  # said in Chinese


@pytest.mark.parametrize("strong", STRONG)
def test_password_validators_accept_a_strong_password(db, strong):
    validate_password(strong, User(username="zhangwei"))


# --- lockout after repeated failed logins: per account and address, and per address --------------------


def test_login_page_locks_the_account_at_that_address_after_five_failures(world):
    assert settings.LOCKOUT_FAILURES == 5
    attacker = Client()
    for _attempt in range(5):
        response = post_login(attacker, "village1", "wrong-password", ATTACKER)
        assert response.status_code == 200 and not logged_in(attacker)
    assert ACCOUNT_LOCKED in response.content.decode()  # the fifth failure says so

    response = post_login(attacker, "village1", PASSWORD, ATTACKER)  # the sixth: right password, too late
    assert response.status_code == 200 and not logged_in(attacker)
    assert ACCOUNT_LOCKED in response.content.decode()

    # the lock is per account and address: the owner at their usual address logs in as usual,
    # and the attacker's address may still be used for other accounts
    victim = Client()
    assert post_login(victim, "village1", PASSWORD, VICTIM).status_code == 302 and logged_in(victim)
    assert post_login(Client(), "village2", PASSWORD, ATTACKER).status_code == 302


def test_guesses_spread_over_many_names_from_one_address_are_held_up(world):
    assert settings.LOCKOUT_ADDRESS_FAILURES == 20
    # village2 logged in from the office address before the attack
    assert post_login(Client(), "village2", PASSWORD, ATTACKER).status_code == 302
    for n in range(20):  # one or two guesses per name: no account reaches its own limit
        post_login(Client(), f"guess{n % 12}", "Password1!", ATTACKER)

    attacker = Client()
    response = post_login(attacker, "village1", PASSWORD, ATTACKER)  # even the right password
    assert response.status_code == 200 and not logged_in(attacker)
    assert ADDRESS_HELD in response.content.decode()
    # an account that has logged in from that address before is not held up by others' failures
    assert post_login(Client(), "village2", PASSWORD, ATTACKER).status_code == 302
    # and every other address is unaffected
    assert post_login(Client(), "village1", PASSWORD, VICTIM).status_code == 302


def test_a_successful_login_clears_earlier_failures(world, client):
    for _attempt in range(4):
        post_login(client, "village1", "wrong-password")
    assert post_login(client, "village1", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="village1").exists()


def test_lockout_in_the_backend_and_its_end(world, rf):
    def attempt(password: str, address: str = ATTACKER):
        request = rf.post("/login/", REMOTE_ADDR=address)
        return authenticate(request, username="village1", password=password)

    for _attempt in range(5):
        assert attempt("wrong-password") is None
    assert attempt(PASSWORD) is None  # locked here
    request = rf.post("/login/", REMOTE_ADDR=ATTACKER)
    assert authenticate(request, username="VILLAGE1", password="x") is None  # names are case-insensitive
    assert request.axes_locked_out
    assert attempt(PASSWORD, VICTIM) == world.users["village1"]  # not there

    # LOCKOUT_MINUTES later the failures have aged out of the window
    past = timezone.now() - datetime.timedelta(minutes=settings.LOCKOUT_MINUTES + 1)
    AccessAttempt.objects.filter(username="village1").update(attempt_time=past)
    assert attempt(PASSWORD) == world.users["village1"]


def test_api_token_endpoint_shares_the_lockout(world, client):
    url = "/api/auth/token/"
    for _attempt in range(4):
        assert client.post(url, {"username": "village1", "password": "wrong"}, content_type="application/json",
                           REMOTE_ADDR=ATTACKER).status_code == 400
    # the fifth failure locks the account at this address, for the login page too
    assert client.post(url, {"username": "village1", "password": "wrong"}, content_type="application/json",
                       REMOTE_ADDR=ATTACKER).status_code == 403
    response = client.post(url, {"username": "village1", "password": PASSWORD}, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR=ATTACKER)
    assert response.status_code == 403
    assert response.json() == {"detail": ACCOUNT_LOCKED}
    assert ACCOUNT_LOCKED in post_login(Client(), "village1", PASSWORD, ATTACKER).content.decode()
    assert client.post(url, {"username": "village1", "password": PASSWORD}, content_type="application/json",
                       REMOTE_ADDR=VICTIM).status_code == 200


def test_admin_login_shares_the_lockout(world):
    for _attempt in range(5):
        Client().post("/admin/login/", {"username": "admin", "password": "wrong"}, REMOTE_ADDR=ATTACKER)
    response = Client().post("/admin/login/", {"username": "admin", "password": PASSWORD}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 403
    assert ACCOUNT_LOCKED in response.content.decode()


# --- the client address behind the reverse proxy ------------------------------------------------------


def test_client_address_believes_x_forwarded_for_only_from_the_trusted_proxy(rf):
    with override_settings(TRUSTED_PROXIES=[]):
        assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.7")) == "127.0.0.1"
    with override_settings(TRUSTED_PROXIES=["127.0.0.1", "172.16.0.0/12"]):
        # through the proxy: the address it appended, not what the client wrote before it
        request = rf.get("/", REMOTE_ADDR="172.18.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.7")
        assert client_ip(request) == "10.0.0.7"
        assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.7:51234")) == "10.0.0.7"
        assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
        # straight from a client: its header is not believed
        assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.8", HTTP_X_FORWARDED_FOR="10.0.0.7")) == "10.0.0.8"


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_the_proxy_the_lockout_is_per_real_client(world):
    for _attempt in range(5):
        post_login(Client(), "village1", "wrong", "127.0.0.1", HTTP_X_FORWARDED_FOR=ATTACKER)
    assert ACCOUNT_LOCKED in post_login(Client(), "village1", PASSWORD, "127.0.0.1",
                                        HTTP_X_FORWARDED_FOR=ATTACKER).content.decode()
    # a forged header from the attacker cannot reach the victim's lock either
    assert post_login(Client(), "village1", PASSWORD, "127.0.0.1",
                      HTTP_X_FORWARDED_FOR=f"{ATTACKER}, {VICTIM}").status_code == 302


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
    assert client.post(reverse("assets:asset_add"), {"name": "x"}).status_code == 403
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
from axes.models import AccessAttempt
from django.test import Client, override_settings
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
