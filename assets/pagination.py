"""Pagination whose cost does not grow with the register.

Counting a million rows costs more than showing a page of them, so list counts stop at
LIST_COUNT_CAP (1,000): past it a list says "1,000+" and offers the first LIST_COUNT_CAP rows page by
page (filters narrow a list faster than paging does). Totals come from the home page and the
ledgers. The count drops the list's ordering: counting in ``-id`` order makes PostgreSQL walk
the primary key backwards through a million rows.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

DEFAULT_COUNT_CAP = 1_000


class CappedPaginator(Paginator):
    @cached_property
    def count_cap(self) -> int:
        return getattr(settings, "LIST_COUNT_CAP", DEFAULT_COUNT_CAP)

    @cached_property
    def _counted(self) -> int:
        """Rows up to one past the cap, counted in one query without ordering."""
        object_list = self.object_list
        if hasattr(object_list, "order_by"):
            object_list = object_list.order_by()
        return object_list[: self.count_cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.count_cap)

    @cached_property
    def count_is_capped(self) -> bool:
        return self._counted > self.count_cap


class ScopedPageNumberPagination(PageNumberPagination):
    django_paginator_class = CappedPaginator
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data: Any) -> Response:
        paginator = self.page.paginator
        return Response(
            OrderedDict(
                [
                    ("count", paginator.count),
                    ("count_is_capped", paginator.count_is_capped),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_is_capped"] = {"type": "boolean"}
        return response
