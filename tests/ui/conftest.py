"""Fixtures of the web UI tests: a fast password hasher, logged-in clients, Chinese pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.factories import World


@pytest.fixture
def login(client: Client, world: World) -> Callable[[str], Client]:
    """``login("village1")`` -> the test client, logged in as that user, pages in Chinese."""

    def as_user(name: str) -> Client:
        client.logout()
        client.force_login(world.users[name])
        client.cookies["django_language"] = "zh-hans"
        return client

    return as_user
