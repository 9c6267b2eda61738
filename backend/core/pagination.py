"""Pagination of list endpoints."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class StrictPageNumberPagination(PageNumberPagination):
    """DRF's page-number pagination, except that `page`, when given, must be one value:
    a blank or repeated `page` answers 404 "Invalid page." like any other page that does
    not exist, instead of silently meaning page 1 or the last value."""

    def get_page_number(self, request, paginator):
        values = request.query_params.getlist(self.page_query_param)
        if len(values) > 1 or (values and not values[0].strip()):
            raise NotFound(self.invalid_page_message)
        return super().get_page_number(request, paginator)
