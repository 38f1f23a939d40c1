import pytest

from tests.factories import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()
