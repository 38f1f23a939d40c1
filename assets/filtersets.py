"""List filters shared by the web pages and the API (django-filter).

Every filter narrows a queryset that was already restricted to the user's scope; filters on
regions accept a township or a village and use the indexed denormalised keys.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetClass, AssetStatus, FundingSource, RegionLevel
from assets.models import Asset, AssetCategory, AssetFundingLine, Household, Project, Region


def filter_by_region(queryset: QuerySet, region: Region | None, *, village_field: str, township_field: str) -> QuerySet:
    if region is None or region.level == RegionLevel.COUNTY:
        return queryset
    if region.level == RegionLevel.TOWNSHIP:
        return queryset.filter(**{township_field: region.pk})
    return queryset.filter(**{village_field: region.pk})


class RegionChoiceFilter(django_filters.ModelChoiceFilter):
    """A township or village, by primary key."""

    def __init__(self, *args, village_field: str, township_field: str, **kwargs):
        self.village_field, self.township_field = village_field, township_field
        kwargs.setdefault("queryset", Region.objects.all())
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Region | None) -> QuerySet:
        return filter_by_region(qs, value, village_field=self.village_field, township_field=self.township_field)


class AssetFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or code"))
    asset_class = django_filters.ChoiceFilter(choices=AssetClass.choices, label=_("asset class"))
    category = django_filters.ModelChoiceFilter(queryset=AssetCategory.objects.all(), label=_("category"))
    region = RegionChoiceFilter(village_field="region_id", township_field="township_id", label=_("region"))
    year = django_filters.NumberFilter(field_name="year_formed", label=_("year formed"))
    status = django_filters.ChoiceFilter(choices=AssetStatus.choices, label=_("status"))
    funding_source = django_filters.ChoiceFilter(
        choices=FundingSource.choices, method="by_funding_source", label=_("funding source")
    )
    project = django_filters.NumberFilter(field_name="project_id", label=_("project"))

    class Meta:
        model = Asset
        fields = ["q", "asset_class", "category", "region", "year", "status", "funding_source", "project"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def by_funding_source(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        from django.db.models import Exists, OuterRef

        return queryset.filter(Exists(AssetFundingLine.objects.filter(asset_id=OuterRef("pk"), source=value)))


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or code"))
    year = django_filters.NumberFilter(field_name="year", label=_("year"))
    region = RegionChoiceFilter(village_field="region_id", township_field="township_id", label=_("region"))
    final_accounts_done = django_filters.BooleanFilter(label=_("final accounts done"))

    class Meta:
        model = Project
        fields = ["q", "year", "region", "final_accounts_done"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset


class HouseholdFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="head_name", lookup_expr="icontains", label=_("head of household"))
    region = RegionChoiceFilter(village_field="village_id", township_field="township_id", label=_("region"))
    is_poverty_alleviated = django_filters.BooleanFilter(label=_("poverty-alleviated household"))
    is_monitored = django_filters.BooleanFilter(label=_("monitored household"))

    class Meta:
        model = Household
        fields = ["q", "region", "is_poverty_alleviated", "is_monitored"]
