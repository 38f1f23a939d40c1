"""Widgets of the register's forms: no inline scripts or styles (the CSP forbids them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join

from assets.models import Region


def region_label(region: Region) -> str:
    """"乡 / 村" for a village (with ``township`` selected), the plain name otherwise."""
    if region.level == "village" and region.township_id:
        return f"{region.township.name} / {region.name}"
    return region.name


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CategorySelect(forms.Select):
    """Each option carries its asset class (data-class) so static/js/bangfu.js can show only the
    categories of the chosen class; the server still checks the pair (Asset.clean)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-class"] = instance.asset_class
        return option


class DatalistInput(forms.TextInput):
    """A text input with suggestions (<datalist>): for choices too many for a <select>, such as
    the county's project library. ``options`` is a list of (value, label)."""

    def __init__(self, attrs: dict[str, Any] | None = None, options: list[tuple[str, str]] | None = None):
        super().__init__(attrs=attrs)
        self.options = options or []

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id', name)}-options"
        attrs["list"] = list_id
        html = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}">{}</option>', self.options)
        return format_html('{}<datalist id="{}">{}</datalist>', html, list_id, options)
