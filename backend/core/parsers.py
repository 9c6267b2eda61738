"""Request parsers: DRF's, stricter where an empty reading would hide a malformed body."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class MultiPartParser(parsers.MultiPartParser):
    """A multipart body has one or more parts (RFC 2046, 5.1.1). One with none — empty, or
    only text around the boundaries — is refused instead of reading as an empty form,
    which an update would take for "change nothing"."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        if not result.data and not result.files:
            raise ParseError(_("Multipart form parse error - the body has no parts."))
        return result
