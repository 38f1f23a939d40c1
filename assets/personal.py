"""Households' personal data: who sees what in full, masking, and the logged "show" action.

* ID numbers: in full for the household's own village clerk and the county roles
  (``Household.id_number_for``), masked for everyone else.
* Phone and address: in full only for the clerk of the household's own village; every other
  role (township, department, county, audit, administrators) sees them masked.
* Anyone who may read the household may ask to see all of it in full, giving a reason: that is
  ``do_reveal_personal_data``, which writes a ``PersonalDataAccess`` row (who, whose, when, why)
  that auditors read.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assets.choices import PersonalDataChannel, Role
from assets.models import Household, PersonalDataAccess, User
from assets.scoping import VIEW, role_grants

REVEALED_FIELDS = ("id_number", "phone", "address")
REASON_MIN_LENGTH = 4
REASON_MAX_LENGTH = 200
# Headers for every response that carries household data: never kept by a browser or a proxy.
NO_STORE = "no-store, no-cache, max-age=0, must-revalidate, private"


def mask_phone(value: str) -> str:
    """138****5678: the first three and last four digits."""
    value = value or ""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_address(value: str) -> str:
    """The first part (usually the township and village) and then ****."""
    value = value or ""
    if not value:
        return ""
    keep = min(6, len(value) // 2)
    return f"{value[:keep]}****"


def is_own_village_clerk(user: Any, village_id: int | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or village_id is None:
        return False
    return any(grant.role == Role.VILLAGE_CLERK and grant.region_id == village_id for grant in role_grants(user))


def contact_for(user: Any, household: Household) -> dict[str, str]:
    """Phone and address as ``user`` may see them without the explicit "show" action."""
    if is_own_village_clerk(user, household.village_id):
        return {"phone": household.phone, "address": household.address}
    return {"phone": mask_phone(household.phone), "address": mask_address(household.address)}


def personal_data_for(user: Any, household: Household) -> dict[str, str]:
    return {"id_number": household.id_number_for(user), **contact_for(user, household)}


def is_fully_visible(user: Any, household: Household) -> bool:
    shown = personal_data_for(user, household)
    return all(shown[name] == (getattr(household, name) or "") for name in REVEALED_FIELDS)


def unmask_unchanged(household: Household, data: dict[str, Any], user: Any) -> dict[str, Any]:
    """A form or API client that sends back the masked value it was shown means "keep it"."""
    shown = personal_data_for(user, household)
    result = dict(data)
    for name in REVEALED_FIELDS:
        if name in result and result[name] == shown[name] and shown[name] != getattr(household, name):
            result[name] = getattr(household, name)
    return result


def clean_reason(reason: Any) -> str:
    text = str(reason or "").strip()
    if len(text) < REASON_MIN_LENGTH:
        raise ValidationError({"reason": _("Give the reason for viewing the full personal data (at least "
                                           "%(count)s characters); it is logged.") % {"count": REASON_MIN_LENGTH}})
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("The reason is at most %(count)s characters.")
                               % {"count": REASON_MAX_LENGTH}})
    return text


@transaction.atomic
def do_reveal_personal_data(household: Household, reason: Any, *, acting_user: User, channel: str,
                            client_ip: str | None = None) -> dict[str, str]:
    """The full ID number, phone and address of a household the user may read, logged with the
    reason. Outside the user's scope the household does not exist for them."""
    if not Household.objects.restrict(acting_user, VIEW).filter(pk=household.pk).exists():
        raise PermissionDenied(_("This record is outside your area of responsibility."))
    text = clean_reason(reason)
    if channel not in PersonalDataChannel.values:
        channel = PersonalDataChannel.WEB
    PersonalDataAccess.objects.create(user=acting_user, household=household, fields=",".join(REVEALED_FIELDS),
                                      reason=text, channel=channel, client_ip=client_ip or None)
    return {name: getattr(household, name) or "" for name in REVEALED_FIELDS}


def client_ip_of(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def no_store(response: Any) -> Any:
    response["Cache-Control"] = NO_STORE
    response["Pragma"] = "no-cache"
    return response


class NoStoreMixin:
    """For views of pages with household data: ``Cache-Control: no-store, private``."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return no_store(super().dispatch(request, *args, **kwargs))  # type: ignore[misc]
