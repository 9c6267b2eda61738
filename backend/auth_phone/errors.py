from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.errors import DomainError, NotFound


class NoActiveCode(DomainError):
    code = "no_active_code"
    message = _("No active code for this number. Request a new code.")


class CodeExpired(DomainError):
    code = "code_expired"
    message = _("The code has expired. Request a new code.")


class CodeAttemptsExhausted(DomainError):
    code = "code_attempts_exhausted"
    message = _("Too many wrong attempts for this code. Request a new code.")


class LastAttemptFailed(CodeAttemptsExhausted):
    """The wrong code that used up the last attempt: the code is dead from now on."""

    message = _("Invalid code. No attempts left: request a new code.")


class WrongCode(DomainError):
    """Raised with `n`, the attempts left."""

    code = "wrong_code"
    message = ngettext_lazy(
        "Invalid code. %(n)d attempt(s) left.", "Invalid code. %(n)d attempt(s) left.", "n"
    )


class InvalidRefreshToken(DomainError):
    status = 401
    code = "token_not_valid"  # simplejwt's code for the same refusal at /users/token/refresh/
    message = _("Token is invalid or expired.")


class NoActiveAccount(DomainError):
    status = 401
    code = "no_active_account"
    message = _("No active account found for the given token.")


class PhoneNotDeliverable(DomainError):
    code = "phone_not_deliverable"
    field = "phone"
    message = _("A login code cannot be sent to this number.")


# --- Phone change ---------------------------------------------------------------------
class PhoneTaken(DomainError):
    code = "phone_taken"
    field = "phone"
    message = _("This number already belongs to another account.")


class NoPendingPhoneChange(DomainError):
    code = "no_pending_phone_change"
    field = "phone"
    message = _("No change of number is waiting for a code. Ask for the change again.")


class NotPendingPhone(DomainError):
    code = "not_pending_phone"
    field = "phone"
    message = _("This is not the number you asked to change to.")


class ReauthenticationRequired(DomainError):
    """A change of number needs a login with a code within PHONE_CHANGE_REAUTH_SECONDS."""

    status = 403
    code = "reauthentication_required"
    message = _("Log in again with a code sent to your current number, then change it.")


# --- Sessions -----------------------------------------------------------------------------
class SessionNotFound(NotFound):
    """Not one of the caller's live sessions: another account's is not found either."""
