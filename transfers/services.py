"""What other apps may ask of the transfers app (the only module of it they import)."""

from __future__ import annotations

from typing import Any

from transfers.models import ChangeRegistration


def record_change_registration(**fields: Any) -> ChangeRegistration:
    """变更登记 (四(四)): a later sale, transfer, damage or scrapping of a registered asset. The
    disposal chain records one when a disposal is carried out (四(八)); the caller's
    `change_context` gives its history row who and why."""
    return ChangeRegistration.objects.create(**fields)
