"""The base pieces on their own: error conversion, reasons from headers, scoped related fields."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import exceptions, serializers
from rest_framework.test import APIRequestFactory

from assets.api.base import header_text
from assets.api.serializers import AssetSerializer, HouseholdSerializer
from assets.models import Region

pytestmark = pytest.mark.django_db


def serializer_for(world, role: str, cls=AssetSerializer, **kwargs):
    request = APIRequestFactory().post("/api/assets/", **kwargs)
    request.user = world.user(role)
    return cls(context={"request": request})


def test_model_errors_become_api_field_errors(world):
    serializer = serializer_for(world, "village1")
    errors = serializer.field_errors(ValidationError({
        "__all__": ["whole record"], "beneficiaries": ["outside"], "region": ["bad region"],
    }))
    assert errors == {"non_field_errors": ["whole record"], "beneficiary_ids": ["outside"], "region": ["bad region"]}
    assert serializer.field_errors(ValidationError("plain")) == {"non_field_errors": ["plain"]}


def test_action_failures_become_400_and_403(world):
    serializer = serializer_for(world, "village1")

    def invalid():
        raise ValidationError({"original_value": ["too much"]})

    def forbidden():
        raise PermissionDenied("outside your area")

    with pytest.raises(serializers.ValidationError) as invalid_info:
        serializer.run_action(invalid)
    assert invalid_info.value.detail == {"original_value": ["too much"]}
    with pytest.raises(exceptions.PermissionDenied) as forbidden_info:
        serializer.run_action(forbidden)
    assert str(forbidden_info.value.detail) == "outside your area"
    assert serializer.run_action(lambda x: x * 2, 21) == 42


def test_reason_from_body_first_then_header(world):
    serializer = serializer_for(world, "village1", HTTP_X_CHANGE_REASON="from header")
    assert serializer.pop_reason({"change_reason": " from body "}) == "from body"
    assert serializer.pop_reason({}) == "from header"
    # a UTF-8 header as a WSGI server hands it over (decoded as Latin-1)
    garbled = "年度清查".encode().decode("latin-1")
    assert header_text(garbled) == "年度清查"
    assert header_text("plain") == "plain"
    assert len(serializer_for(world, "village1", HTTP_X_CHANGE_REASON="x" * 300).pop_reason({})) == 100


def test_related_choices_follow_the_user_and_the_action(world):
    clerk = serializer_for(world, "village1")
    assert set(clerk.fields["region"].get_queryset()) == {world.villages[0]}
    assert set(clerk.fields["project"].get_queryset()) == {world.projects[0]}
    assert set(clerk.fields["beneficiary_ids"].child_relation.get_queryset()) == set(world.households[0])
    county = serializer_for(world, "county", HouseholdSerializer)
    assert set(county.fields["village"].get_queryset()) == set(Region.objects.filter(level="village"))
    reader = serializer_for(world, "township1")
    assert not reader.fields["region"].get_queryset().exists()  # may add nowhere
