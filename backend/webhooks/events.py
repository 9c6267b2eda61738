"""The event types a webhook endpoint can subscribe to, with the `data` each one carries.

Every payload is `{"id": "<uuid>", "type": "<type>", "created_at": "<ISO 8601>",
"data": {...}}`; `id` stays the same on every retry of one event, so a receiver
de-duplicates on it. Phones are in full (E.164): receivers are trusted by configuration.
"""

from __future__ import annotations

USER_CREATED = "user.created"
USER_LOGGED_IN = "user.logged_in"
INVITE_ACTIVATED = "invite.activated"
PHONE_CHANGED = "phone.changed"
USER_DELETED = "user.deleted"
SMS_DELIVERED = "sms.delivered"
SMS_FAILED = "sms.failed"

# type -> (when it is sent, an example of its `data`)
EVENT_TYPES: dict[str, tuple[str, dict]] = {
    USER_CREATED: (
        "A phone number asked for its first code: the account exists from now on.",
        {"user_id": 42, "phone": "+79991234567", "invite_code": "A1B2C3"},
    ),
    USER_LOGGED_IN: (
        "The account's first successful login (its phone is verified from now on); "
        "later logins send nothing.",
        {"user_id": 42, "phone": "+79991234567", "logged_in_at": "2026-01-31T12:00:00Z"},
    ),
    INVITE_ACTIVATED: (
        "A user activated somebody else's invite code (once per user, ever).",
        {
            "user_id": 42,
            "phone": "+79991234567",
            "inviter_id": 7,
            "inviter_phone": "+79990000007",
            "invite_code": "Z9Y8X7",
            "activated_at": "2026-01-31T12:00:00Z",
        },
    ),
    PHONE_CHANGED: (
        "A user moved the account to another phone number.",
        {
            "user_id": 42,
            "old_phone": "+79991234567",
            "new_phone": "+79997654321",
            "changed_at": "2026-01-31T12:00:00Z",
        },
    ),
    USER_DELETED: (
        "The account was deleted; users who activated its code keep their accounts. "
        "No phone: the receiver knows the account by user_id.",
        {"user_id": 42, "deleted_at": "2026-01-31T12:00:00Z"},
    ),
    SMS_DELIVERED: (
        "The provider reports that an SMS (a login code, a phone-change code, a notice) "
        "reached the phone. The number is masked; user_id is null for a notice.",
        {
            "user_id": 42,
            "provider": "smsaero",
            "message_id": "1001",
            "state": "delivered",
            "phone": "+7*******67",
            "reported_at": "2026-01-31T12:00:05Z",
        },
    ),
    SMS_FAILED: (
        "An SMS the provider took did not reach the phone: state is `undelivered`, "
        "`rejected` or `expired` (no final state before SMS_RECEIPT_GIVE_UP).",
        {
            "user_id": 42,
            "provider": "twilio",
            "message_id": "SM0123456789abcdef0123456789abcdef",
            "state": "undelivered",
            "phone": "+7*******67",
            "reported_at": "2026-01-31T12:05:00Z",
        },
    ),
}
ALL = "*"
