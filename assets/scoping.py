"""The one scoping choke point: which rows a user may see or touch.

Every domain model's default manager is a ``RestrictedQuerySet``; views and API viewsets get
their querysets only through ``Model.objects.restrict(user, action)`` (NetBox's pattern). A
query over rows that are not a model's own (its simple-history table, a raw query) applies the
same rule with ``scope_condition(user, Model, action)``. Names starting with ``_`` are this
module's own: nothing else imports them (tests/test_scoping_choke_point.py checks).

Two questions are kept apart:
* may this role do ``action`` on this model at all?  ``PERMISSIONS`` below; no  -> 403;
* which rows?  the role's organisation fixes them (a village, a township, a department's
  categories, or the whole county); a row outside them -> 404.
Per-object exceptions are django-guardian direct-FK grants, ORed in only for users who hold
any (granting per row does not scale: ~10 s to grant 30,000 rows to 6 users).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q

from assets.choices import OrganisationKind, Role

if TYPE_CHECKING:
    from assets.models import User

VIEW = "view"
ADD = "add"
CHANGE = "change"
ACTIONS = (VIEW, ADD, CHANGE)  # nothing is ever hard-deleted, so there is no "delete"

_R = frozenset({VIEW})
_RW = frozenset({VIEW, ADD, CHANGE})
_OWN = frozenset({VIEW, ADD})  # private records (owner_field): ask for / upload, then read one's own

# Who may do what, per role and model key (Model.scope_key). 五: village clerks enter
# assets and households of their village; township officials and department staff read within
# their scope; the county agriculture bureau and finance work county-wide; auditors read all.
PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.VILLAGE_CLERK: {"asset": _RW, "household": _RW, "project": _R, "region": _R, "organisation": _R,
                         "transfer": _RW, "disposal": _RW,
                         "ledger_export_job": _OWN, "import_batch": _OWN},
    Role.TOWNSHIP_OFFICIAL: {"asset": _R, "household": _R, "project": _R, "region": _R, "organisation": _R,
                             "ledger": _R, "transfer": _RW, "disposal": _RW,
                             "ledger_export_job": _OWN},
    Role.DEPARTMENT_STAFF: {"asset": _R, "project": _R, "region": _R, "organisation": _R, "ledger": _R,
                            "transfer": _RW, "disposal": _RW,
                            "ledger_export_job": _OWN},
    Role.COUNTY_AGRI: {"asset": _RW, "household": _RW, "project": _RW, "region": _R, "organisation": _R,
                       "ledger": _RW, "transfer": _RW, "disposal": _RW,
                       "ledger_export_job": _OWN, "import_batch": _OWN},
    Role.FINANCE: {"asset": _RW, "household": _RW, "project": _RW, "region": _R, "organisation": _R,
                   "ledger": _RW, "transfer": _R, "disposal": _R,
                   "ledger_export_job": _OWN, "import_batch": _OWN},
    Role.AUDITOR: {"asset": _R, "household": _R, "project": _R, "region": _R, "organisation": _R,
                   "history": _R, "ledger": _R, "transfer": _R, "disposal": _R,
                   "ledger_export_job": _OWN},
    Role.ADMIN: {"asset": _R, "household": _R, "project": _R, "region": _RW, "organisation": _RW,
                 "history": _R, "ledger": _RW, "transfer": _R, "disposal": _R,
                 "ledger_export_job": _OWN},
}
# "household_duplicate": an ID number registered in two villages goes to the townships concerned
# (view, and change = resolve) and the county; village clerks are never told (it would reveal a
# record outside their village). "personal_data_access": the log of full views of personal
# data, read by auditors.
PERMISSIONS[Role.TOWNSHIP_OFFICIAL]["household_duplicate"] = frozenset({VIEW, CHANGE})
PERMISSIONS[Role.COUNTY_AGRI]["household_duplicate"] = frozenset({VIEW, CHANGE})
PERMISSIONS[Role.FINANCE]["household_duplicate"] = _R
PERMISSIONS[Role.AUDITOR].update(household_duplicate=_R, personal_data_access=_R)
PERMISSIONS[Role.ADMIN].update(household_duplicate=_R, personal_data_access=_R)
# "ledger" (ledgers app): view = the 账账相符 check results (mismatches per township/department);
# add = start a check run. "ledger_export_job" (四(三)): every role that may view assets may ask
# for an export of its own scope (add) and read its own jobs (view), nobody else's
# (LedgerExportJob.owner_field). "import_batch": the roles that may add assets, households or
# projects may upload a file and read their own uploads (which kinds: ledgers/forms.py).
# "transfer" and "disposal" (四(四), 四(八)): who may see ownership transfers and disposals, and
# who may apply (add) and change their own applications (change). Deciding a step is the chain's
# business (workflow/engine.py: the step's role in the step's organisation), not this table.
COUNTY_WIDE_ROLES = frozenset({Role.COUNTY_AGRI, Role.FINANCE, Role.AUDITOR, Role.ADMIN})
# Which organisation kinds may hold which role (checked when a role is assigned).
ROLE_ORGANISATION_KINDS: dict[str, frozenset[str]] = {
    Role.VILLAGE_CLERK: frozenset({OrganisationKind.VILLAGE_COLLECTIVE}),
    Role.TOWNSHIP_OFFICIAL: frozenset({OrganisationKind.TOWNSHIP_GOVERNMENT}),
    Role.DEPARTMENT_STAFF: frozenset({OrganisationKind.DEPARTMENT}),
    Role.COUNTY_AGRI: frozenset({OrganisationKind.AGRI_BUREAU}),
    Role.FINANCE: frozenset({OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_COMMITTEE}),
    Role.AUDITOR: frozenset({OrganisationKind.AUDIT_BUREAU, OrganisationKind.DISCIPLINE_COMMISSION}),
    Role.ADMIN: frozenset({OrganisationKind.COUNTY_GOVERNMENT}),
}


@dataclass(frozen=True)
class ActionScope:
    """The rows one user may ``action`` on one model, as region/department keys."""

    everything: bool = False
    village_ids: frozenset[int] = field(default_factory=frozenset)
    township_ids: frozenset[int] = field(default_factory=frozenset)
    department_ids: frozenset[int] = field(default_factory=frozenset)
    # townships that contain the user's villages (to show a village clerk its township's name)
    parent_township_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.everything or self.village_ids or self.township_ids or self.department_ids)


@dataclass(frozen=True)
class RoleGrant:
    role: str
    organisation_id: int
    region_id: int | None
    region_level: str | None
    township_id: int | None


def role_grants(user: User) -> list[RoleGrant]:
    """The user's active role assignments, read once per user object."""
    cached = getattr(user, "_bangfu_grants", None)
    if cached is not None:
        return cached
    grants: list[RoleGrant] = []
    if user.is_authenticated and user.is_active:
        from assets.models import RoleAssignment

        rows = RoleAssignment.objects.filter(user=user, is_active=True).values_list(
            "role", "organisation_id", "organisation__region_id", "organisation__region__level",
            "organisation__region__township_id",
        )
        grants = [RoleGrant(*row) for row in rows]
    user._bangfu_grants = grants
    return grants


def roles_of(user: User) -> set[str]:
    roles = {grant.role for grant in role_grants(user)}
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMIN)
    return roles


def has_permission(user: User, scope_key: str, action: str) -> bool:
    """May any of the user's roles do ``action`` on this kind of record at all?"""
    return any(action in PERMISSIONS.get(role, {}).get(scope_key, ()) for role in roles_of(user))


def action_scope(user: User, scope_key: str, action: str) -> ActionScope:
    cache: dict[tuple[str, str], ActionScope] = user.__dict__.setdefault("_bangfu_scopes", {})
    key = (scope_key, action)
    if key in cache:
        return cache[key]
    villages: set[int] = set()
    townships: set[int] = set()
    departments: set[int] = set()
    parents: set[int] = set()
    everything = bool(getattr(user, "is_superuser", False)) and action in PERMISSIONS[Role.ADMIN].get(
        scope_key, ()
    )
    for grant in role_grants(user):
        if action not in PERMISSIONS.get(grant.role, {}).get(scope_key, ()):
            continue
        if grant.role in COUNTY_WIDE_ROLES:
            everything = True
        elif grant.role == Role.VILLAGE_CLERK and grant.region_id:
            villages.add(grant.region_id)
            if grant.township_id:
                parents.add(grant.township_id)
        elif grant.role == Role.TOWNSHIP_OFFICIAL and grant.township_id:
            townships.add(grant.township_id)
        elif grant.role == Role.DEPARTMENT_STAFF:
            departments.add(grant.organisation_id)
    scope = ActionScope(
        everything=everything,
        village_ids=frozenset(villages),
        township_ids=frozenset(townships),
        department_ids=frozenset(departments),
        parent_township_ids=frozenset(parents),
    )
    cache[key] = scope
    return scope


# A condition no row meets (Django answers it without a query).
NOTHING = Q(pk__in=[])


def sees_everything(user: User, scope_key: str, action: str) -> bool:
    """Does the user's ``action`` on ``scope_key`` records reach the whole county (a county-wide
    role)? For pages that say so; the rows themselves still come from ``restrict``."""
    return user is not None and user.is_authenticated and action_scope(user, scope_key, action).everything


def scope_condition(user: User | None, model: type[models.Model], action: str, *, object_id: str = "pk") -> Q:
    """The condition ``model.objects.restrict(user, action)`` applies, as a ``Q`` over the scope
    columns of ``model``: the one rule, for querysets that are not ``model``'s own.

    * A simple-history table carries the same scope columns as its model, so the register as it
      stood on a day is scoped with ``HistoricalAsset.objects.filter(scope_condition(user, Asset,
      VIEW, object_id="id"))``; ``object_id`` names the column holding the record's id there (the
      historical table's pk is ``history_id``), which the object-grant ``EXISTS`` is joined on.
    * A raw SQL query scopes a subquery: ``Asset.objects.filter(scope_condition(...)).values("id")``.

    Parts, ORed: the rows the user's role assignments cover (``model.scope_q`` of the
    ``ActionScope``), or ``Q()`` for a county-wide role; django-guardian direct-FK grants
    (``model.object_grant_model``), as an ``EXISTS`` only for users who hold any. A model with an
    ``owner_field`` (export jobs, import batches) holds records private to one user: any role
    allowed the action reaches its own rows and no other, county-wide roles included.
    Anonymous users and unknown actions get ``NOTHING``.
    """
    if action not in ACTIONS or user is None or not user.is_authenticated:
        return NOTHING
    scoped: Any = model  # a ScopedModel, or a model declaring the same (scope_key, scope_q, …)
    owner_field: str | None = getattr(scoped, "owner_field", None)
    if owner_field:
        return Q(**{owner_field: user}) if has_permission(user, scoped.scope_key, action) else NOTHING
    scope = action_scope(user, scoped.scope_key, action)
    if scope.everything:
        return Q()
    condition = scoped.scope_q(scope) if not scope.empty else NOTHING
    grant_model = getattr(scoped, "object_grant_model", None)
    if grant_model is not None and _holds_object_grants(user, grant_model):
        codename = f"{action}_{model._meta.model_name}"
        condition |= Q(
            Exists(
                grant_model.objects.filter(
                    content_object=OuterRef(object_id), user=user, permission__codename=codename
                )
            )
        )
    return condition


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: User, action: str = VIEW) -> RestrictedQuerySet:
        """Only the rows ``user`` may ``action`` on (``scope_condition``). Unknown users and
        actions get nothing."""
        if action not in ACTIONS or user is None or not user.is_authenticated:
            return self.none()
        condition = scope_condition(user, self.model, action)
        return self.filter(condition) if condition else self


def _holds_object_grants(user: User, grant_model: type[models.Model]) -> bool:
    cache: dict[str, bool] = user.__dict__.setdefault("_bangfu_object_grants", {})
    label = grant_model._meta.label
    if label not in cache:
        cache[label] = grant_model.objects.filter(user=user).exists()
    return cache[label]


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def regions_for(user: User, scope_key: str, action: str) -> models.QuerySet:
    """Regions in which ``user`` may ``action`` records of ``scope_key`` (e.g. where a village
    clerk may add an asset): for choice lists and for validating a chosen location."""
    from assets.models import Region

    scope = action_scope(user, scope_key, action)
    if scope.everything:
        return Region.objects.all()
    return Region.objects.filter(Q(pk__in=scope.village_ids) | Q(township_id__in=scope.township_ids))
