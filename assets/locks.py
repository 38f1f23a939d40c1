"""Which fields of an asset only an approval chain may change, and the one check every way of
editing an asset goes through (the web form, the API serializer, ``update_asset`` and the
``do_*_asset`` actions they call).

The plan gives two chains the say over an asset:

* 四(八) disposal: while a disposal is open (draft, in review or returned) its chain decides the
  asset's status (处置中 on submission, back on withdrawal or rejection, 已处置 when carried
  out), its owner (the proceeds belong to the owner at that moment) and its value (the
  appraisal behind the decision);
* 四(四) ownership transfer: while a transfer is open its chain decides the owner, the ownership
  type and (in the detail ledger it approves) the value; 财政局's 批复 names them.

The statuses 处置中 and 已处置 are set only by the disposal chain; 已处置 is final.

The feature apps register what they know from their ``AppConfig.ready()``, so this module never
imports them: ``register_lock_finder`` adds a function that names the open items holding an
asset, ``register_chain_statuses`` the statuses a chain owns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from assets.models import Asset

StrOrPromise = str | Promise

# The groups of fields a chain decides, and the asset fields in each group.
STATUS_FIELDS = frozenset({"status"})
OWNER_FIELDS = frozenset({"ownership_type", "owner_organisation", "owner_household"})
VALUE_FIELDS = frozenset({"valuation_basis", "valuation_document", "original_value", "appraised_value"})
FIELD_GROUP_LABELS: dict[frozenset[str], StrOrPromise] = {
    STATUS_FIELDS: pgettext_lazy("locked field", "status"),
    OWNER_FIELDS: pgettext_lazy("locked field", "owner"),
    VALUE_FIELDS: pgettext_lazy("locked field", "value"),
}


@dataclass(frozen=True)
class ChainLock:
    """One open item of a chain that holds an asset: e.g. 处置申请 CZ-2026-0012."""

    kind: StrOrPromise  # "disposal application"
    number: str
    fields: frozenset[str]
    url: str = ""


@dataclass(frozen=True)
class ChainStatus:
    status: str
    chain: StrOrPromise  # "the disposal chain"
    final: bool = False  # no chain leads out of it (已处置)


LockFinder = Callable[[Iterable[int]], Mapping[int, list[ChainLock]]]

_finders: list[LockFinder] = []
_chain_statuses: dict[str, ChainStatus] = {}


def register_lock_finder(finder: LockFinder) -> None:
    """``finder(asset_ids) -> {asset_id: [ChainLock, ...]}`` for the assets its chain holds."""
    if finder not in _finders:
        _finders.append(finder)


def register_chain_statuses(*statuses: ChainStatus) -> None:
    for status in statuses:
        _chain_statuses[status.status] = status


def chain_statuses() -> dict[str, ChainStatus]:
    """The status values only a chain sets (status -> who sets it)."""
    return dict(_chain_statuses)


def open_locks(asset_ids: Iterable[int]) -> dict[int, list[ChainLock]]:
    ids = [pk for pk in asset_ids if pk is not None]
    found: dict[int, list[ChainLock]] = {}
    if not ids:
        return found
    for finder in _finders:
        for asset_id, locks in finder(ids).items():
            found.setdefault(asset_id, []).extend(locks)
    return found


def _group_label(name: str) -> StrOrPromise:
    for group, label in FIELD_GROUP_LABELS.items():
        if name in group:
            return label
    return name


def locked_fields(asset: Asset | None) -> dict[str, str]:
    """{field name: why it cannot be changed by hand} for an existing asset; {} for a new one."""
    if asset is None or asset.pk is None:
        return {}
    reasons: dict[str, str] = {}
    for lock in open_locks([asset.pk]).get(asset.pk, []):
        for name in sorted(lock.fields):
            reasons.setdefault(name, _(
                "The asset is in %(kind)s %(number)s; its %(what)s is decided by the approval chain."
            ) % {"kind": lock.kind, "number": lock.number, "what": _group_label(name)})
    current = _chain_statuses.get(asset.status)
    if current is not None and current.final:
        reasons.setdefault("status", _(
            "The asset is %(status)s; its status is final and only %(chain)s sets it."
        ) % {"status": asset.get_status_display(), "chain": current.chain})
    return reasons


def manual_statuses(current: str | None = None) -> list[str]:
    """The statuses a person may choose by hand (plus the current one, to keep it)."""
    from assets.choices import AssetStatus

    return [value for value in AssetStatus.values if value not in _chain_statuses or value == current]


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, models.Model) or isinstance(new, models.Model):
        return getattr(old, "pk", old) == getattr(new, "pk", new)
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return (old is None and new is None) or (
                old is not None and new is not None and Decimal(str(old)) == Decimal(str(new)))
        except ArithmeticError:
            return False
    return (old or "") == (new or "") if isinstance(old, str) or isinstance(new, str) else old == new


def _current(asset: Asset, name: str) -> Any:
    field = asset._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        return getattr(asset, field.attname)
    return getattr(asset, name)


def check_manual_change(asset: Asset | None, data: Mapping[str, Any]) -> None:
    """Refuse a change by hand (form, API, command) of what a chain decides.

    ``asset`` is the record as stored (None when entering a new one); ``data`` the fields the
    person wants to set. Raises ValidationError {field: message} and changes nothing.
    """
    errors: dict[str, str] = {}
    locked = locked_fields(asset)
    for name, reason in locked.items():
        if name in data and not _same(_current(asset, name), data[name]):
            errors[name] = reason
    status = data.get("status")
    if "status" not in errors and status in _chain_statuses and (asset is None or asset.status != status):
        chain = _chain_statuses[status]
        from assets.choices import AssetStatus

        errors["status"] = _(
            "The status “%(status)s” is set only by %(chain)s; it cannot be chosen by hand."
        ) % {"status": AssetStatus(status).label, "chain": chain.chain}
    if errors:
        raise ValidationError(errors)
