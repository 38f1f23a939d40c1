"""The ownership rules of 四(四) (transfers/ownership.py), one question at a time, against the
test world: which owner each class of asset may get, how a cross-village asset is held in shares
that add up to exactly 100%, the suggested shares, the receiving unit and the registrations.

Each refusal is checked by its message (the translated text the user reads), so a rule that
starts refusing for a different reason, or stops refusing, fails here.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from assets.actions import do_create_household
from assets.choices import RegistrationSystem
from assets.models import Organisation
from tests.factories import make_id_number
from tests.workflows.helpers import chinese, collective, make_asset, make_project, org, today
from transfers.choices import OwnershipRule, ShareBasis
from transfers.ownership import (
    LineInput,
    ShareInput,
    allowed_owner_organisations,
    area_villages,
    check_line,
    clean_registrations,
    receiving_unit,
    suggest_shares,
)

pytestmark = pytest.mark.django_db


def refusal(call, field: str = "lines") -> str:
    """The one message of the ValidationError that ``call()`` raises, on ``field``."""
    with pytest.raises(ValidationError) as caught:
        call()
    errors = caught.value.message_dict
    assert list(errors) == [field], errors
    assert len(errors[field]) == 1, errors
    message = errors[field][0]
    assert chinese(message), message
    return message


@pytest.fixture
def cross(flow):
    """A township-level project of the county agriculture bureau covering villages 0 and 1 (in
    township 0), and an operating asset it formed in village 0: the county decides its owner."""
    project = make_project(flow, "XM-OWN-X", implementer=org("agri_bureau"), region=flow.townships[0],
                           covered=[flow.villages[0], flow.villages[1]])
    asset = make_asset(flow, project, category="cold_store", village=flow.villages[0], code="ZC-OWN-X")
    return SimpleNamespace(project=project, asset=asset, c0=collective(flow, 0), c1=collective(flow, 1),
                           c2=collective(flow, 2))


def shares_line(cross, owner: Organisation | None, *shares: tuple[Organisation, str]) -> LineInput:
    return LineInput(asset=cross.asset, owner_organisation=owner,
                     shares=[ShareInput(organisation, Decimal(percent)) for organisation, percent in shares])


def check(cross, line: LineInput, basis: str = ShareBasis.INVESTMENT):
    return check_line(cross.project, line, share_basis=basis)


# --- shares of a cross-village asset --------------------------------------------------------------


def test_shares_adding_up_to_exactly_100_are_accepted(cross):
    checked = check(cross, shares_line(cross, cross.c0, (cross.c0, "60.00"), (cross.c1, "40.00")))
    assert checked.rule == OwnershipRule.CROSS_VILLAGE and checked.ownership_type == "collective"
    assert checked.receiving_organisation == org("agri_bureau")  # the county decides


@pytest.mark.parametrize(("first", "second", "total"), [("60.00", "50.00", "110.00"), ("60.00", "30.00", "90.00"),
                                                        ("99.99", "0.02", "100.01")])
def test_shares_not_adding_up_to_100_are_refused(cross, first, second, total):
    message = refusal(lambda: check(cross, shares_line(cross, cross.c0, (cross.c0, first), (cross.c1, second))))
    assert message == _("The shares of %(asset)s add up to %(total)s%%, not 100%%.") % {
        "asset": cross.asset.code, "total": total}


def test_a_collective_holds_one_share_at_most(cross):
    message = refusal(lambda: check(cross, shares_line(cross, cross.c0, (cross.c0, "50"), (cross.c0, "50"))))
    assert message == _("%(owner)s has more than one share of %(asset)s.") % {"owner": cross.c0,
                                                                              "asset": cross.asset.code}


@pytest.mark.parametrize("percents", [("100", "0"), ("110", "-10"), ("150", "-50"), ("100.00", "-0.01")])
def test_each_share_is_more_than_0_and_at_most_100(cross, percents):
    # the totals here are 100% (or close): only the per-share range refuses them
    line = shares_line(cross, cross.c0, (cross.c0, percents[0]), (cross.c1, percents[1]))
    message = refusal(lambda: check(cross, line))
    assert message == _("A share is more than 0% and at most 100%.")


def test_the_holder_must_be_a_shareholder(cross):
    message = refusal(lambda: check(cross, shares_line(cross, cross.c0, (cross.c1, "100"))))
    assert message == _("The collective that holds %(asset)s must be one of the shareholders.") % {
        "asset": cross.asset.code}


def test_a_cross_village_asset_of_a_collective_needs_shares(cross):
    message = refusal(lambda: check(cross, shares_line(cross, cross.c0)))
    assert message == _("%(asset)s comes from a cross-village project: quantify it in shares across the villages."
                        ) % {"asset": cross.asset.code}


def test_a_state_owner_takes_no_shares(cross):
    bureau = org("agri_bureau")
    message = refusal(lambda: check(cross, shares_line(cross, bureau, (cross.c0, "100"))))
    assert message == _("%(asset)s goes to a state owner; shares are only for village collectives.") % {
        "asset": cross.asset.code}
    checked = check(cross, shares_line(cross, bureau))  # without shares the county may give it to the bureau
    assert (checked.ownership_type, checked.receiving_organisation) == ("state", bureau)


def test_shares_name_their_basis(cross):
    message = refusal(lambda: check(cross, shares_line(cross, cross.c0, (cross.c0, "100")), basis=""),
                      "share_basis")
    assert message == _("Say whether the shares follow the investment ratio or the households covered.")


def test_a_shareholder_is_a_collective_of_a_covered_village(cross):
    for outsider in (cross.c2, org("dept_water")):
        message = refusal(lambda o=outsider: check(
            cross, shares_line(cross, cross.c0, (cross.c0, "50"), (o, "50"))))
        assert message == _("%(owner)s is not the collective of a village the project covers.") % {"owner": outsider}


def test_the_owner_of_a_cross_village_asset_is_in_the_area_or_the_state(cross):
    message = refusal(lambda: check(cross, shares_line(cross, cross.c2, (cross.c2, "100"))))
    assert cross.asset.code in message and cross.c2.name in message
    allowed = set(allowed_owner_organisations(cross.project, OwnershipRule.CROSS_VILLAGE))
    assert {cross.c0, cross.c1, org("agri_bureau"), org("dept_water")} <= allowed and cross.c2 not in allowed


# --- the other rules ------------------------------------------------------------------------------


def test_shares_only_for_cross_village_assets(flow):
    workshop = flow.assets[0][1]  # village 0's own project: village-only
    line = LineInput(asset=workshop, owner_organisation=collective(flow, 0),
                     shares=[ShareInput(collective(flow, 0), Decimal(100))])
    message = refusal(lambda: check_line(flow.projects[0], line, share_basis=ShareBasis.INVESTMENT))
    assert message == _("Only assets of cross-village projects are held in shares (%(asset)s).") % {
        "asset": workshop.code}


def test_village_only_asset_goes_to_its_own_collective(flow):
    workshop = flow.assets[0][1]
    checked = check_line(flow.projects[0], LineInput(asset=workshop, owner_organisation=collective(flow, 0)),
                         share_basis="")
    assert (checked.rule, checked.receiving_organisation) == (OwnershipRule.VILLAGE_ONLY, collective(flow, 0))
    for owner in (collective(flow, 1), org("agri_bureau")):
        message = refusal(lambda o=owner: check_line(
            flow.projects[0], LineInput(asset=workshop, owner_organisation=o), share_basis=""))
        assert message == _("%(asset)s comes from a project of one village: its owner is that village's collective, "
                            "not %(owner)s.") % {"asset": workshop.code, "owner": owner}


def test_public_benefit_owner_is_the_implementing_level_or_a_covered_collective(flow):
    project = make_project(flow, "XM-OWN-PB", implementer=org("dept_water"), region=flow.townships[0],
                           covered=[flow.villages[0]])
    water = make_asset(flow, project, category="drinking_water", village=flow.villages[0], code="ZC-OWN-PB")
    for owner, kind in ((org("dept_water"), "state"), (collective(flow, 0), "collective")):
        checked = check_line(project, LineInput(asset=water, owner_organisation=owner), share_basis="")
        assert (checked.rule, checked.ownership_type, checked.receiving_organisation) == (
            OwnershipRule.PUBLIC_BENEFIT, kind, owner)
    for owner in (collective(flow, 2), org("dept_commerce")):
        message = refusal(lambda o=owner: check_line(
            project, LineInput(asset=water, owner_organisation=o), share_basis=""))
        assert message == _("%(asset)s is a public-benefit asset: its owner is the implementing unit or the "
                            "collective of a village the project covers, not %(owner)s.") % {
            "asset": water.code, "owner": owner}


def test_a_line_names_an_asset_of_the_project_that_can_still_move(flow):
    other = flow.assets[1][1]
    message = refusal(lambda: check_line(
        flow.projects[0], LineInput(asset=other, owner_organisation=collective(flow, 0)), share_basis=""))
    assert message == _("%(asset)s was not formed by this project.") % {"asset": other.code}
    workshop = flow.assets[0][1]
    for status in ("under_disposal", "disposed"):
        workshop.status = status
        message = refusal(lambda: check_line(
            flow.projects[0], LineInput(asset=workshop, owner_organisation=collective(flow, 0)), share_basis=""))
        assert workshop.code in message


def test_an_organisation_asset_needs_an_organisation_owner(flow):
    workshop = flow.assets[0][1]
    message = refusal(lambda: check_line(flow.projects[0], LineInput(asset=workshop), share_basis=""))
    assert message == _("Choose the owner of %(asset)s.") % {"asset": workshop.code}
    message = refusal(lambda: check_line(
        flow.projects[0], LineInput(asset=workshop, owner_household=flow.households[0][0]), share_basis=""))
    assert message == _("%(asset)s is not a household asset: its owner is an organisation.") % {
        "asset": workshop.code}


def test_household_assets_belong_to_a_household_of_the_area(flow):
    project = flow.projects[0]
    cattle = make_asset(flow, project, category="livestock", village=flow.villages[0], code="ZC-OWN-H",
                        household=flow.households[0][0])
    ok = check_line(project, LineInput(asset=cattle, owner_household=flow.households[0][1]), share_basis="")
    assert (ok.rule, ok.ownership_type, ok.receiving_organisation) == (
        OwnershipRule.HOUSEHOLD, "household", collective(flow, 0))
    assert not allowed_owner_organisations(project, OwnershipRule.HOUSEHOLD).exists()
    message = refusal(lambda: check_line(
        project, LineInput(asset=cattle, owner_organisation=collective(flow, 0)), share_basis=""))
    assert message == _("%(asset)s is a household asset: it belongs to a household.") % {"asset": cattle.code}
    message = refusal(lambda: check_line(project, LineInput(asset=cattle), share_basis=""))
    assert message == _("Choose the household that owns %(asset)s.") % {"asset": cattle.code}
    stranger = flow.households[2][0]
    message = refusal(lambda: check_line(project, LineInput(asset=cattle, owner_household=stranger),
                                                share_basis=""))
    assert message == _("%(household)s does not live in the area of the project.") % {"household": stranger}
    Organisation.objects.filter(pk=collective(flow, 0).pk).update(is_active=False)
    message = refusal(lambda: check_line(
        project, LineInput(asset=cattle, owner_household=flow.households[0][1]), share_basis=""))
    assert message == _("The village of %(household)s has no collective economic organisation.") % {
        "household": flow.households[0][1]}


def test_a_project_covering_the_county_covers_every_village(flow):
    project = make_project(flow, "XM-OWN-C", implementer=org("agri_bureau"), region=flow.county, covered=[])
    assert set(area_villages(project)) == set(flow.villages)


# --- the receiving unit -------------------------------------------------------------------------


def test_one_transfer_goes_to_one_receiving_unit(flow):
    message = refusal(lambda: receiving_unit([]))
    assert message == _("List at least one asset to transfer.")
    units = [SimpleNamespace(receiving_organisation=collective(flow, i)) for i in (0, 1)]
    message = refusal(lambda: receiving_unit(units))
    assert collective(flow, 0).name in message and collective(flow, 1).name in message
    assert receiving_unit(units[:1] * 2) == collective(flow, 0)


# --- suggested shares (四(四)1 二) -----------------------------------------------------------------


def add_household(flow, index: int, **flags) -> None:
    village = flow.villages[index]
    do_create_household({"head_name": f"新户{index}", "id_number": make_id_number(village.code, 900 + index),
                         "village": village, "members_count": 3, **flags}, acting_user=flow.user("county"))


def test_suggested_shares_by_households_covered(flow, cross):
    # two poverty-alleviated households in each village of the world; one more (monitored) in
    # village 0, and one that is neither, which does not count
    add_household(flow, 0, is_monitored=True)
    add_household(flow, 1)
    rows = suggest_shares(cross.project, ShareBasis.HOUSEHOLDS)
    assert [(o, p, w) for o, p, w in rows] == [(cross.c0, Decimal("60.00"), Decimal(3)),
                                               (cross.c1, Decimal("40.00"), Decimal(2))]


def test_suggested_shares_by_investment_add_up_to_exactly_100(flow):
    project = make_project(flow, "XM-OWN-3", implementer=org("agri_bureau"), region=flow.county, covered=[])
    v = flow.villages
    rows = suggest_shares(project, ShareBasis.INVESTMENT, {v[0].pk: Decimal(100), v[1].pk: Decimal(100),
                                                           v[2].pk: Decimal(100)})
    percents = [percent for _org, percent, _w in rows]
    assert sum(percents) == Decimal("100.00")
    # 33.33 each, the 0.01 of rounding on the (first) largest share; village 3 invested nothing
    assert sorted(percents) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert {o for o, _p, _w in rows} == {collective(flow, i) for i in range(3)}
    rows = suggest_shares(project, ShareBasis.INVESTMENT, {v[0].pk: Decimal(1), v[3].pk: Decimal(3)})
    assert [(o, p) for o, p, _w in rows] == [(collective(flow, 0), Decimal("25.00")),
                                             (collective(flow, 3), Decimal("75.00"))]
    assert suggest_shares(project, ShareBasis.INVESTMENT) == []  # no weight at all: nothing to suggest


def test_suggested_shares_skip_a_village_without_collective(flow, cross):
    Organisation.objects.filter(pk=cross.c1.pk).update(is_active=False)
    rows = suggest_shares(cross.project, ShareBasis.HOUSEHOLDS)
    # the remainder goes to the largest share: the shares still add up to 100%
    assert [(o, p) for o, p, _w in rows] == [(cross.c0, Decimal("100.00"))]


# --- registrations of the last step --------------------------------------------------------------


def test_registrations_cover_every_system_of_every_asset():
    lines = [SimpleNamespace(asset_id=1, ownership_type="collective"), SimpleNamespace(asset_id=2,
                                                                                       ownership_type="household")]
    day, approved = today(), today() - datetime.timedelta(days=3)

    def row(asset: object, system: str, number: str = "DJ-1", registered_on: object = None) -> dict:
        return {"asset": asset, "system": system, "number": number,
                "registered_on": day.isoformat() if registered_on is None else registered_on}

    complete = [row(1, "collective_platform"), row("1", "revitalization_system", " DJ-2 "),
                row(2, "revitalization_system", registered_on=day)]
    cleaned = clean_registrations(lines, complete, not_before=approved, today=day)
    assert cleaned == [
        {"asset": 1, "system": "collective_platform", "number": "DJ-1", "registered_on": day.isoformat()},
        {"asset": 1, "system": "revitalization_system", "number": "DJ-2", "registered_on": day.isoformat()},
        {"asset": 2, "system": "revitalization_system", "number": "DJ-1", "registered_on": day.isoformat()},
    ]
    refusals = {
        _("Each registration names an asset and a system."): [row("x", "collective_platform"), row(None, "x")],
        _("A registration names an asset or system that this transfer does not need."): [
            row(2, "collective_platform"), row(3, "revitalization_system")],
        _("Each registration needs its number and date."): [
            row(1, "collective_platform", number="  "), row(1, "collective_platform", registered_on="2026-13-40"),
            row(1, "collective_platform", registered_on=None) | {"registered_on": None}],
        _("A registration is dated between the approval and today."): [
            row(1, "collective_platform", registered_on=approved - datetime.timedelta(days=1)),
            row(1, "collective_platform", registered_on=(day + datetime.timedelta(days=1)).isoformat())],
    }
    for expected, bad_rows in refusals.items():
        for bad in bad_rows:
            message = refusal(lambda b=bad: clean_registrations(lines, [b, *complete[1:]], not_before=approved,
                                                                today=day), "registrations")
            assert message == expected, bad
    message = refusal(lambda: clean_registrations(lines, complete[1:], not_before=approved, today=day),
                      "registrations")
    assert message == _("Registrations are missing in: %(systems)s.") % {
        "systems": RegistrationSystem.COLLECTIVE_PLATFORM.label}
    # without an approval date only today bounds the date
    assert clean_registrations(lines, complete, not_before=None, today=day) == cleaned
