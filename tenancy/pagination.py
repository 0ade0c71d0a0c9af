"""Pagination classes of the API (own module: DRF imports it while importing its generics).

One class per shape of list:
- `DefaultPagination`: page numbers, for ordinary lists (the default);
- `MeasurementCursorPagination`: newest period first, keyset (measurement-sized lists);
- `InsertionOrderPagination`: ascending id, keyset (long child lists such as EDI lines).
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F
from django.db.models.fields.tuple_lookups import TupleGreaterThan, TupleLessThan
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class DefaultPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


@dataclass(frozen=True)
class _Cursor:
    position: tuple
    reverse: bool


class KeysetPagination(pagination.BasePagination):
    """Cursor pagination on a unique compound key, e.g. `(-period_start, -id)`.

    DRF's `CursorPagination` keeps its position on the first ordering field only and steps over
    ties with an offset, which fails on a key like a month shared by forty thousand rows. Here
    the position is the whole key and the page is one row-value comparison,
    `(period_start, id) < (%s, %s)`, which PostgreSQL serves as a range of a matching index: a
    date window deep in the past costs what the first page costs. Every field of `ordering`
    runs in the same direction and the last one is unique.
    """

    ordering: tuple[str, ...] = ("-id",)
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    cursor_query_param = "cursor"
    invalid_cursor_message = "Invalid cursor."

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        self.fields = [name.lstrip("-") for name in self.ordering]
        self.cursor = self.decode_cursor(request, queryset.model)

        reverse = self.cursor is not None and self.cursor.reverse
        descending = self.ordering[0].startswith("-")
        order = self.ordering if not reverse else [self._flip(name) for name in self.ordering]
        queryset = queryset.order_by(*order)
        if self.cursor is not None:
            before = TupleLessThan if descending != reverse else TupleGreaterThan
            key = tuple(F(name) for name in self.fields)
            queryset = queryset.filter(before(key, self.cursor.position))

        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, self.cursor is not None
        return self.page

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The pagination cursor value (from `next` or `previous`).",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (at most {self.max_page_size}).",
                "schema": {"type": "integer"},
            },
        ]

    def get_page_size(self, request) -> int:
        try:
            size = int(request.query_params[self.page_size_query_param])
        except (KeyError, ValueError):
            return self.page_size
        return min(size, self.max_page_size) if size > 0 else self.page_size

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        if self.page:
            return self.encode_cursor(self._position(self.page[-1]), reverse=False)
        assert self.cursor is not None  # no rows on this page: there was a cursor
        return self.encode_cursor(self.cursor.position, reverse=False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if self.page:
            return self.encode_cursor(self._position(self.page[0]), reverse=True)
        assert self.cursor is not None
        return self.encode_cursor(self.cursor.position, reverse=True)

    def encode_cursor(self, position: tuple, *, reverse: bool) -> str:
        token: dict[str, Any] = {"p": [str(value) for value in position]}
        if reverse:
            token["r"] = 1
        encoded = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def decode_cursor(self, request, model) -> _Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            token = json.loads(base64.urlsafe_b64decode(encoded.encode("ascii")))
            raw = token["p"]
            if not isinstance(raw, list) or len(raw) != len(self.fields):
                raise ValueError("wrong length")
            # Typed by the model's own fields, so a forged cursor is refused here, not by SQL.
            position = tuple(
                self._field(model, name).to_python(value)
                for name, value in zip(self.fields, raw, strict=True)
            )
            if any(value is None for value in position):
                raise ValueError("empty position")
            return _Cursor(position=position, reverse=bool(token.get("r")))
        except (ValueError, TypeError, KeyError, AttributeError, ValidationError):
            raise NotFound(self.invalid_cursor_message) from None

    def _position(self, row) -> tuple:
        if isinstance(row, dict):
            return tuple(row[name] for name in self.fields)
        return tuple(getattr(row, name) for name in self.fields)

    @staticmethod
    def _field(model, name):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            return model._meta.pk if name == "pk" else None

    @staticmethod
    def _flip(name: str) -> str:
        return name[1:] if name.startswith("-") else f"-{name}"


class MeasurementCursorPagination(KeysetPagination):
    """For measurement-sized lists: newest period first, constant cost per page however deep the
    client goes and whatever date window it asks for (index `(organization, period_start, id)`)."""

    ordering = ("-period_start", "-id")


class InsertionOrderPagination(KeysetPagination):
    """For long child lists read in the order they were written (the lines of a 200,000-line
    invoice): ascending id, constant cost per page however deep."""

    ordering = ("id",)
