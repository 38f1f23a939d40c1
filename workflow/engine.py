"""A small approval-chain engine, written in code so that it is easy to read and to audit.

A workflow (transfers, disposals; later revenue-distribution plans and self-assessments) is:

* an item model derived from ``WorkflowItem`` (its status, round, current step and who must act
  next are columns, so that an inbox is one indexed query);
* a decision model derived from ``DecisionRecord``: one row per act (submitted, approved,
  returned, rejected, withdrawn), never changed or deleted: the item's trail over every round;
* a ``Workflow`` subclass: the ordered ``Step``s, each naming who decides it for a given item
  (a role held in one organisation, e.g. "township official of the asset's township"), plus the
  hooks that validate a submission and apply the effects of approvals.

State changes are the ``do_*`` functions below (Zulip's pattern): atomic, the item row locked
with ``select_for_update``, the current step, role and organisation checked, the act recorded,
and side effects (mail to the next deciders) queued in the act's transaction through the outbox
(assets/outbox.py) and sent after the commit. Two people
deciding the same step at once: the second waits for the row lock, then finds the step already
decided and is told by whom and when. A unique (item, round, step) constraint on the decision
table backs that up in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import FileExtensionValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assets.choices import OrganisationKind, Role
from assets.history import change_context
from assets.models import Organisation
from assets.models.base import ScopedModel
from assets.outbox import send_on_commit
from assets.scoping import CHANGE, VIEW, RoleGrant, role_grants

if TYPE_CHECKING:
    from assets.models import User

logger = logging.getLogger(__name__)

StrOrPromise = str | Promise

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "ofd", "zip"]


class ItemStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("draft")
    IN_REVIEW = "in_review", gettext_lazy("in review")
    RETURNED = "returned", gettext_lazy("returned for changes")
    REJECTED = "rejected", gettext_lazy("rejected")
    DONE = "done", gettext_lazy("completed")
    WITHDRAWN = "withdrawn", gettext_lazy("withdrawn")


OPEN_STATUSES = (ItemStatus.DRAFT, ItemStatus.IN_REVIEW, ItemStatus.RETURNED)
EDITABLE_STATUSES = (ItemStatus.DRAFT, ItemStatus.RETURNED)


class Decision(models.TextChoices):
    SUBMITTED = "submitted", gettext_lazy("submitted")
    APPROVED = "approved", gettext_lazy("approved")
    RETURNED = "returned", gettext_lazy("returned")
    REJECTED = "rejected", gettext_lazy("rejected")
    WITHDRAWN = "withdrawn", gettext_lazy("withdrawn")


SUBMIT_STEP = "submit"
WITHDRAW_STEP = "withdraw"

# Which role a member of an organisation of this kind acts in (one role per kind; see
# assets.scoping.ROLE_ORGANISATION_KINDS). Used to say who decides for a given organisation.
ROLE_FOR_KIND: dict[str, str] = {
    OrganisationKind.VILLAGE_COLLECTIVE: Role.VILLAGE_CLERK,
    OrganisationKind.TOWNSHIP_GOVERNMENT: Role.TOWNSHIP_OFFICIAL,
    OrganisationKind.DEPARTMENT: Role.DEPARTMENT_STAFF,
    OrganisationKind.AGRI_BUREAU: Role.COUNTY_AGRI,
    OrganisationKind.FINANCE_BUREAU: Role.FINANCE,
    OrganisationKind.FINANCE_COMMITTEE: Role.FINANCE,
}


class WorkflowConflict(Exception):
    """The item is not in the state the act needs (already decided, wrong step, closed).
    The API answers 409 Conflict; the web pages show the message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- the chain ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decider:
    """Who may take a step: holders of ``role`` in ``organisation``."""

    role: str
    organisation: Organisation

    @classmethod
    def member_of(cls, organisation: Organisation | None) -> Decider | None:
        if organisation is None or organisation.kind not in ROLE_FOR_KIND:
            return None
        return cls(ROLE_FOR_KIND[organisation.kind], organisation)


def organisation_of_kind(kind: str) -> Organisation:
    """The county's one organisation of a kind (县委财经委员会, 财政局, 农业农村局)."""
    organisation = Organisation.objects.filter(kind=kind, is_active=True).order_by("pk").first()
    if organisation is None:
        raise ValidationError(
            _("No active organisation of kind “%(kind)s” exists; an administrator must add it.")
            % {"kind": OrganisationKind(kind).label}
        )
    return organisation


APPROVE_LABEL = gettext_lazy("Approve")


@dataclass(frozen=True)
class Step:
    """One step of a chain. ``decider(item)`` says who decides it for that item, or None when the
    step does not apply to it (e.g. no department review for household assets)."""

    code: str
    label: StrOrPromise
    who: StrOrPromise  # who decides, in words, for the chain's description
    decider: Callable[[Any], Decider | None]
    approve_label: StrOrPromise = APPROVE_LABEL
    document_number_required: bool = False
    # validates the step's own input on approval and returns what is kept on the decision
    clean_extra: Callable[[Any, Mapping[str, Any]], dict[str, Any]] | None = None
    # applies an approval's effects (inside the transaction), given the recorded decision
    on_approved: Callable[[Any, Any, Any], None] | None = None
    # runs when the item arrives at this step
    on_entered: Callable[[Any], None] | None = None
    # a reason the step cannot be approved yet (e.g. the public notice period is still running)
    not_yet: Callable[[Any], str | None] | None = None


class Workflow:
    """A chain and its hooks. Subclasses set ``key``, ``label``, ``steps`` and override hooks."""

    key: ClassVar[str] = ""
    label: ClassVar[StrOrPromise] = ""
    steps: ClassVar[tuple[Step, ...]] = ()

    def step(self, code: str) -> Step | None:
        return next((step for step in self.steps if step.code == code), None)

    def step_label(self, code: str) -> str:
        if code == SUBMIT_STEP:
            return str(gettext_lazy("application"))
        if code == WITHDRAW_STEP:
            return str(gettext_lazy("withdrawal"))
        step = self.step(code)
        return str(step.label) if step else code

    def validate_submission(self, item: Any) -> None:
        """Raise ValidationError when the item is not complete enough to be submitted."""

    def on_submitted(self, item: Any, *, first: bool, user: User) -> None:
        """Effects of a submission (e.g. the asset becomes "under disposal")."""

    def on_returned(self, item: Any, *, user: User) -> None:
        """Effects of sending the item back to its applicant."""

    def on_done(self, item: Any, *, user: User) -> None:
        """Effects of the last approval (e.g. the owner changes)."""

    def on_ended(self, item: Any, *, user: User) -> None:
        """Effects of a rejection or withdrawal (e.g. the asset's previous status comes back)."""

    def reason(self, item: Any, decision: str) -> str:
        """The reason written into every history row of one act."""
        return f"{self.label} {item.number}: {Decision(decision).label}"[:100]


# --- models -------------------------------------------------------------------------------------


class WorkflowItem(ScopedModel):
    """An application moving through a chain. Subclasses add their content and ``workflow``."""

    number = models.CharField(gettext_lazy("number"), max_length=30, unique=True, editable=False)
    status = models.CharField(
        gettext_lazy("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.DRAFT
    )
    round = models.PositiveSmallIntegerField(
        gettext_lazy("round"), default=0, editable=False,
        help_text=gettext_lazy("How many times the item has been submitted."),
    )
    current_step = models.CharField(gettext_lazy("current step"), max_length=40, blank=True, editable=False)
    # who must act next: the decider of the current step, or the applicant while draft/returned
    pending_role = models.CharField(gettext_lazy("waiting for role"), max_length=30, blank=True, editable=False)
    pending_organisation = models.ForeignKey(
        "assets.Organisation", models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        verbose_name=gettext_lazy("waiting for organisation"),
    )
    applicant_role = models.CharField(gettext_lazy("applicant role"), max_length=30, editable=False)
    applicant_organisation = models.ForeignKey(
        "assets.Organisation", models.PROTECT, related_name="+", editable=False,
        verbose_name=gettext_lazy("applicant organisation"),
    )
    created_by = models.ForeignKey(
        "assets.User", models.PROTECT, related_name="+", editable=False, verbose_name=gettext_lazy("author")
    )
    submitted_at = models.DateTimeField(gettext_lazy("first submitted at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(gettext_lazy("closed at"), null=True, blank=True, editable=False)

    workflow: ClassVar[Workflow]

    class Meta:
        abstract = True
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "pending_organisation", "pending_role"],
                         name="%(app_label)s_%(class)s_inbox"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def step(self) -> Step | None:
        return self.workflow.step(self.current_step) if self.current_step else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def pending_description(self) -> str:
        """"township official · 测试乡1人民政府" or "" when nobody has to act."""
        if not self.is_open or not self.pending_role:
            return ""
        return f"{Role(self.pending_role).label} · {self.pending_organisation}"

    @property
    def current_step_label(self) -> str:
        if self.status == ItemStatus.IN_REVIEW:
            return self.workflow.step_label(self.current_step)
        return ItemStatus(self.status).label

    def trail(self) -> models.QuerySet:
        return self.decisions.select_related("user", "organisation").order_by("decided_at", "pk")

    def rounds(self) -> list[tuple[int, list[Any]]]:
        """The trail grouped by round, oldest first."""
        grouped: dict[int, list[Any]] = {}
        for decision in self.trail():
            grouped.setdefault(decision.round, []).append(decision)
        return sorted(grouped.items())

    def chain_preview(self) -> list[dict[str, Any]]:
        """Every step of the chain with who decides it for this item (None: skipped) and whether
        it is done in the current round: for the item's page."""
        done = {d.step: d for d in self.decisions.filter(round=self.round).exclude(step=SUBMIT_STEP)}
        rows = []
        for step in self.workflow.steps:
            try:
                decider = step.decider(self)
            except ValidationError:
                decider = None
            rows.append({
                "step": step,
                "decider": decider,
                "decision": done.get(step.code),
                "current": self.status == ItemStatus.IN_REVIEW and step.code == self.current_step,
            })
        return rows


def attachment_path(instance: Any, filename: str) -> str:
    now = timezone.now()
    return f"workflows/{instance._meta.app_label}/{now:%Y/%m}/{filename}"


def validate_attachment(upload: Any) -> None:
    if upload is None:
        return
    FileExtensionValidator(ATTACHMENT_EXTENSIONS)(upload)
    if getattr(upload, "size", 0) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachment": _("A file may be at most 20 MB.")})


class DecisionRecord(models.Model):
    """One act on an item: who (user, role, organisation), when, what, why, which document.

    Written once, never changed or deleted. ``data`` keeps a step's own input (registration
    numbers, proceeds) as given."""

    round = models.PositiveSmallIntegerField(gettext_lazy("round"))
    step = models.CharField(gettext_lazy("step"), max_length=40)
    step_label = models.CharField(gettext_lazy("step name"), max_length=100)
    decision = models.CharField(gettext_lazy("decision"), max_length=20, choices=Decision.choices)
    user = models.ForeignKey("assets.User", models.PROTECT, related_name="+", verbose_name=gettext_lazy("by"))
    role = models.CharField(gettext_lazy("role"), max_length=30, choices=Role.choices)
    organisation = models.ForeignKey(
        "assets.Organisation", models.PROTECT, related_name="+", verbose_name=gettext_lazy("organisation")
    )
    decided_at = models.DateTimeField(gettext_lazy("at"), default=timezone.now, db_index=True)
    comment = models.TextField(gettext_lazy("comment"), blank=True)
    document_number = models.CharField(gettext_lazy("document number"), max_length=60, blank=True)
    attachment = models.FileField(gettext_lazy("attached file"), upload_to=attachment_path, blank=True,
                                  max_length=200)
    data = models.JSONField(gettext_lazy("step data"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        abstract = True
        ordering = ["decided_at", "id"]
        constraints = [
            # each step is decided at most once per round: the database's own guard against a
            # double decision
            models.UniqueConstraint(fields=["item", "round", "step"], name="%(app_label)s_%(class)s_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.step_label} · {self.get_decision_display()} · {self.user}"

    @property
    def when(self) -> str:
        return timezone.localtime(self.decided_at).strftime("%Y-%m-%d %H:%M:%S")


# --- registry and queries -----------------------------------------------------------------------

WORKFLOW_MODELS: dict[str, type[WorkflowItem]] = {}


def register(model: type[WorkflowItem], workflow: Workflow) -> type[WorkflowItem]:
    """Attach a chain to its item model and list it for the inbox, "mine" and `notify_next`.

    Called from the owning app's ``AppConfig.ready()``, so that the engine never imports a chain."""
    model.workflow = workflow
    WORKFLOW_MODELS[workflow.key] = model
    return model


def _grants(user: User | None) -> list[RoleGrant]:
    if user is None or not user.is_authenticated:
        return []
    return role_grants(user)


def waiting_for_q(user: User | None) -> Q:
    """Open items whose next act is the user's: a decision, or changes to a returned item."""
    pairs = {(grant.role, grant.organisation_id) for grant in _grants(user)}
    if not pairs:
        return Q(pk__in=[])
    mine = Q(pk__in=[])
    for role, organisation_id in pairs:
        mine |= Q(pending_role=role, pending_organisation_id=organisation_id)
    return Q(status__in=[ItemStatus.IN_REVIEW, ItemStatus.RETURNED]) & mine


def inbox(model: type[WorkflowItem], user: User) -> models.QuerySet:
    return model.objects.restrict(user, VIEW).filter(waiting_for_q(user))


def involving(model: type[WorkflowItem], user: User) -> models.QuerySet:
    """Items the user started or took a decision on."""
    decided = model.decisions.field.model.objects.filter(item_id=OuterRef("pk"), user=user)
    return model.objects.restrict(user, VIEW).filter(Q(created_by=user) | Q(Exists(decided)))


def inbox_count(user: User | None) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return sum(inbox(model, user).count() for model in WORKFLOW_MODELS.values())


def grant_for(user: User | None, role: str, organisation_id: int | None) -> RoleGrant | None:
    for grant in _grants(user):
        if grant.role == role and grant.organisation_id == organisation_id:
            return grant
    return None


def is_applicant(item: WorkflowItem, user: User | None) -> bool:
    return grant_for(user, item.applicant_role, item.applicant_organisation_id) is not None


def can_decide(item: WorkflowItem, user: User | None) -> bool:
    return item.status == ItemStatus.IN_REVIEW and grant_for(user, item.pending_role, item.pending_organisation_id) \
        is not None


def check_applicant(item: WorkflowItem, user: User) -> RoleGrant:
    """The applicant's grant of ``user``; else PermissionDenied, whatever the item's state (a
    role check comes before a state check: 403, not 409)."""
    grant = grant_for(user, item.applicant_role, item.applicant_organisation_id)
    if grant is None:
        raise PermissionDenied(
            _("Only the %(role)s of %(organisation)s, who applied, may change or submit it.")
            % {"role": Role(item.applicant_role).label, "organisation": item.applicant_organisation}
        )
    return grant


def check_editable(item: WorkflowItem, user: User) -> RoleGrant:
    """The applicant's grant, if ``user`` may still change ``item``; else an exception: first
    PermissionDenied for anyone but the applicant, then WorkflowConflict for a closed item."""
    grant = check_applicant(item, user)
    if not item.is_editable:
        raise WorkflowConflict(
            _("%(number)s is %(status)s and can no longer be changed.")
            % {"number": item.number, "status": ItemStatus(item.status).label}
        )
    return grant


def lock_for_change(item: WorkflowItem, user: User) -> WorkflowItem:
    """The item locked for its applicant's change (edit, evidence), from the user's CHANGE scope:
    PermissionDenied for anyone else (a reader's role included), then WorkflowConflict when it is
    closed."""
    check_applicant(item, user)
    locked = type(item).objects.restrict(user, CHANGE).select_for_update().filter(pk=item.pk).first()
    if locked is None:
        raise PermissionDenied(_("You may not change %(number)s.") % {"number": item.number})
    check_editable(locked, user)
    return locked


def check_participant(item: WorkflowItem, user: User) -> None:
    """PermissionDenied unless ``user`` holds a role that decides some step of this item's chain
    (now or in an earlier round). Checked before any state check, so that a role that takes no
    part is told 403 whatever the item's state; a decider who comes late still hears 409."""
    pairs = {(grant.role, grant.organisation_id) for grant in _grants(user)}
    if pairs:
        if (item.pending_role, item.pending_organisation_id) in pairs:
            return
        for step in item.workflow.steps:
            try:
                decider = step.decider(item)
            except ValidationError:
                continue
            if decider is not None and (decider.role, decider.organisation.pk) in pairs:
                return
        decided = item.decisions.exclude(step__in=[SUBMIT_STEP, WITHDRAW_STEP]).values_list("role", "organisation_id")
        if any(pair in pairs for pair in decided):
            return
    if item.status == ItemStatus.IN_REVIEW and item.step is not None:
        raise _not_your_step(item, item.step)  # who does decide it
    raise PermissionDenied(
        _("You take no part in deciding %(number)s; it is decided by others.") % {"number": item.number}
    )


# --- acts ---------------------------------------------------------------------------------------


def _lock(item: WorkflowItem) -> WorkflowItem:
    return type(item)._base_manager.select_for_update().get(pk=item.pk)


def _already_decided(decision: DecisionRecord) -> WorkflowConflict:
    return WorkflowConflict(
        _("Already decided: %(step)s was %(decision)s by %(user)s (%(organisation)s) at %(time)s.")
        % {"step": decision.step_label, "decision": decision.get_decision_display(), "user": decision.user,
           "organisation": decision.organisation, "time": decision.when}
    )


def _check_fresh(seen: WorkflowItem, locked: WorkflowItem, expected_step: str | None) -> None:
    """Refuse when the item moved on since the caller looked at it (the concurrent loser)."""
    decisions = locked.decisions.select_related("user", "organisation")
    if expected_step and (locked.status != ItemStatus.IN_REVIEW or locked.current_step != expected_step):
        earlier = decisions.filter(step=expected_step).order_by("-decided_at", "-pk").first()
        if earlier is not None:
            raise _already_decided(earlier)
        raise WorkflowConflict(
            _("%(number)s is not at the step “%(step)s”; it is now: %(now)s.")
            % {"number": locked.number, "step": locked.workflow.step_label(expected_step),
               "now": locked.current_step_label}
        )
    moved = (seen.status, seen.round, seen.current_step) != (locked.status, locked.round, locked.current_step)
    if moved and seen.status == ItemStatus.IN_REVIEW:
        earlier = decisions.filter(round=seen.round, step=seen.current_step).first()
        if earlier is not None:
            raise _already_decided(earlier)
    if moved:
        raise WorkflowConflict(
            _("%(number)s changed while you were looking at it; it is now: %(now)s. Reload it.")
            % {"number": locked.number, "now": locked.current_step_label}
        )


def _check_decider(locked: WorkflowItem, user: User) -> tuple[Step, RoleGrant]:
    if locked.status != ItemStatus.IN_REVIEW:
        last = locked.decisions.select_related("user", "organisation").order_by("-decided_at", "-pk").first()
        if last is not None and last.decision != Decision.SUBMITTED:
            raise _already_decided(last)
        raise WorkflowConflict(
            _("%(number)s is not waiting for a decision (it is %(status)s).")
            % {"number": locked.number, "status": ItemStatus(locked.status).label}
        )
    step = locked.step
    assert step is not None
    grant = grant_for(user, locked.pending_role, locked.pending_organisation_id)
    if grant is None:
        # the step the user could decide was just decided (by them or a colleague): say so
        last = locked.decisions.filter(round=locked.round).exclude(step=SUBMIT_STEP).select_related(
            "user", "organisation").order_by("-decided_at", "-pk").first()
        if last is not None and grant_for(user, last.role, last.organisation_id) is not None:
            raise _already_decided(last)
        raise _not_your_step(locked, step)
    return step, grant


def _not_your_step(item: WorkflowItem, step: Step) -> PermissionDenied:
    return PermissionDenied(
        _("The step “%(step)s” of %(number)s is for the %(role)s of %(organisation)s; you cannot decide it.")
        % {"step": step.label, "number": item.number, "role": Role(item.pending_role).label,
           "organisation": item.pending_organisation}
    )


def _record(locked: WorkflowItem, *, step: str, decision: str, user: User, grant: RoleGrant, comment: str = "",
            document_number: str = "", attachment: UploadedFile | None = None,
            data: Mapping[str, Any] | None = None) -> DecisionRecord:
    model = locked.decisions.model
    record = model(
        item=locked, round=locked.round, step=step, step_label=locked.workflow.step_label(step)[:100],
        decision=decision, user=user, role=grant.role, organisation_id=grant.organisation_id,
        comment=comment.strip(), document_number=document_number.strip(), data=dict(data or {}),
    )
    if attachment is not None:
        record.attachment = attachment
    record.save()
    return record


def _enter(locked: WorkflowItem, steps: Iterable[Step], user: User) -> None:
    """Move to the first of ``steps`` that applies to the item; none left: the item is done."""
    for step in steps:
        decider = step.decider(locked)
        if decider is None:
            continue
        locked.current_step = step.code
        locked.pending_role = decider.role
        locked.pending_organisation = decider.organisation
        if step.on_entered is not None:
            step.on_entered(locked)
        return
    locked.status = ItemStatus.DONE
    locked.current_step = ""
    locked.pending_role = ""
    locked.pending_organisation = None
    locked.closed_at = timezone.now()
    locked.workflow.on_done(locked, user=user)


def _back_to_applicant(locked: WorkflowItem) -> None:
    locked.current_step = ""
    locked.pending_role = locked.applicant_role
    locked.pending_organisation_id = locked.applicant_organisation_id


def _close(locked: WorkflowItem, status: str) -> None:
    locked.status = status
    locked.current_step = ""
    locked.pending_role = ""
    locked.pending_organisation = None
    locked.closed_at = timezone.now()


def _notify_after_commit(locked: WorkflowItem) -> None:
    """Tell the next deciders, through the outbox: a row written in the act's transaction and sent
    after the commit, so the act neither waits on a broker that is down nor loses the mail."""
    from workflow.tasks import notify_next

    send_on_commit(notify_next.name, workflow_key=locked.workflow.key, pk=locked.pk)


def _require(value: str, field: str, message: str) -> None:
    if not (value or "").strip():
        raise ValidationError({field: message})


def do_submit(item: WorkflowItem, *, acting_user: User, comment: str = "") -> WorkflowItem:
    """The applicant submits a draft, or resubmits a returned item after changing it. Each
    submission opens a new round; the chain starts again from its first step."""
    with transaction.atomic(), change_context(acting_user, item.workflow.reason(item, Decision.SUBMITTED)):
        locked = _lock(item)
        check_applicant(locked, acting_user)  # role before state: 403 before 409
        if locked.status == ItemStatus.IN_REVIEW:
            earlier = locked.decisions.select_related("user", "organisation").filter(
                round=locked.round, step=SUBMIT_STEP).first()
            if earlier is not None:
                raise _already_decided(earlier)
        grant = check_editable(locked, acting_user)
        locked.workflow.validate_submission(locked)
        first = locked.submitted_at is None
        locked.round += 1
        _record(locked, step=SUBMIT_STEP, decision=Decision.SUBMITTED, user=acting_user, grant=grant,
                comment=comment)
        if first:
            locked.submitted_at = timezone.now()
        locked.status = ItemStatus.IN_REVIEW
        locked.workflow.on_submitted(locked, first=first, user=acting_user)
        _enter(locked, locked.workflow.steps, acting_user)
        locked.save()
        _notify_after_commit(locked)
        return locked


def do_approve(item: WorkflowItem, *, acting_user: User, comment: str = "", document_number: str = "",
               attachment: UploadedFile | None = None, extra: Mapping[str, Any] | None = None,
               expected_step: str | None = None) -> WorkflowItem:
    """The decider of the current step approves it; the item moves to the next step that
    applies, or is done."""
    validate_attachment(attachment)
    with transaction.atomic(), change_context(acting_user, item.workflow.reason(item, Decision.APPROVED)):
        locked = _lock(item)
        check_participant(locked, acting_user)  # role before state: 403 before 409
        _check_fresh(item, locked, expected_step)
        step, grant = _check_decider(locked, acting_user)
        if step.not_yet is not None and (reason := step.not_yet(locked)):
            raise WorkflowConflict(reason)
        if step.document_number_required:
            _require(document_number, "document_number", _("This step needs the document number."))
        data = step.clean_extra(locked, extra or {}) if step.clean_extra is not None else {}
        record = _record(locked, step=step.code, decision=Decision.APPROVED, user=acting_user, grant=grant,
                         comment=comment, document_number=document_number, attachment=attachment, data=data)
        if step.on_approved is not None:
            step.on_approved(locked, record, acting_user)
        index = locked.workflow.steps.index(step)
        _enter(locked, locked.workflow.steps[index + 1:], acting_user)
        locked.save()
        _notify_after_commit(locked)
        return locked


def do_return(item: WorkflowItem, *, acting_user: User, comment: str, attachment: UploadedFile | None = None,
              expected_step: str | None = None) -> WorkflowItem:
    """The decider sends the item back to its applicant, with the reason, for changes."""
    _require(comment, "comment", _("Give the reason for returning it."))
    validate_attachment(attachment)
    with transaction.atomic(), change_context(acting_user, item.workflow.reason(item, Decision.RETURNED)):
        locked = _lock(item)
        check_participant(locked, acting_user)  # role before state: 403 before 409
        _check_fresh(item, locked, expected_step)
        step, grant = _check_decider(locked, acting_user)
        _record(locked, step=step.code, decision=Decision.RETURNED, user=acting_user, grant=grant,
                comment=comment, attachment=attachment)
        locked.status = ItemStatus.RETURNED
        _back_to_applicant(locked)
        locked.workflow.on_returned(locked, user=acting_user)
        locked.save()
        _notify_after_commit(locked)
        return locked


def do_reject(item: WorkflowItem, *, acting_user: User, comment: str, attachment: UploadedFile | None = None,
              expected_step: str | None = None) -> WorkflowItem:
    """The decider ends the item: it will not go ahead."""
    _require(comment, "comment", _("Give the reason for rejecting it."))
    validate_attachment(attachment)
    with transaction.atomic(), change_context(acting_user, item.workflow.reason(item, Decision.REJECTED)):
        locked = _lock(item)
        check_participant(locked, acting_user)  # role before state: 403 before 409
        _check_fresh(item, locked, expected_step)
        step, grant = _check_decider(locked, acting_user)
        _record(locked, step=step.code, decision=Decision.REJECTED, user=acting_user, grant=grant,
                comment=comment, attachment=attachment)
        _close(locked, ItemStatus.REJECTED)
        locked.workflow.on_ended(locked, user=acting_user)
        locked.save()
        _notify_after_commit(locked)
        return locked


def do_withdraw(item: WorkflowItem, *, acting_user: User, comment: str = "") -> WorkflowItem:
    """The applicant gives up a draft or a returned item. It stays, marked withdrawn."""
    with transaction.atomic(), change_context(acting_user, item.workflow.reason(item, Decision.WITHDRAWN)):
        locked = _lock(item)
        grant = check_editable(locked, acting_user)
        _record(locked, step=WITHDRAW_STEP, decision=Decision.WITHDRAWN, user=acting_user, grant=grant,
                comment=comment)
        _close(locked, ItemStatus.WITHDRAWN)
        locked.workflow.on_ended(locked, user=acting_user)
        locked.save()
        return locked


def next_number(model: type[WorkflowItem], prefix: str) -> str:
    """<prefix>-<year>-<nnnn>: the next free number this year."""
    year = timezone.localdate().year
    stem = f"{prefix}-{year}-"
    last = (
        model._base_manager.filter(number__startswith=stem).order_by("-number").values_list("number", flat=True)
        .first()
    )
    following = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{following:04d}"


def save_new(item: WorkflowItem) -> None:
    """Save a new item; its yearly number is taken again if a concurrent application took it."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                item.save()
                return
        except IntegrityError:
            if attempt == 4 or not type(item)._base_manager.filter(number=item.number).exists():
                raise
            item.number = ""
