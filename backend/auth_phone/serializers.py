from rest_framework import serializers

from core.fields import OneTimeCodeField, PhoneField
from profiles.serializers import ProfileOutput


class SmsCodeRequestInput(serializers.Serializer):
    phone = PhoneField()


class SmsCodeRequestOutput(serializers.Serializer):
    detail = serializers.CharField()
    phone = serializers.CharField()
    task_id = serializers.CharField(help_text="Celery task that delivers this SMS.")
    expires_in = serializers.IntegerField(help_text="Seconds the code lives.")
    resend_in = serializers.IntegerField(help_text="Seconds until another code may be asked.")


class LoginInput(serializers.Serializer):
    phone = PhoneField()
    password = OneTimeCodeField(
        required=False, help_text="The code from the SMS (LOGIN_CODE_LENGTH digits)."
    )
    code = OneTimeCodeField(required=False, help_text="Alias of `password`.")

    def validate(self, attrs):
        code = attrs.get("password") or attrs.get("code")
        if not code:
            required = self.fields["password"].error_messages["required"]
            raise serializers.ValidationError({"password": [required]}, code="required")
        return {"phone": attrs["phone"], "code": code}


class LoginOutput(serializers.Serializer):
    refresh = serializers.CharField()
    access = serializers.CharField()
    user_id = serializers.IntegerField()


def refresh_token_field(**kwargs) -> serializers.CharField:
    # Not trimmed: a token is checked as sent, so a blank-looking one is an invalid token
    # (401) rather than a missing field.
    return serializers.CharField(
        max_length=2048, trim_whitespace=False, help_text="A refresh token.", **kwargs
    )


class LogoutInput(serializers.Serializer):
    refresh = refresh_token_field()


class TokenRefreshInput(serializers.Serializer):
    refresh = refresh_token_field()


class TokenRefreshOutput(serializers.Serializer):
    access = serializers.CharField(help_text="New access token (15 min).")
    refresh = serializers.CharField(help_text="New refresh token (7 days); the old one is dead.")


class PhoneChangePendingOutput(ProfileOutput):
    """The profile, still with the old phone, and the change waiting for its code."""

    pending_phone = serializers.CharField(
        help_text="The new number (E.164) the code was sent to; confirm it at "
        "/users/update/sms/<pk>/."
    )
    task_id = serializers.CharField(help_text="Celery task that delivers the code's SMS.")
    expires_in = serializers.IntegerField(help_text="Seconds the code lives.")
    resend_in = serializers.IntegerField(
        help_text="Seconds until another code may be asked for this number."
    )


class PhoneChangeConfirmInput(serializers.Serializer):
    phone = PhoneField(help_text="The new number the code was sent to (any spelling).")
    # The login's own code field: digits of any script read as ASCII, anything else a
    # field error that costs no attempt.
    sms_code = OneTimeCodeField(
        required=False, help_text="The code from the SMS (LOGIN_CODE_LENGTH digits)."
    )
    code = OneTimeCodeField(required=False, help_text="Alias of `sms_code`.")

    def validate(self, attrs):
        code = attrs.get("sms_code") or attrs.get("code")
        if not code:
            raise serializers.ValidationError({"sms_code": ["This field is required."]})
        return {"phone": attrs["phone"], "code": code}


class PhoneChangeConfirmedOutput(ProfileOutput):
    """The profile with the new phone, and new tokens for the caller's login: every other
    login of the account ended with the change."""

    access = serializers.CharField(help_text="New access token of this login.")
    refresh = serializers.CharField(
        help_text="New refresh token of this login; the one held before no longer refreshes."
    )


class SessionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField(help_text="When the login happened.")
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text="The last refresh of its tokens; null before the first."
    )
    ip = serializers.IPAddressField(
        source="created_ip", allow_null=True, help_text="Client address at the login."
    )
    user_agent = serializers.CharField(help_text="User agent at the login (may be empty).")
    current = serializers.BooleanField(help_text="The login of the token of this request.")


class LogoutAllOutput(serializers.Serializer):
    detail = serializers.CharField()
    ended = serializers.IntegerField(help_text="How many other logins were ended.")


class PublicJwkOutput(serializers.Serializer):
    """A public key (RFC 7517, 7518 section 6; RFC 8037 for Ed25519)."""

    kid = serializers.CharField(help_text="Key id: the `kid` header of the tokens it signed.")
    kty = serializers.ChoiceField(choices=["EC", "OKP"], help_text="Key type.")
    crv = serializers.ChoiceField(choices=["P-256", "Ed25519"], help_text="Curve.")
    x = serializers.CharField(help_text="Public point, base64url.")
    y = serializers.CharField(required=False, help_text="Public point, base64url (EC only).")
    alg = serializers.ChoiceField(choices=["ES256", "EdDSA"], help_text="Signature algorithm.")
    use = serializers.ChoiceField(choices=["sig"], help_text="Always `sig`.")


class JwksOutput(serializers.Serializer):
    keys = PublicJwkOutput(many=True, help_text="Current key first, then retired ones.")
