"""Serializer fields shared by the apps' APIs and forms: a phone number, a one-time code."""

import unicodedata

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from .phones import MAX_INPUT_LENGTH, InvalidPhone, normalize_phone

# DRF's placeholder style: the field fills {n} in when it refuses a value.
CODE_FORMAT = _("The code is {n} digits.")


@extend_schema_field(OpenApiTypes.STR)
class PhoneField(serializers.CharField):
    """Any usual spelling of a phone number in; E.164 out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_INPUT_LENGTH)
        kwargs.setdefault("help_text", "Phone number; normalised to E.164 (+79111234567).")
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        # In a form, DRF reads a blank optional field as absent; a blank phone is refused
        # as it is in JSON, rather than silently ignored.
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if not isinstance(data, str):  # a number would lose its leading zeros or "+"
            self.fail("invalid")
        value = super().to_internal_value(data)
        try:
            return normalize_phone(value)
        except InvalidPhone as exc:
            raise serializers.ValidationError(str(exc)) from exc


def ascii_digits(value: str) -> str:
    """Every Unicode decimal digit (fullwidth, Arabic-Indic, Devanagari ...) as its ASCII
    digit; anything else as it is."""
    return "".join(
        str(digit) if (digit := unicodedata.decimal(char, None)) is not None else char
        for char in value
    )


def code_length() -> int:
    """The digits of a one-time code (LOGIN_CODE_LENGTH, 4 to 8)."""
    return settings.LOGIN_CODE_LENGTH


class OneTimeCodeField(serializers.CharField):
    """A one-time code of LOGIN_CODE_LENGTH digits, as a person may type it: digits of any
    script are read as the ASCII digits they stand for (a phone keyboard may send
    "\uff11\uff12\uff13\uff14" for 1234). Anything else that is not a code of that length
    is a field error, refused before any code is looked at, so it costs no attempt and
    moves no counter."""

    # "invalid" too: CharField refuses a non-string with it, in the same words.
    default_error_messages = {"invalid": CODE_FORMAT, "format": CODE_FORMAT}

    def fail(self, key, **kwargs):
        super().fail(key, **{"n": code_length(), **kwargs})

    def to_internal_value(self, data):
        value = ascii_digits(super().to_internal_value(data))
        if not (value.isascii() and value.isdigit() and len(value) == code_length()):
            self.fail("format")
        return value


class OneTimeCodeFieldExtension(OpenApiSerializerFieldExtension):
    """The field's schema, read when the document is built: its pattern and example follow
    LOGIN_CODE_LENGTH."""

    target_class = OneTimeCodeField

    def map_serializer_field(self, auto_schema, direction):
        length = code_length()
        return {
            "type": "string",
            "pattern": f"^[0-9]{{{length}}}$",
            "example": "123456789"[:length],
        }
