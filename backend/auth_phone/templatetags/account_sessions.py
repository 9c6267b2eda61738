"""The account's app logins on the profile page (profiles renders the page and imports
nothing of the phone login; the template asks for them by this tag)."""

from django import template

from ..services import sessions

register = template.Library()


@register.inclusion_tag("auth_phone/sessions.html")
def account_sessions(user) -> dict:
    rows = list(sessions.live_sessions(user=user)[: sessions.SESSIONS_LISTED])
    return {"sessions": rows}
