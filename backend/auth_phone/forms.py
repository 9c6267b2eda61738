"""Forms of the browser UI. They parse input with the same code as the API."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.phones import MAX_INPUT_LENGTH, InvalidPhone, normalize_phone

from .serializers import LoginInput


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        strip=True,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autocomplete": "tel",
                "inputmode": "tel",
                "placeholder": "+7 911 123-45-67",
                "maxlength": MAX_INPUT_LENGTH,
                "autofocus": True,
            }
        ),
    )

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except InvalidPhone as exc:
            raise forms.ValidationError(str(exc)) from exc


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.digits = settings.LOGIN_CODE_LENGTH
        self.fields["code"].widget.attrs["placeholder"] = "0" * self.digits
        # The page asks the browser for the code (WebOTP) only when the SMS carries its line.
        self.webotp = bool(settings.SMS_WEBOTP_DOMAIN)

    def clean_code(self) -> str:
        # The API's own field decides what a well-formed code is (and says so in its words).
        field = LoginInput().fields["code"]
        try:
            return field.run_validation(self.cleaned_data["code"])
        except serializers.ValidationError as exc:
            raise forms.ValidationError([str(m) for m in exc.detail]) from exc
