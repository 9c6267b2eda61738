"""Forms of the profile pages. They only shape the input; the rules are in services/."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.phones import MAX_INPUT_LENGTH, InvalidPhone, normalize_phone

from .models import INVITE_CODE_LENGTH, User


class ActivateInviteForm(forms.Form):
    code = forms.CharField(
        label=_("Invite code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "A7K2Q9",
                "size": INVITE_CODE_LENGTH + 2,
            }
        ),
    )


def _model_field(name: str, label) -> forms.Field:
    """The form field of a User column: its length and format checks, as the API has."""
    field = User._meta.get_field(name)
    assert isinstance(field, models.Field), name
    form_field = field.formfield(label=label, required=False)
    assert form_field is not None, name
    return form_field


class ProfileForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        help_text=_("A new number gets a code by SMS; it replaces this one once you enter it."),
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autocomplete": "tel",
                "inputmode": "tel",
                "maxlength": MAX_INPUT_LENGTH,
            }
        ),
    )
    first_name = _model_field("first_name", _("First name"))
    last_name = _model_field("last_name", _("Last name"))
    email = _model_field("email", _("E-mail"))
    avatar = forms.FileField(
        label=_("New avatar"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove the avatar"), required=False)

    def clean_phone(self) -> str | None:
        raw = self.cleaned_data["phone"]
        if not raw:
            return None  # left empty: the number stays as it is
        try:
            return normalize_phone(raw)
        except InvalidPhone as exc:
            raise forms.ValidationError(str(exc)) from exc

    def changes(self) -> dict:
        """The fields for users.update_profile: the avatar only when replaced or removed."""
        fields = {name: self.cleaned_data[name] for name in ("first_name", "last_name", "email")}
        if self.cleaned_data.get("phone"):
            fields["phone"] = self.cleaned_data["phone"]
        if self.cleaned_data.get("avatar"):
            fields["avatar"] = self.cleaned_data["avatar"]
        elif self.cleaned_data.get("remove_avatar"):
            fields["avatar"] = None
        return fields
