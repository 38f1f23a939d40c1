"""The choke point itself: who sees which rows."""

import pytest

from assets.models import Asset, Household, Project, Region

pytestmark = pytest.mark.django_db


def visible(model, world, name, action="view"):
    return set(model.objects.restrict(world.user(name), action).values_list("pk", flat=True))


def test_village_clerk_sees_only_own_village(world):
    own = {a.pk for a in world.assets[0]}
    assert visible(Asset, world, "village1") == own
    assert visible(Asset, world, "village1", "change") == own
    assert visible(Household, world, "village1") == {h.pk for h in world.households[0]}
    assert visible(Project, world, "village1") == {world.projects[0].pk}


def test_township_official_reads_township(world):
    expected = {a.pk for i in (0, 1) for a in world.assets[i]}
    assert visible(Asset, world, "township1") == expected
    assert visible(Asset, world, "township1", "change") == set()


def test_department_sees_supervised_categories_county_wide(world):
    expected = set(Asset.objects.filter(category__code="drinking_water").values_list("pk", flat=True))
    assert expected and visible(Asset, world, "dept_water") == expected
    assert visible(Household, world, "dept_water") == set()


def test_county_roles(world):
    everything = set(Asset.objects.values_list("pk", flat=True))
    for name in ("county", "finance", "auditor"):
        assert visible(Asset, world, name) == everything
    assert visible(Asset, world, "auditor", "change") == set()
    assert visible(Asset, world, "norole") == set()


def test_regions_of_a_village_clerk(world):
    names = set(Region.objects.restrict(world.user("village1")).values_list("code", flat=True))
    assert names == {world.county.code, world.townships[0].code, world.villages[0].code}


def test_object_grant_is_an_exception(world):
    from guardian.shortcuts import assign_perm

    outside = world.assets[2][0]
    user = world.user("village1")
    assert outside.pk not in visible(Asset, world, "village1")
    assign_perm("view_asset", user, outside)
    assert outside.pk in visible(Asset, world, "village1")
    assert outside.pk not in visible(Asset, world, "village1", "change")
