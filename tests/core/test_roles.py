"""Staff roles are a closed list: chosen from a select, checked by the database, shown by name."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from hromada.budget.services import OPERATOR_ROLE
from hromada.core import services
from hromada.core.errors import ValidationFailed
from hromada.core.models import StaffRole
from tests.factories import client_for, make_department, make_resident, make_staff

pytestmark = pytest.mark.django_db


def test_every_role_the_modules_check_is_a_choice():
    """The budget's paper-ballot operator is one of the roles an administrator can give."""
    assert OPERATOR_ROLE in StaffRole.Role.values
    assert {"administrator", "moderator", "staff", OPERATOR_ROLE} <= set(StaffRole.Role.values)


def test_the_database_refuses_an_unknown_role(community):
    resident = make_resident(community)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffRole.objects.create(community=community, resident=resident, role="moderater")


def test_granting_an_unknown_role_is_a_field_error(community):
    administrator = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    resident = make_resident(community)
    with pytest.raises(ValidationFailed) as raised:
        services.grant_role(
            actor=administrator, community=community, resident=resident, role="moderater"
        )
    assert raised.value.fields == {"role": "Оберіть одну із запропонованих ролей."}
    assert not resident.staff_roles.exists()


def test_the_back_office_offers_roles_by_name_and_lists_them_by_name(community):
    administrator = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    operator = make_resident(community, full_name="Оператор Пункту Підтримки")
    services.grant_role(
        actor=administrator, community=community, resident=operator, role=OPERATOR_ROLE
    )
    client = client_for(administrator)

    form = client.get("/admin/core/staffrole/add/").content.decode()
    assert '<select name="role"' in form
    assert '<option value="budget_operator">оператор громадського бюджету</option>' in form
    assert '<option value="moderator">модератор</option>' in form

    listing = client.get("/admin/core/staffrole/").content.decode()
    assert "оператор громадського бюджету" in listing
    assert "адміністратор" in listing
    assert "budget_operator" not in listing.replace('role__exact=budget_operator"', "")


def test_the_back_office_gives_a_role_chosen_from_the_list(community):
    administrator = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    resident = make_resident(community)
    client = client_for(administrator)
    typo = client.post("/admin/core/staffrole/add/", {"resident": resident.pk, "role": "moderater"})
    assert typo.status_code == 200  # the form again, with the error
    assert not resident.staff_roles.exists()
    client.post("/admin/core/staffrole/add/", {"resident": resident.pk, "role": "moderator"})
    assert list(resident.staff_roles.values_list("role", flat=True)) == ["moderator"]


def test_the_dashboard_names_the_staff_members_roles(community):
    department = make_department(community)
    staff = make_staff(community, StaffRole.Role.STAFF, department=department)
    page = client_for(staff).get("/staff/").content.decode()
    assert "Ваші ролі: працівник підрозділу (Управління ЖКГ)" in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_on_unknown_roles_and_lists_them(community):
    """Rows with a mistyped role stop the migration; it names each row, none is changed."""
    resident = make_resident(community)
    executor = MigrationExecutor(connection)
    before = [("core", "0005_apitoken_expires_at_required")]
    after = [("core", "0006_staff_role_choices")]
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO core_staffrole (community_id, resident_id, role) VALUES (%s, %s, %s)",
                [community.pk, resident.pk, "moderater"],
            )
        executor = MigrationExecutor(connection)
        with pytest.raises(RuntimeError) as raised:
            executor.migrate(after)
        message = str(raised.value)
        assert "role 'moderater', community chornomorsk" in message
        assert f"resident id {resident.pk}" in message
        with connection.cursor() as cursor:
            cursor.execute("SELECT role FROM core_staffrole")
            assert cursor.fetchall() == [("moderater",)]
            cursor.execute("DELETE FROM core_staffrole")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
