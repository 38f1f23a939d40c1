"""Fixtures of the API tests: clients authenticated with a token (obtained from the token
endpoint, as a real client would) or with a browser session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from tests.factories import PASSWORD, World


def token_for(role: str) -> str:
    response = APIClient().post("/api/auth/token/", {"username": role, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def api(world: World) -> Callable[[str], APIClient]:
    """``api("village1")``: a client sending that user's token."""

    def make(role: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(role)}")
        return client

    return make


@pytest.fixture
def session_api(world: World) -> Callable[[str], APIClient]:
    """``session_api("village1")``: a client logged in through the session, like a browser."""

    def make(role: str) -> APIClient:
        client = APIClient()
        assert client.login(username=role, password=PASSWORD)
        return client

    return make
