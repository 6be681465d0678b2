"""`python -m hromada add_community` adds a tenant that its host names serve at once."""

import pytest
from django.core.management import CommandError, call_command

from hromada.core.middleware import forget_communities
from hromada.core.models import Community, StaffRole
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def test_a_new_community_is_served_at_its_own_domain(client, community, capsys, settings):
    settings.ALLOWED_HOSTS = ["rada.bilyaivka.example"]
    admin = make_resident(community, email="head@bilyaivka.example")
    call_command(
        "add_community",
        "bilyaivka",
        "Біляївська міська територіальна громада",
        "--domain",
        "Rada.Bilyaivka.Example",
        "--admin",
        "HEAD@bilyaivka.example",
    )
    added = Community.objects.get(slug="bilyaivka")
    assert added.domain == "rada.bilyaivka.example"
    assert "bilyaivka" in capsys.readouterr().out
    assert StaffRole.objects.filter(
        community=added, resident=admin, role=StaffRole.Role.ADMINISTRATOR
    ).exists()

    forget_communities()
    page = client.get("/", HTTP_HOST="rada.bilyaivka.example")
    assert "Біляївська міська територіальна громада" in page.text


def test_a_taken_short_name_or_domain_is_refused(community):
    Community.objects.filter(pk=community.pk).update(domain="rada.chornomorsk.example")
    with pytest.raises(CommandError):
        call_command("add_community", community.slug, "Друга")
    with pytest.raises(CommandError):
        call_command("add_community", "other", "Друга", "--domain", "rada.chornomorsk.example")
    with pytest.raises(CommandError):
        call_command("add_community", "third", "Третя", "--admin", "nobody@example.test")
    assert Community.objects.count() == 1
