"""
Add a community to a running installation: one command, no restart.

    python -m hromada add_community bilyaivka "Біляївська міська територіальна громада" \
        --domain rada.bilyaivka.example --name-en "Biliaivka city territorial community"

The community is served at once at `<slug>.<HROMADA_BASE_DOMAIN>` and, with
--domain, at its own domain too (the host decides the community; each app
server notices a new community within half a minute). Its
settlements, streets, departments and staff roles are then filled in the
back office, by the platform operator or the administrator named here.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hromada.core.models import Community, Resident, StaffRole
from hromada.core.notifications import site_url


class Command(BaseCommand):
    help = "Add a community (tenant): its short name, name, own domain and first administrator."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="short name: <slug>.<base domain> serves it")
        parser.add_argument("name", help="official name, in Ukrainian")
        parser.add_argument("--name-en", default="", help="the name in English")
        parser.add_argument("--domain", default="", help="its own domain, e.g. rada.example.ua")
        parser.add_argument(
            "--admin", default="", metavar="EMAIL", help="an account to make its administrator"
        )

    @transaction.atomic
    def handle(self, *args, slug, name, name_en, domain, admin, **options):
        domain = domain.strip().lower().rstrip(".")
        administrator = None
        if admin:
            administrator = Resident.objects.filter(email__iexact=admin.strip()).first()
            if administrator is None:
                raise CommandError(f"No account has the e-mail {admin}: sign up first.")
        community = Community(slug=slug, name=name, name_en=name_en, domain=domain)
        try:
            community.full_clean()
        except ValidationError as error:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            raise CommandError(problems) from None
        community.save()
        if administrator is not None:
            StaffRole.objects.create(
                community=community, resident=administrator, role=StaffRole.Role.ADMINISTRATOR
            )
            if not administrator.is_staff:
                administrator.is_staff = True
                administrator.save(update_fields=["is_staff"])
        self.stdout.write(f"{community.slug}: {site_url(community)}")
