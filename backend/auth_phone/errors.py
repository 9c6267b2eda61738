import math

from project.errors import DomainError


class NoActiveCode(DomainError):
    message = "No active code for this number. Request a new code."


class CodeExpired(DomainError):
    message = "The code has expired. Request a new code."


class CodeAttemptsExhausted(DomainError):
    message = "Too many wrong attempts for this code. Request a new code."


class WrongCode(DomainError):
    message = "Invalid code."


class InvalidRefreshToken(DomainError):
    status = 401
    message = "Token is invalid or expired."


class NoActiveAccount(DomainError):
    status = 401
    code = "no_active_account"
    message = "No active account found for the given token."


class PhoneNotDeliverable(DomainError):
    code = "phone_not_deliverable"
    field = "phone"
    message = "A login code cannot be sent to this number."


class SmsBudgetExhausted(DomainError):
    """The service has sent as many codes this hour as SMS_HOURLY_BUDGET allows."""

    status = 503
    code = "sms_budget_exhausted"
    reason = "The service has sent as many login codes this hour as it may."

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        # Worded like RateLimited (reason, then the wait), so the UI translates it alike.
        super().__init__(f"{self.reason} Try again in {self.retry_after} seconds.")
