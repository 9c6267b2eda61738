from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.errors import DomainError
from core.fields import PhoneField

from .models import INVITE_CODE_LENGTH
from .services import avatars, invites


class StrictCharField(serializers.CharField):
    """A string and nothing else: numbers, lists and objects are refused, not converted."""

    default_error_messages = {"invalid": _("Not a valid string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _domain_check(check, value):
    try:
        return check(value)
    except DomainError as exc:
        # The code travels with the message: the error body names the rule, as it does
        # when a service raises the same error.
        raise serializers.ValidationError(exc.text, code=exc.code) from exc


class ProfileOutput(serializers.Serializer):
    id = serializers.IntegerField()
    phone = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    first_name = serializers.CharField(allow_null=True)
    last_name = serializers.CharField(allow_null=True)
    avatar = serializers.ImageField(
        allow_null=True, use_url=True, help_text="Absolute URL of the avatar image, or null."
    )
    self_referral = serializers.CharField(help_text="The user's own invite code.")
    user_referral = serializers.CharField(
        allow_null=True, help_text="The invite code this user activated, or null."
    )
    users_list = serializers.ListField(
        child=serializers.CharField(),
        help_text="Phones of the users who activated this user's code, oldest first.",
    )
    referrals_count = serializers.IntegerField()


class ReferralOutput(serializers.Serializer):
    phone = serializers.CharField()
    referred_at = serializers.DateTimeField(help_text="When this user activated the code.")


class ProfileUpdateInput(serializers.Serializer):
    """Every field is optional, with PUT as with PATCH: what is absent stays as it is."""

    phone = PhoneField(
        required=False,
        help_text="Your number (any spelling: nothing changes), or a new one: a code goes "
        "there by SMS and the change waits for it (202).",
    )
    email = serializers.EmailField(
        required=False, allow_null=True, allow_blank=True, max_length=254
    )
    first_name = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=150)
    last_name = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=150)
    avatar = serializers.FileField(
        required=False,
        allow_null=True,
        help_text="JPEG (multi-picture JPEGs too), PNG, WebP or GIF image (multipart "
        "upload) of at most 2 MiB and 16,777,216 pixels, 10 uploads an hour; stored encoded "
        "again without EXIF, GPS, XMP, comments or colour profile, first frame only. null "
        "clears it.",
    )
    user_referral = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=f"An invite code to activate ({INVITE_CODE_LENGTH} characters, any case); "
        "once per user. null or empty: nothing to activate.",
    )

    def validate_avatar(self, value):
        if value is not None:
            _domain_check(avatars.check_avatar, value)
        return value

    def validate_user_referral(self, value):
        if not value:
            return None
        return _domain_check(invites.normalize_invite_code, value)
