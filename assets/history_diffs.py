"""Readable change history: who, when, why, and each field's old -> new value.

One module for the asset page and the auditors' history browser. Reading N history rows costs a
bounded number of queries whatever N is: previous versions in one query per historical model,
related objects (regions, categories, households ...) in one query per related model, m2m
snapshots in one query per m2m field. The field diff itself is simple-history's
``new.diff_against(old, foreign_keys_are_objs=True)`` over those prefetched objects.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import DeletedObject, HistoricalRecords

from assets.models import (
    Asset,
    AssetBeneficiary,
    AssetFundingLine,
    AssetRegistration,
    Household,
    Project,
    ProjectFundingLine,
    RoleAssignment,
)
from assets.models.households import may_see_full_id
from assets.personal import is_own_village_clerk, mask_address, mask_phone
from assets.validators import mask_id_number

HISTORY_TYPES = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("removed"),
}
EMPTY = "—"
# Related objects whose labels (str()) read another relation.
_LABEL_RELATIONS: dict[type[models.Model], tuple[str, ...]] = {Household: ("village",)}
# Fields holding personal information, shown as the record's own rules allow.
_PERSONAL_FIELDS = {"id_number"}
# A household's phone and address: in full for its own village clerk only (assets/personal.py).
_CONTACT_FIELDS: dict[str, Any] = {"phone": mask_phone, "address": mask_address}
# The web page that shows each tracked model (or its parent): (url name, attribute holding the pk).
_OBJECT_PAGES: dict[type[models.Model], tuple[str, str]] = {
    Asset: ("assets:asset_detail", "id"),
    AssetFundingLine: ("assets:asset_detail", "asset_id"),
    AssetRegistration: ("assets:asset_detail", "asset_id"),
    AssetBeneficiary: ("assets:asset_detail", "asset_id"),
    Household: ("assets:household_detail", "id"),
    Project: ("assets:project_detail", "id"),
    ProjectFundingLine: ("assets:project_detail", "project_id"),
}
# Rows of a child model are named after their parent too: "ZC-001 水井 · 财政专项扶贫资金".
_PARENT_FIELDS: dict[type[models.Model], str] = {
    AssetFundingLine: "asset",
    AssetRegistration: "asset",
    AssetBeneficiary: "asset",
    ProjectFundingLine: "project",
}


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    record: Any
    changes: list[FieldChange] = field(default_factory=list)
    object_label: str = ""
    object_url: str | None = None

    @property
    def model(self) -> type[models.Model]:
        return self.record.instance_type

    @property
    def model_label(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def type_label(self) -> str:
        return str(HISTORY_TYPES.get(self.record.history_type, self.record.history_type))

    @property
    def type_key(self) -> str:
        """created / changed / removed, for CSS classes."""
        return {"+": "created", "~": "changed", "-": "removed"}.get(self.record.history_type, "changed")

    @property
    def history_type(self) -> str:
        return self.record.history_type

    @property
    def user(self) -> Any:
        return self.record.history_user

    @property
    def date(self) -> datetime.datetime:
        return self.record.history_date

    @property
    def reason(self) -> str:
        return self.record.history_change_reason or ""


# --- previous versions ----------------------------------------------------------------------


def previous_subquery(history_model: type[models.Model]) -> Subquery:
    """The history_id of the same object's version just before this row (ties on the date are
    broken by history_id, as rows of one request may share a timestamp)."""
    earlier = history_model.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    return Subquery(earlier.order_by("-history_date", "-history_id").values("history_id")[:1])


def previous_from_annotation(records: Sequence[Any]) -> dict[tuple[type, int], Any]:
    """Fetch the versions named by a ``prev_history_id`` annotation: one query per model."""
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for record in records:
        prev_id = getattr(record, "prev_history_id", None)
        if prev_id is not None:
            wanted[type(record)].add(prev_id)
    fetched: dict[tuple[type, int], Any] = {}
    for history_model, ids in wanted.items():
        for prev in history_model.objects.filter(history_id__in=ids):
            fetched[(history_model, prev.history_id)] = prev
    return {
        (type(record), record.history_id): fetched.get((type(record), record.prev_history_id))
        for record in records
        if getattr(record, "prev_history_id", None) is not None
    }


def previous_in_memory(records: Sequence[Any]) -> dict[tuple[type, int], Any]:
    """Previous versions when ``records`` hold an object's complete history (the asset page)."""
    by_object: dict[tuple[type, Any], list[Any]] = defaultdict(list)
    for record in records:
        by_object[(type(record), record.id)].append(record)
    previous: dict[tuple[type, int], Any] = {}
    for versions in by_object.values():
        versions.sort(key=lambda r: (r.history_date, r.history_id))
        for older, newer in pairwise(versions):
            previous[(type(newer), newer.history_id)] = older
    return previous


# --- bulk loading of related objects ----------------------------------------------------------


def _foreign_keys(history_model: type[models.Model]) -> list[models.ForeignKey]:
    return [
        f for f in history_model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.name != "history_user"
    ]


def _m2m_fields(history_model: type[models.Model]) -> list[models.ManyToManyField]:
    return list(getattr(history_model, "_history_m2m_fields", []))


def _load_m2m(records: Sequence[Any]) -> tuple[dict[tuple[int, str], set[Any]], dict[type, set[Any]]]:
    """Snapshot of every m2m field per history row, and the related ids to fetch."""
    snapshots: dict[tuple[int, str], set[Any]] = {}
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    by_model: dict[type[models.Model], list[Any]] = defaultdict(list)
    for record in records:
        by_model[type(record)].append(record)
    for history_model, rows in by_model.items():
        for m2m in _m2m_fields(history_model):
            through = HistoricalRecords.m2m_models[m2m]
            target = m2m.m2m_reverse_field_name()
            ids = [r.history_id for r in rows]
            for r in rows:
                snapshots[(id(r), m2m.name)] = set()
            row_by_id = {r.history_id: r for r in rows}
            for history_id, target_id in through.objects.filter(history_id__in=ids).values_list(
                "history_id", f"{target}_id"
            ):
                snapshots[(id(row_by_id[history_id]), m2m.name)].add(target_id)
                wanted[m2m.related_model].add(target_id)
    return snapshots, wanted


def prefetch_related(records: Iterable[Any], extra: dict[type, set[Any]] | None = None) -> dict[type, dict]:
    """Fill each row's foreign-key caches with one query per related model; rows pointing at an
    object that no longer exists get None (simple-history then shows a DeletedObject)."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for model, ids in (extra or {}).items():
        wanted[model] |= ids
    plan: list[tuple[Any, models.ForeignKey, Any]] = []
    for record in records:
        for fk in _foreign_keys(type(record)):
            value = getattr(record, fk.attname)
            if value is None or fk.is_cached(record):
                continue
            wanted[fk.related_model].add(value)
            plan.append((record, fk, value))
    fetched = {
        model: model._base_manager.select_related(*_LABEL_RELATIONS.get(model, ())).in_bulk(list(ids))
        for model, ids in wanted.items()
    }
    for record, fk, value in plan:
        fk.set_cached_value(record, fetched[fk.related_model].get(value))
    return fetched


# --- display ----------------------------------------------------------------------------------


def display_value(model_field: models.Field | None, value: Any) -> str:
    """A field value as a clerk reads it: choice labels, object names, yuan with separators."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, DeletedObject):
        # simple-history also wraps an empty foreign key as DeletedObject(pk=None)
        return EMPTY if value.pk is None else _("(deleted record %(pk)s)") % {"pk": value.pk}
    if isinstance(value, models.Model):
        return str(value)
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class _Differ:
    def __init__(self, user: Any):
        self.user = user

    def field_label(self, record: Any, name: str) -> tuple[models.Field | None, str]:
        try:
            model_field = record.instance_type._meta.get_field(name)
        except FieldDoesNotExist:  # a field dropped since the row was written
            return None, name
        return model_field, str(getattr(model_field, "verbose_name", name))

    def show(self, record: Any, name: str, value: Any) -> str:
        model_field, _label = self.field_label(record, name)
        if (name in _PERSONAL_FIELDS and isinstance(value, str) and value
                and not may_see_full_id(self.user, getattr(record, "village_id", None))):
            return mask_id_number(value)
        if (name in _CONTACT_FIELDS and isinstance(value, str) and value and record.instance_type is Household
                and not is_own_village_clerk(self.user, getattr(record, "village_id", None))):
            return _CONTACT_FIELDS[name](value)
        return display_value(model_field, value)

    def snapshot(self, record: Any, m2m: dict[tuple[int, str], set[Any]], related: dict[type, dict]) -> dict:
        """Every editable tracked field of one row, with related objects in place of ids."""
        values: dict[str, Any] = {}
        for model_field in record.tracked_fields:
            if not model_field.editable:
                continue
            if isinstance(model_field, models.ForeignKey):
                values[model_field.name] = getattr(record, model_field.name)
            else:
                values[model_field.name] = getattr(record, model_field.attname)
        for m2m_field in _m2m_fields(type(record)):
            ids = m2m.get((id(record), m2m_field.name), set())
            values[m2m_field.name] = self.m2m_label(m2m_field, ids, related)
        return values

    @staticmethod
    def m2m_label(m2m_field: models.ManyToManyField, ids: set[Any], related: dict[type, dict]) -> str:
        objects = related.get(m2m_field.related_model, {})
        names = sorted(str(objects.get(pk, pk)) for pk in ids)
        return "、".join(names)

    def order(self, record: Any, names: Iterable[str]) -> list[str]:
        position = {f.name: i for i, f in enumerate(record.instance_type._meta.get_fields())}
        return sorted(names, key=lambda n: position.get(n, 10_000))

    def changes(self, record: Any, previous: Any, m2m: dict, related: dict) -> list[FieldChange]:
        if record.history_type == "~" and previous is not None:
            m2m_names = [f.name for f in _m2m_fields(type(record))]
            delta = record.diff_against(previous, excluded_fields=m2m_names, foreign_keys_are_objs=True)
            found = {c.field: (c.old, c.new) for c in delta.changes}
            for name in m2m_names:
                old = self.m2m_label_for(previous, name, m2m, related)
                new = self.m2m_label_for(record, name, m2m, related)
                if old != new:
                    found[name] = (old, new)
            return [self.change(record, name, *found[name]) for name in self.order(record, found)]
        values = self.snapshot(record, m2m, related)
        # the primary key and the parent link say nothing the entry's title does not
        hidden = {record.instance_type._meta.pk.name, _PARENT_FIELDS.get(record.instance_type)}
        shown = {name: value for name, value in values.items() if value not in (None, "") and name not in hidden}
        if record.history_type == "-":
            return [self.change(record, name, value, None) for name, value in shown.items()]
        return [self.change(record, name, None, value) for name, value in shown.items()]

    def m2m_label_for(self, record: Any, name: str, m2m: dict, related: dict) -> str:
        m2m_field = next(f for f in _m2m_fields(type(record)) if f.name == name)
        return self.m2m_label(m2m_field, m2m.get((id(record), name), set()), related)

    def change(self, record: Any, name: str, old: Any, new: Any) -> FieldChange:
        _field, label = self.field_label(record, name)
        return FieldChange(name=name, label=label, old=self.show(record, name, old), new=self.show(record, name, new))


def object_label(record: Any) -> str:
    """A name for the changed object, from the row itself and its prefetched relations (the
    historical row's foreign keys are nullable, so a missing related object reads as "—")."""
    model = record.instance_type
    if model is RoleAssignment:
        role = display_value(model._meta.get_field("role"), record.role)
        return f"{record.user or EMPTY} · {role} · {record.organisation or EMPTY}"
    if model is AssetBeneficiary:
        label = str(record.household or EMPTY)
    elif model in (AssetFundingLine, ProjectFundingLine):
        label = display_value(model._meta.get_field("source"), record.source)
    else:
        instance = model(**{f.attname: getattr(record, f.attname) for f in record.tracked_fields})
        for fk in _foreign_keys(type(record)):
            if fk.is_cached(record) and fk.get_cached_value(record) is not None:
                try:
                    model._meta.get_field(fk.name).set_cached_value(instance, fk.get_cached_value(record))
                except FieldDoesNotExist:  # not on the tracked model any more
                    continue
        try:
            label = str(instance)
        except ObjectDoesNotExist:
            label = f"#{record.id}"
    parent_field = _PARENT_FIELDS.get(model)
    if parent_field:
        parent = getattr(record, parent_field, None)
        if parent is not None:
            return f"{parent} · {label}"
    return label


def object_url(record: Any) -> str | None:
    page = _OBJECT_PAGES.get(record.instance_type)
    if page is None:
        return None
    url_name, attribute = page
    pk = getattr(record, attribute, None)
    return reverse(url_name, args=[pk]) if pk is not None else None


def build_entries(records: Sequence[Any], previous: dict[tuple[type, int], Any], user: Any) -> list[HistoryEntry]:
    """Entries for ``records`` in the given order; ``previous`` maps (history model, history_id)
    to the version before (from ``previous_in_memory`` or ``previous_from_annotation``)."""
    prev_rows = [p for p in previous.values() if p is not None]
    all_rows = [*records, *prev_rows]
    m2m, extra = _load_m2m(all_rows)
    related = prefetch_related(all_rows, extra)
    differ = _Differ(user)
    entries = []
    for record in records:
        prev = previous.get((type(record), record.history_id))
        entries.append(HistoryEntry(
            record=record,
            changes=differ.changes(record, prev, m2m, related),
            object_label=object_label(record),
            object_url=object_url(record),
        ))
    return entries


def object_history(obj: models.Model, user: Any, children: Sequence[tuple[type[models.Model], str]] = ()
                   ) -> list[HistoryEntry]:
    """Every history row of ``obj`` and of its child rows (``children``: model and the foreign
    key column naming ``obj``), newest first."""
    records: list[Any] = list(type(obj).history.filter(id=obj.pk).select_related("history_user"))
    for model, column in children:
        records += list(model.history.filter(**{column: obj.pk}).select_related("history_user"))
    records.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
    return build_entries(records, previous_in_memory(records), user)


def asset_history(asset: Asset, user: Any) -> list[HistoryEntry]:
    """The asset's own history and that of its funding lines, registrations and beneficiary links."""
    return object_history(
        asset, user, [(AssetFundingLine, "asset_id"), (AssetRegistration, "asset_id"), (AssetBeneficiary, "asset_id")]
    )


def project_history(project: Project, user: Any) -> list[HistoryEntry]:
    return object_history(project, user, [(ProjectFundingLine, "project_id")])


def household_history(household: Household, user: Any) -> list[HistoryEntry]:
    """The household's own history and the assets it was linked to or unlinked from as a beneficiary."""
    return object_history(household, user, [(AssetBeneficiary, "household_id")])
