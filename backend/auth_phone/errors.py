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
