"""Login, logout, lockout, the navigation bar, the language switch and the home page per role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_and_logout(client, world):
    response = client.get(reverse("login"))
    assert response.status_code == 200 and "登录" in response.content.decode()
    response = client.post(reverse("login"), {"username": "village1", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("logout")).status_code == 405  # logout only by POST
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("assets:asset_list")).status_code == 302


def test_wrong_password_then_lockout(client, world, settings):
    settings.LOCKOUT_FAILURES = 3
    for _ in range(2):
        response = client.post(reverse("login"), {"username": "village1", "password": "wrong"})
        assert response.status_code == 200
        assert "请输入一个正确的" in response.content.decode()  # Django's "enter a correct username..."
    response = client.post(reverse("login"), {"username": "village1", "password": "wrong"})
    assert "账号已被锁定 15 分钟" in response.content.decode()
    # locked: even the right password is refused, with the lockout message
    response = client.post(reverse("login"), {"username": "village1", "password": PASSWORD})
    assert response.status_code == 200 and "账号已被锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_navigation_bar_names_user_roles_and_organisation(login, world):
    content = login("village1").get(reverse("home")).content.decode()
    collective = f"{world.villages[0].name}股份经济合作社"
    for text in ("village1", "村级管理员", collective, "资产", "农户", "项目", "退出登录"):
        assert text in content
    assert reverse("audits:history_browser") not in content
    content = login("auditor").get(reverse("home")).content.decode()
    assert "审计监督" in content and reverse("audits:history_browser") in content


def test_language_switch(login, world):
    client = login("village1")
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("assets:asset_list")})
    assert response.status_code == 302
    client.cookies.pop("django_language", None)
    client.cookies["django_language"] = "en"
    content = client.get(reverse("assets:asset_list")).content.decode()
    assert "Asset register" in content and "资产台账" not in content
    client.cookies["django_language"] = "zh-hans"
    assert "资产台账" in client.get(reverse("assets:asset_list")).content.decode()


def test_home_per_role(login, world):
    response = login("village1").get(reverse("home"))
    context = response.context
    assert context["overall"]["count"] == 2 and context["household_count"] == 2
    assert [row["status"] for row in context["by_status"]] == ["in_use"]
    assert {rec.id for rec in context["latest_changes"]} == {a.pk for a in world.assets[0]}
    assert "新增资产" in response.content.decode()

    context = login("township1").get(reverse("home")).context
    assert {row["region_id"]: row["count"] for row in context["by_village"]} == {
        world.villages[0].pk: 2, world.villages[1].pk: 2}

    context = login("dept_water").get(reverse("home")).context
    assert [row["category__name"] for row in context["by_category"]] == ["安全饮水"]
    assert "安全饮水" in context["department_categories"]
    assert context.get("may_add_asset") is False

    for role in ("county", "finance", "auditor"):
        context = login(role).get(reverse("home")).context
        assert context["overall"]["count"] == 8
        assert {row["township_id"]: row["count"] for row in context["by_township"]} == {
            world.townships[0].pk: 4, world.townships[1].pk: 4}
        assert {row["asset_class"] for row in context["by_class"]} == {"public_benefit", "operating"}

    response = login("norole").get(reverse("home"))
    assert response.status_code == 200 and "尚未分配可访问资产台账的角色" in response.content.decode()


def test_error_pages_are_in_chinese(login, world):
    response = login("township1").get(reverse("assets:asset_add"))
    assert response.status_code == 403 and "无权访问" in response.content.decode()
    response = login("village2").get(reverse("assets:asset_detail", args=[world.assets[0][0].pk]))
    assert response.status_code == 404 and "不在您的职责范围内" in response.content.decode()


def test_pages_load_no_inline_script_or_style(login, world):
    client = login("county")
    for url in (reverse("home"), reverse("assets:asset_list"), reverse("assets:asset_add"),
                reverse("assets:asset_detail", args=[world.assets[0][0].pk]), reverse("assets:household_list"),
                reverse("assets:project_add")):
        response = client.get(url)
        content = response.content.decode()
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert "<script>" not in content and " style=" not in content and "<style" not in content
