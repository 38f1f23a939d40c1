"""Duplicate household ID numbers without probing.

An ID number is unique per village. Entering (or importing) a household whose ID number is
already registered

* in the same village: refused with a clear message (the clerk may see that household anyway);
* in another village: saved, and a ``HouseholdDuplicateCase`` goes to the townships concerned
  and the county to resolve. The answer to the person entering it is the same as for a new
  number, so nobody learns whether a number is registered outside their own scope.

``register_duplicate_cases`` is the one entry point for the web form, the API and the importer.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.choices import DuplicateCaseStatus
from assets.history import change_context
from assets.models import Household, HouseholdDuplicateCase, User
from assets.scoping import CHANGE


def same_village_duplicate(id_number: str, village_id: int | None, *,
                           exclude_pk: int | None = None) -> Household | None:
    """The household of the same village with this ID number, if any."""
    if not id_number or village_id is None:
        return None
    rows = Household.objects.filter(village_id=village_id, id_number=id_number.upper())
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.order_by("pk").first()


def check_same_village(household: Household) -> None:
    """Refuse an ID number already registered in the household's own village (field error)."""
    other = same_village_duplicate(household.id_number, household.village_id, exclude_pk=household.pk)
    if other is not None:
        raise ValidationError({"id_number": _(
            "A household with this ID number is already registered in this village (head of household: %(head)s)."
        ) % {"head": other.head_name}})


def same_village_duplicates(pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Of (village id, ID number) pairs, those already registered: for importers, which may only
    refuse these and must pass the rest to ``register_duplicate_cases`` after saving."""
    wanted = {(village_id, id_number.upper()) for village_id, id_number in pairs if village_id and id_number}
    if not wanted:
        return set()
    rows = Household.objects.filter(
        village_id__in={v for v, _n in wanted}, id_number__in={n for _v, n in wanted}
    ).values_list("village_id", "id_number")
    return {row for row in rows if row in wanted}


@transaction.atomic
def register_duplicate_cases(households: Iterable[Household], *,
                             acting_user: User | None) -> list[HouseholdDuplicateCase]:
    """For each saved household, open a case against every household of another village with the
    same ID number (one open case per pair) and flag both as under review. Returns the new cases;
    never tell the acting user about them."""
    households = [h for h in households if h.pk is not None]
    if not households:
        return []
    numbers = {h.id_number for h in households}
    by_number: dict[str, list[Household]] = {}
    for other in Household.objects.filter(id_number__in=numbers).order_by("pk"):
        by_number.setdefault(other.id_number, []).append(other)
    created: list[HouseholdDuplicateCase] = []
    flagged: set[int] = set()
    with change_context(acting_user, _("Duplicate ID number found")):
        for household in households:
            for other in by_number.get(household.id_number, []):
                if other.pk == household.pk or other.village_id == household.village_id:
                    continue
                pair_open = HouseholdDuplicateCase.objects.filter(status=DuplicateCaseStatus.OPEN).filter(
                    household_id__in=(household.pk, other.pk), other_household_id__in=(household.pk, other.pk))
                if pair_open.exists():
                    continue
                created.append(HouseholdDuplicateCase.objects.create(
                    household=household, other_household=other, created_by=acting_user))
                flagged.update((household.pk, other.pk))
    if flagged:
        # a derived flag (the case carries the history), kept in step with the open cases
        Household.objects.filter(pk__in=flagged).update(duplicate_case_open=True)
        for household in households:
            if household.pk in flagged:
                household.duplicate_case_open = True
    return created


def _refresh_flags(household_ids: Iterable[int]) -> None:
    for pk in set(household_ids):
        still_open = HouseholdDuplicateCase.objects.filter(status=DuplicateCaseStatus.OPEN).filter(
            household_id=pk).exists() or HouseholdDuplicateCase.objects.filter(
            status=DuplicateCaseStatus.OPEN, other_household_id=pk).exists()
        Household.objects.filter(pk=pk).update(duplicate_case_open=still_open)


@transaction.atomic
def do_resolve_duplicate_case(case: HouseholdDuplicateCase, resolution: str, *,
                              acting_user: User) -> HouseholdDuplicateCase:
    """The township (or the county) records how the duplicate was resolved."""
    locked = HouseholdDuplicateCase.objects.restrict(acting_user, CHANGE).select_for_update().get(pk=case.pk)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the duplicate was resolved.")})
    if locked.status != DuplicateCaseStatus.OPEN:
        raise ValidationError({"resolution": _("This case is already resolved.")})
    with change_context(acting_user, _("Duplicate ID number case resolved")):
        locked.status = DuplicateCaseStatus.RESOLVED
        locked.resolution = resolution[:2000]
        locked.resolved_by = acting_user
        locked.resolved_at = timezone.now()
        locked.save()
    _refresh_flags([locked.household_id, locked.other_household_id])
    return locked
