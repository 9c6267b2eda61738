"""manage.py webhook_endpoint add URL --secret S --events E1,E2|*  |  list  |  remove ID"""

from django.core.management.base import BaseCommand, CommandError

from webhooks import safety, services
from webhooks.models import WebhookEndpoint


class Command(BaseCommand):
    help = "Add, list or remove webhook endpoints."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add an endpoint.")
        add.add_argument("url")
        add.add_argument("--secret", required=True)
        add.add_argument("--events", required=True, help="Comma-separated types, or *.")
        sub.add_parser("list", help="List the endpoints (secrets not shown).")
        remove = sub.add_parser("remove", help="Remove an endpoint and its delivery log.")
        remove.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        if action == "add":
            events = [e.strip() for e in options["events"].split(",") if e.strip()]
            try:
                endpoint = services.create_endpoint(
                    url=options["url"], secret=options["secret"], events=events
                )
            except safety.UrlRefused as exc:
                raise CommandError(str(exc)) from None
            except services.UnknownEventType as exc:
                raise CommandError(f"Unknown event type(s): {exc}") from None
            self.stdout.write(f"Added endpoint {endpoint.pk}: {endpoint.url}")
        elif action == "list":
            for e in WebhookEndpoint.objects.all():
                state = "active" if e.active else f"disabled: {e.disabled_reason or 'by hand'}"
                self.stdout.write(f"{e.pk}\t{e.url}\t{','.join(e.events)}\t{state}")
        else:
            deleted, _ = WebhookEndpoint.objects.filter(pk=options["id"]).delete()
            if not deleted:
                raise CommandError(f"No endpoint {options['id']}.")
            self.stdout.write(f"Removed endpoint {options['id']}.")
