"""Submit a page's form as a browser would: what the page shows, plus the test's changes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.forms import BaseForm
from django.test.utils import CaptureQueriesContext


def form_data(form: BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif isinstance(value, datetime.date | Decimal | int):
            data[bound.html_name] = str(value)
        else:
            data[bound.html_name] = value
    return data


def page_data(response, **changes: Any) -> dict[str, Any]:
    """The form and formsets of a rendered form page as POST data, updated with ``changes``."""
    context = response.context
    data = form_data(context["form"])
    for formset in context["formsets"].values():
        data.update(form_data(formset.management_form))
        for form in formset.forms:
            data.update(form_data(form))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def count_queries(client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    response.queries = [q["sql"] for q in queries.captured_queries]
    return len(queries), response
