"""The workflow tests' world: the shared test world plus the people the chains need that the
register's tests do not (a member of 县委财经委员会, staff of 商工局), with mail addresses."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assets.choices import Role
from assets.models import Organisation, User
from tests.factories import PASSWORD, World, build_world, make_user


def add_workflow_users(world: World) -> World:
    org = Organisation.objects.get
    world.users["committee"] = make_user("committee", Role.FINANCE, org(code="finance_committee"))
    world.users["dept_commerce"] = make_user("dept_commerce", Role.DEPARTMENT_STAFF, org(code="dept_commerce"))
    for name, user in world.users.items():
        if not user.email:
            User.objects.filter(pk=user.pk).update(email=f"{name}@example.test")
    return world


@pytest.fixture
def flow(db) -> World:
    return add_workflow_users(build_world())


@pytest.fixture
def api():
    """api(name) -> an APIClient logged in as that world user."""

    def client_for(name: str) -> APIClient:
        client = APIClient()
        assert client.login(username=name, password=PASSWORD)
        return client

    return client_for


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)
