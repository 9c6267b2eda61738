"""Outside the API (admin, template pages) an outage answers 503 instead of a 500 page."""

import logging

from django.http import HttpResponse

from core.errors import unavailable_component, unavailable_detail

logger = logging.getLogger(__name__)


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        component = unavailable_component(exception)
        if component is None:
            return None
        logger.error("dependency unavailable: %s (%s)", component, type(exception).__name__)
        return HttpResponse(unavailable_detail(component), status=503, content_type="text/plain")
