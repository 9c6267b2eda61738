from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, NotFound


class InvalidCode(DomainError):
    """A login (or a change of number) with a code failed: the code is wrong, expired or
    used up, or no code is live for the number. One answer for all (decision 54), so the
    answer cannot tell whether a number has a live code; `reason` (one of REASONS) is for
    the service's own metrics and logs, never for the client."""

    code = "invalid_code"
    message = _("Invalid or expired code. Check it, or request a new code.")

    WRONG = "wrong"
    NO_CODE = "no_code"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"
    REASONS = (WRONG, NO_CODE, EXPIRED, EXHAUSTED)

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(field=field)
        self.reason = reason


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
