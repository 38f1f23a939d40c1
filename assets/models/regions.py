"""The region tree county -> township/town/farm (乡/镇/场) -> village."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assets.choices import RegionLevel, TownshipKind
from assets.history import domain_history
from assets.models.base import ScopedModel
from assets.scoping import ActionScope

_PARENT_LEVEL = {RegionLevel.TOWNSHIP: RegionLevel.COUNTY, RegionLevel.VILLAGE: RegionLevel.TOWNSHIP}


class Region(ScopedModel):
    """A county, township or village. ``township`` is denormalised for one-index subtree queries:
    a township points at itself, a village at its township, the county at nothing."""

    code = models.CharField(_("administrative code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    township_kind = models.CharField(
        _("township kind"), max_length=10, choices=TownshipKind.choices, blank=True
    )
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    township = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("township"),
    )
    path = models.CharField(_("path"), max_length=64, db_index=True, editable=False)
    is_weak_village = models.BooleanField(
        _("weak collective economy"), default=False,
        help_text=_("Revenue is arranged in favour of villages with a weak collective economy."),
    )

    history = domain_history()
    scope_key = "region"

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=RegionLevel.COUNTY, parent__isnull=True)
                | Q(~Q(level=RegionLevel.COUNTY), parent__isnull=False),
                name="region_parent_matches_level",
                violation_error_message=_("Only a county has no parent region."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        expected = _PARENT_LEVEL.get(self.level)
        if expected and (self.parent is None or self.parent.level != expected):
            raise ValidationError({"parent": _("A %(level)s must belong to a %(parent)s.") % {
                "level": RegionLevel(self.level).label, "parent": RegionLevel(expected).label}})

    def save(self, *args, **kwargs) -> None:
        self.fill_derived()
        super().save(*args, **kwargs)
        if self.level == RegionLevel.TOWNSHIP and self.township_id != self.pk:
            # a new township points at itself once it has a primary key
            type(self).objects.filter(pk=self.pk).update(township=self.pk)
            self.township_id = self.pk

    def fill_derived(self) -> None:
        """Set ``township`` and ``path`` from the parent (also used before bulk inserts)."""
        if self.level == RegionLevel.COUNTY:
            self.township = None
            self.path = self.code
        elif self.level == RegionLevel.TOWNSHIP:
            self.township = self if self.pk else None
            self.path = f"{self.parent.path}/{self.code}"
        else:
            self.township_id = self.parent_id
            self.path = f"{self.parent.path}/{self.code}"

    @property
    def full_name(self) -> str:
        if self.level == RegionLevel.VILLAGE and self.parent_id:
            return f"{self.parent.name} {self.name}"
        return self.name

    def subtree(self) -> models.QuerySet[Region]:
        return Region.objects.filter(Q(pk=self.pk) | Q(path__startswith=f"{self.path}/"))

    @classmethod
    def scope_q(cls, scope: ActionScope) -> Q:
        if scope.department_ids:  # departments supervise categories county-wide
            return Q()
        return (
            Q(level=RegionLevel.COUNTY)
            | Q(pk__in=scope.village_ids)
            | Q(pk__in=scope.parent_township_ids)
            | Q(township_id__in=scope.township_ids)
        )

