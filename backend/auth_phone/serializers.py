from rest_framework import serializers

from core.fields import OneTimeCodeField, PhoneField


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
    password = OneTimeCodeField(required=False, help_text="The 4-digit code from the SMS.")
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
