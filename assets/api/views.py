"""API viewsets of the register and the token endpoint. Scoping and permissions live in the
base viewset (assets/api/base.py); these classes only say which rows, filters and serializer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.api.base import ReadOnlyScopedViewSet, WritableScopedViewSet
from assets.api.serializers import (
    AssetCategorySerializer,
    AssetSerializer,
    HouseholdSerializer,
    OrganisationSerializer,
    ProjectSerializer,
    RegionSerializer,
    TokenResponseSerializer,
)
from assets.auth import is_locked, lockout_message
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
class HouseholdViewSet(WritableScopedViewSet):
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


class ObtainTokenView(APIView):
    """``POST {"username", "password"}`` -> ``{"token"}``; send it as ``Authorization: Token …``.

    Goes through django.contrib.auth.authenticate with the request, so failures count towards
    the same lockout as the login page; a locked account answers 403 with the lockout message.
    """

    authentication_classes: list[Any] = []  # credentials are in the body; no session, no CSRF
    permission_classes = [AllowAny]
    serializer_class = AuthTokenSerializer

    @extend_schema(
        summary=_("Obtain an API token"),
        request=AuthTokenSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description=_("Wrong user name or password, or a field missing.")),
            403: OpenApiResponse(description=_("The account is locked after too many failed logins.")),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, Mapping) else {}
        username = str(data.get("username") or "")
        if username and is_locked(username):
            raise exceptions.PermissionDenied(lockout_message())
        serializer = AuthTokenSerializer(data=data, context={"request": request})
        if not serializer.is_valid():
            # this failure may have been the one that locks the account
            if username and is_locked(username):
                raise exceptions.PermissionDenied(lockout_message())
            raise exceptions.ValidationError(serializer.errors)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response(TokenResponseSerializer({"token": token.key}).data)
