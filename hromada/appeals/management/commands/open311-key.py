"""Issue an Open311 API key for a partner application: ``python -m hromada open311-key NAME``."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hromada.appeals.services import issue_open311_key
from hromada.core.errors import DomainError
from hromada.core.models import Community


class Command(BaseCommand):
    help = "Issue an Open311 API key for a partner application and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The application's name, e.g. “FixMyStreet Чорноморськ”.")
        parser.add_argument(
            "--community",
            default=None,
            help="The community's slug (default: HROMADA_DEFAULT_COMMUNITY).",
        )
        parser.add_argument(
            "--rate",
            type=int,
            default=60,
            help="Requests per minute the key may post; 0 means no limit (default 60).",
        )

    def handle(self, *args, name, community=None, rate=60, **options):
        slug = community or settings.HROMADA_DEFAULT_COMMUNITY
        found = Community.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No community with the slug {slug!r}.")
        try:
            key, raw = issue_open311_key(community=found, name=name, requests_per_minute=rate)
        except DomainError as error:
            raise CommandError("; ".join(error.fields.values()) or str(error)) from None
        self.stderr.write(f"Key {key.prefix}… for {key.name} in {found.slug}; store it now:")
        self.stdout.write(raw)
