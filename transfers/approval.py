"""资产移交批复: whom the transfer approval names (the PDF itself is made by workflow/pdf.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

RECIPIENTS_NAMED = 10  # past this many owners the sentence names the first ones and counts the rest


def approval_parties(transfer: Any, lines: Iterable[Any]) -> dict[str, str]:
    """Whom the transfer approval names as receiving the assets: the owners in its table (四(四)).

    A cross-village project's assets go to the village collectives holding the shares, a
    household's to the household, the others to each line's owner; ``transfer.receiving_organisation``
    is only the unit that carries the transfer out (for a cross-village project, the county
    bureau), so it is copied, with the implementing unit, not named as the recipient."""
    recipients: list[str] = []
    organisations: list[str] = []

    def add(name: str, *, organisation: bool) -> None:
        if name and name not in recipients:
            recipients.append(name)
        if organisation and name and name not in organisations:
            organisations.append(name)

    for line in lines:
        shares = list(line.shares.all())
        if shares:
            for share in shares:
                add(share.organisation.name, organisation=True)
        elif line.owner_household_id:
            household = line.owner_household
            add(f"{household.head_name}（{household.village.name}）", organisation=False)
        elif line.owner_organisation_id:
            add(line.owner_organisation.name, organisation=True)
    named = "、".join(recipients[:RECIPIENTS_NAMED])
    if len(recipients) > RECIPIENTS_NAMED:
        with translation.override(settings.LANGUAGE_CODE):
            named = _("%(names)s and others, %(count)s owners in all") % {"names": named, "count": len(recipients)}
    receiving = transfer.receiving_organisation.name if transfer.receiving_organisation_id else ""
    copies = list(organisations)
    for name in (receiving, transfer.project.implementing_organisation.name):
        if name and name not in copies:
            copies.append(name)
    return {"recipients": named or receiving, "copy_to": "、".join(copies)}
