"""Session keys the browser UI of more than one app reads."""

# An invite link followed before logging in (auth_phone keeps it, profiles offers it).
INVITE_CODE = "invite_code"
