"""Pagination in which every row is reachable and the count is exact.

* Web lists and the API's default: page numbers (``?page=``, ``?page_size=``) with the exact
  count. The count drops the list's ordering (counting in ``-id`` order makes PostgreSQL walk the
  primary key backwards). A deep page (past ``DEFERRED_JOIN_FROM`` rows) first takes the page's
  ids alone, then loads those rows with their joins: an OFFSET over the bare ids skips rows
  without building them (the "deferred join").
* The API's cursor (keyset) pagination, for integrations that read a whole list: ``?cursor=``
  (empty) starts it, and each answer's ``next`` link carries on. A page is then
  ``WHERE id < last ORDER BY id DESC LIMIT n`` on the primary key, as fast at row 1,000,000 as at
  row 1, and rows added or changed meanwhile neither repeat nor vanish between pages. Its first
  page carries the exact ``count``; later pages do not count again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

DEFERRED_JOIN_FROM = 500  # rows skipped before a page loads its ids first
MAX_API_PAGE_SIZE = 500


class CountingPaginator(Paginator):
    """Django's paginator with a count that ignores the ordering and deep pages that skip ids only."""

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if isinstance(object_list, QuerySet):
            return object_list.order_by().count()
        return len(object_list)

    @property
    def count_is_capped(self) -> bool:
        """Kept for templates and clients that read it: counts are exact, never capped."""
        return False

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        object_list = self.object_list
        if bottom < DEFERRED_JOIN_FROM or not isinstance(object_list, QuerySet) or not object_list.ordered:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in object_list.order_by().filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


CappedPaginator = CountingPaginator  # the former name


class KeysetPagination(CursorPagination):
    """Cursor pagination on the primary key, newest first (an indexed, unique ordering)."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = MAX_API_PAGE_SIZE

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any] | None:
        self.total: int | None = None
        if not request.query_params.get(self.cursor_query_param):  # the first page: say how many in all
            self.total = queryset.order_by().count()
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        body: OrderedDict[str, Any] = OrderedDict()
        if self.total is not None:
            body["count"] = self.total
        body["next"] = self.get_next_link()
        body["previous"] = self.get_previous_link()
        body["results"] = data
        return Response(body)


class ScopedPageNumberPagination(PageNumberPagination):
    """The API's pagination: page numbers with the exact count, or the keyset cursor when the
    request has a ``cursor`` parameter (empty to start)."""

    django_paginator_class = CountingPaginator
    page_size_query_param = "page_size"
    max_page_size = MAX_API_PAGE_SIZE
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any] | None:
        self.keyset: KeysetPagination | None = None
        if self.cursor_query_param in request.query_params:
            self.keyset = KeysetPagination()
            self.keyset.page_size = self.get_page_size(request)
            return self.keyset.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        if self.keyset is not None:
            return self.keyset.get_paginated_response(data)
        return Response(
            OrderedDict(
                [
                    ("count", self.page.paginator.count),
                    ("count_is_capped", False),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer", "example": 123,
                    "description": str(_("The exact number of rows in the list. Given with page numbers and "
                                         "on the first page of cursor pagination.")),
                },
                "count_is_capped": {
                    "type": "boolean",
                    "description": str(_("Always false: counts are exact (kept for existing clients).")),
                },
                "next": {"type": "string", "nullable": True, "format": "uri",
                         "example": "http://api.example.org/accounts/?cursor=cD0xMjM%3D"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        parameters.append({
            "name": self.cursor_query_param,
            "required": False,
            "in": "query",
            "description": str(_("Cursor (keyset) pagination, newest first: give it empty to start, then follow "
                                 "“next”. Reaches every row of any list at the same speed; page numbers are "
                                 "ignored with it.")),
            "schema": {"type": "string"},
        })
        return parameters
