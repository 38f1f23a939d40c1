"""API viewsets of the register (token login and the other auth endpoints: assets/api/auth.py).
Scoping and permissions live in the base viewset (assets/api/base.py); these classes only say
which rows, filters and serializer."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view

from assets.api.base import ReadOnlyScopedViewSet, WritableScopedViewSet
from assets.api.personal import PersonalDataViewSetMixin
from assets.api.serializers import (
    AssetCategorySerializer,
    AssetSerializer,
    HouseholdSerializer,
    OrganisationSerializer,
    ProjectSerializer,
    RegionSerializer,
)
from assets.filtersets import AssetFilterSet, HouseholdFilterSet, ProjectFilterSet, RegionChoiceFilter
from assets.models import Asset, AssetCategory, Household, Organisation, Project, Region

# ?region= takes a township's or village's id; the schema cannot guess that where the model has
# no "region" field (households have "village"), so say it once for the filter class.
extend_schema_field(OpenApiTypes.INT)(RegionChoiceFilter)

_DELETE_NOTE = _("Records are never deleted; there is no DELETE.")


@extend_schema_view(
    list=extend_schema(summary=_("List assets in your scope")),
    retrieve=extend_schema(summary=_("One asset")),
    create=extend_schema(summary=_("Enter an asset"), description=_DELETE_NOTE),
    update=extend_schema(summary=_("Change an asset")),
    partial_update=extend_schema(summary=_("Change some fields of an asset")),
)
class AssetViewSet(WritableScopedViewSet):
    # The nullable relations are joined; those every asset has (category, location, project)
    # come in one query each. An eight-table join cost PostgreSQL ~30 ms of planning per page at
    # 1M assets (tests/benchmarks); the number of queries still does not grow with the page.
    queryset = Asset.objects.select_related(
        "township", "owner_organisation", "owner_household", "supervising_department",
    ).prefetch_related(
        "category", "region", "project",
        "funding_lines",
        "registrations",
        Prefetch("beneficiaries", queryset=Household.objects.only("pk")),
    )
    serializer_class = AssetSerializer
    filterset_class = AssetFilterSet


@extend_schema_view(
    list=extend_schema(summary=_("List projects in your scope")),
    retrieve=extend_schema(summary=_("One project")),
    create=extend_schema(summary=_("Enter a project"), description=_DELETE_NOTE),
    update=extend_schema(summary=_("Change a project")),
    partial_update=extend_schema(summary=_("Change some fields of a project")),
)
class ProjectViewSet(WritableScopedViewSet):
    queryset = Project.objects.select_related("implementing_organisation", "region", "township").prefetch_related(
        "funding_lines",
        Prefetch("covered_regions", queryset=Region.objects.only("pk")),
    )
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet


@extend_schema_view(
    list=extend_schema(summary=_("List households in your scope")),
    retrieve=extend_schema(summary=_("One household")),
    create=extend_schema(summary=_("Enter a household"), description=_DELETE_NOTE),
    update=extend_schema(summary=_("Change a household")),
    partial_update=extend_schema(summary=_("Change some fields of a household")),
)
class HouseholdViewSet(PersonalDataViewSetMixin, WritableScopedViewSet):
    queryset = Household.objects.select_related("village", "township").order_by("village_id", "head_name", "id")
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilterSet


class RegionViewSet(ReadOnlyScopedViewSet):
    """The region tree (county, townships, villages) within your scope."""

    queryset = Region.objects.select_related("parent", "township")
    serializer_class = RegionSerializer
    filterset_fields = ["level", "parent", "township"]


class OrganisationViewSet(ReadOnlyScopedViewSet):
    queryset = Organisation.objects.select_related("region")
    serializer_class = OrganisationSerializer
    filterset_fields = ["kind", "region", "is_active"]


class AssetCategoryViewSet(ReadOnlyScopedViewSet):
    """Asset categories of 四(二) with their supervising departments (五)."""

    queryset = AssetCategory.objects.select_related("department")
    serializer_class = AssetCategorySerializer
    filterset_fields = ["asset_class", "department", "is_active"]

