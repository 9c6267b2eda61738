"""manage.py signing_keys rotate  |  list"""

from django.core.management.base import BaseCommand, CommandError

from auth_phone.services import signing_keys


class Command(BaseCommand):
    help = "Rotate or list the keys that sign tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "rotate",
            help="Make a new current key; the old one signs nothing more and stays published "
            "until the tokens it signed have expired. Web processes switch within "
            "JWT_KEY_CACHE_SECONDS.",
        )
        sub.add_parser("list", help="List the keys a token may name (no private part shown).")

    def handle(self, *args, action, **options):
        if action == "rotate":
            try:
                new = signing_keys.rotate_signing_key()
            except (signing_keys.SigningKeysFromFiles, ValueError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"New current key {new.kid} ({new.algorithm})")
            return
        for key in signing_keys.list_signing_keys():
            when = key.created_at.isoformat(timespec="seconds") if key.created_at else "-"
            until = (
                f"verifies until {key.verifies_until.isoformat(timespec='seconds')}"
                if key.verifies_until
                else ""
            )
            self.stdout.write(
                "\t".join([key.kid, key.algorithm, key.state, key.source, when, until]).rstrip()
            )
