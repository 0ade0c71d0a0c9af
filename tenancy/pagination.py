"""Pagination classes of the API (own module: DRF imports it while importing its generics)."""

from rest_framework import pagination


class DefaultPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class MeasurementCursorPagination(pagination.CursorPagination):
    """For measurement-sized lists: constant cost per page however deep the client goes."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("-id",)
