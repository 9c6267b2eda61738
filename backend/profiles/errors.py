"""Rules of profiles and invite codes, as errors that carry their HTTP status and field."""

from project.errors import DomainError, NotFound

__all__ = [
    "AvatarInvalid",
    "InviteAlreadyActivated",
    "InviteCodeInvalid",
    "InviteCodeNotFound",
    "InviteCycle",
    "NoPendingPhoneChange",
    "NotFound",
    "NotPendingPhone",
    "OwnInviteCode",
    "PhoneReadOnly",
    "PhoneTaken",
]

CODE_FIELD = "user_referral"


class InviteCodeInvalid(DomainError):
    field = CODE_FIELD
    message = "An invite code is 6 characters: digits and letters A-Z."


class InviteCodeNotFound(DomainError):
    field = CODE_FIELD

    def __init__(self, code: str) -> None:
        super().__init__(f"Object with referral={code} does not exist.")


class InviteAlreadyActivated(DomainError):
    field = CODE_FIELD
    message = "Referral already input."


class OwnInviteCode(DomainError):
    field = CODE_FIELD
    message = "You cannot activate your own invite code."


class InviteCycle(DomainError):
    field = CODE_FIELD
    message = (
        "You cannot activate the code of a user who joined with your invite code, "
        "directly or through other users."
    )


class PhoneReadOnly(DomainError):
    field = "phone"
    message = "The phone number cannot be changed."


class PhoneTaken(DomainError):
    code = "phone_taken"
    field = "phone"
    message = "This number already belongs to another account."


class NoPendingPhoneChange(DomainError):
    code = "no_pending_phone_change"
    field = "phone"
    message = "No change of number is waiting for a code. Ask for the change again."


class NotPendingPhone(DomainError):
    code = "not_pending_phone"
    field = "phone"
    message = "This is not the number you asked to change to."


class AvatarInvalid(DomainError):
    field = "avatar"
    message = "Upload a valid image: JPEG, PNG, WebP or GIF."
