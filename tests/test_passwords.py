"""Passwords (issue 7, item 9): the hasher, the history of the last five, the change-password page,
the forced change for accounts an administrator set up, and seed_demo under production settings."""

from __future__ import annotations

import re
import secrets
from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from assets.demo.seeder import DEFAULT_PASSWORD
from assets.models import PasswordHistory, User
from assets.passwords import do_change_password
from config.settings import base
from tests.factories import PASSWORD
from tests.test_security import PRODUCTION

PASSWORDS = [f"Tarim-Poplar-{n}{n}x!" for n in range(1, 8)]


# --- the hasher -----------------------------------------------------------------------------------------


def test_argon2_is_the_first_hasher_and_older_hashes_still_work(db):
    # (tests/conftest.py swaps in MD5 for speed; these are the deployment's settings)
    assert base.PASSWORD_HASHERS[0] == "assets.passwords.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        encoded = make_password(PASSWORDS[0])
        assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
        assert identify_hasher(encoded).algorithm == "argon2"

        # a user whose hash is from before (PBKDF2) still logs in, and is rehashed with Argon2
        user = User.objects.create_user("old_hash")
        User.objects.filter(pk=user.pk).update(password=make_password(PASSWORDS[0], hasher="pbkdf2_sha256"))
        assert Client().login(username="old_hash", password=PASSWORDS[0])
        assert User.objects.get(pk=user.pk).password.startswith("argon2$")


# --- history: not one of the last five ---------------------------------------------------------------------


def test_the_last_five_passwords_cannot_be_used_again(world):
    user = world.user("village1")
    for password in PASSWORDS[:6]:
        do_change_password(user, password, acting_user=user)
    # the five most recent (the current one included) are refused, in Chinese
    for password in PASSWORDS[1:6]:
        with pytest.raises(ValidationError) as caught:
            validate_password(password, user)
        assert caught.value.messages == ["不能使用最近 5 次用过的密码。"]
    validate_password(PASSWORDS[0], user)  # six changes ago: allowed again
    validate_password(PASSWORDS[6], user)
    assert PasswordHistory.objects.filter(user=user).count() == 5  # no more hashes kept than needed


def test_a_password_set_before_the_history_existed_counts_too(world):
    user = world.user("village2")
    PasswordHistory.objects.filter(user=user).delete()
    with pytest.raises(ValidationError):
        validate_password(PASSWORD, user)


# --- the change-password page --------------------------------------------------------------------------------


def test_every_user_can_change_their_password_from_the_header(world):
    client = Client()
    client.force_login(world.user("township1"))
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("password_change")}"' in home and "修改密码" in home
    assert f'href="{reverse("account")}"' in home and "我的账户" in home

    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "原密码" in text and "新密码" in text

    # refused with the policy's reasons, in Chinese; nothing changes
    response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "Maigaiti2026",
                                                        "new_password2": "Maigaiti2026"})
    assert response.status_code == 200
    assert "本地词（maigaiti）" in response.content.decode()
    assert world.user("township1").check_password(PASSWORD)

    response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": PASSWORDS[0],
                                                        "new_password2": PASSWORDS[0]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account")
    assert "密码已修改" in response.content.decode()
    assert world.user("township1").check_password(PASSWORDS[0])
    assert client.get(reverse("home")).status_code == 200  # still logged in here


# --- the forced change ---------------------------------------------------------------------------------------


def admin_client(world) -> Client:
    client = Client()
    client.force_login(world.user("admin"))
    return client


def test_an_account_created_by_an_administrator_must_change_its_password(world):
    response = admin_client(world).post(reverse("admin:assets_user_add"), {
        "username": "newclerk", "full_name": "新村文书", "password1": PASSWORDS[0], "password2": PASSWORDS[0],
        "role_assignments-TOTAL_FORMS": "0", "role_assignments-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="newclerk").must_change_password

    client = Client()
    response = client.post(reverse("login"), {"username": "newclerk", "password": PASSWORDS[0]}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("password_change"))
    assert "请先设置您自己的密码" in response.content.decode()
    # every page leads there, and the API answers 403 in JSON
    assert client.get(reverse("assets:asset_list")).url.startswith(reverse("password_change"))
    api = client.get("/api/assets/")
    assert api.status_code == 403
    assert api.json()["code"] == "password_change_required" and "修改密码" in api.json()["detail"]

    # a token works only to change the password
    token = APIClient().post("/api/auth/token/", {"username": "newclerk", "password": PASSWORDS[0]},
                             format="json").json()
    assert token["password_change_required"] is True
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    refused = token_client.get("/api/assets/")
    assert refused.status_code == 403 and refused.json()["detail"].startswith("请先修改密码")

    # the same password is refused (it is in the history), a new one frees the account
    response = client.post(reverse("password_change"), {"old_password": PASSWORDS[0], "new_password1": PASSWORDS[0],
                                                        "new_password2": PASSWORDS[0]})
    assert response.status_code == 200 and User.objects.get(username="newclerk").must_change_password
    response = client.post(reverse("password_change"), {"old_password": PASSWORDS[0], "new_password1": PASSWORDS[1],
                                                        "new_password2": PASSWORDS[1], "next": "/assets/"})
    assert response.status_code == 302 and response.url == "/assets/"
    assert not User.objects.get(username="newclerk").must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_a_password_set_by_an_administrator_must_be_changed(world):
    user = world.user("village2")
    response = admin_client(world).post(reverse("admin:auth_user_password_change", args=[user.pk]),
                                        {"password1": PASSWORDS[2], "password2": PASSWORDS[2]})
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(PASSWORDS[2])


def test_the_api_password_change_ends_a_forced_change(world):
    user = world.user("village1")
    user.must_change_password = True
    user.save()
    client = APIClient()
    token = client.post("/api/auth/token/", {"username": "village1", "password": PASSWORD}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert client.get("/api/assets/").status_code == 403
    response = client.post("/api/auth/password/", {"old_password": PASSWORD, "new_password": PASSWORDS[3]},
                           format="json")
    assert response.status_code == 204
    assert not User.objects.get(pk=user.pk).must_change_password


# --- seed_demo under production settings -----------------------------------------------------------------------


def test_seed_demo_refuses_production_settings(run_python):
    result = run_python(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('seed_demo', assets=0, no_workflows=True)",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45), **PRODUCTION,
    )
    assert result.returncode != 0
    assert "CommandError" in result.stderr and "--allow-production" in result.stderr


@override_settings(PRODUCTION_SETTINGS=True)
def test_seed_demo_in_production_when_told_gives_admin_a_random_password(db):
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo", assets=0, no_workflows=True, stdout=StringIO())
    assert not User.objects.exists()

    out = StringIO()
    call_command("seed_demo", assets=0, no_workflows=True, allow_production=True, stdout=out)
    admin = User.objects.get(username="admin")
    assert not admin.check_password(DEFAULT_PASSWORD)
    printed = re.search(r"admin's password \(shown only now; change it after logging in\): (\S+)", out.getvalue())
    assert printed and admin.check_password(printed.group(1))
    validate_password(printed.group(1), User(username="admin"))  # meets the policy
    # the other demo accounts have the published password, and must change it at their first login
    clerk = User.objects.get(username="village1")
    assert clerk.check_password(DEFAULT_PASSWORD) and clerk.must_change_password

    # a --password in production must meet the policy
    with pytest.raises(CommandError, match="--password"):
        call_command("seed_demo", assets=0, no_workflows=True, allow_production=True, password="Demo@2026",
                     stdout=StringIO())
    # one of the operator's own that does is not published: no forced change
    call_command("seed_demo", assets=0, no_workflows=True, allow_production=True, password=PASSWORDS[4],
                 stdout=StringIO())
    county = User.objects.get(username="county")
    assert county.check_password(PASSWORDS[4]) and not county.must_change_password
    assert not User.objects.get(username="admin").check_password(PASSWORDS[4])


def test_seed_demo_on_the_embedded_default_keeps_the_published_demo_accounts(db):
    call_command("seed_demo", assets=0, no_workflows=True, stdout=StringIO())
    for username in ("admin", "village1", "county"):
        user = User.objects.get(username=username)
        assert user.check_password(DEFAULT_PASSWORD) and not user.must_change_password
    assert check_password(DEFAULT_PASSWORD, User.objects.get(username="admin").password)
