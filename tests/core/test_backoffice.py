"""The back office is scoped to the community and the staff member's role."""

import pytest
from django.core.management import call_command

from hromada.core.models import AuditEntry, CalendarDay, Department, StaffRole
from tests.factories import client_for, make_department, make_resident, make_staff


def test_residents_without_roles_cannot_enter_the_back_office(community):
    resident = make_resident(community)
    response = client_for(resident).get("/admin/")
    assert response.status_code == 302


def test_staff_see_only_their_communitys_departments(community, other_community):
    make_department(community, "Управління освіти")
    make_department(other_community, "Відділ ЖКГ Південного")
    staff = make_staff(community, StaffRole.Role.MODERATOR)
    page = client_for(staff).get("/admin/core/department/").content.decode()
    assert "Управління освіти" in page
    assert "Південного" not in page


def test_staff_of_one_community_see_nothing_in_another(community, other_community):
    staff = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    client = client_for(staff, host="pivdenne.localhost")
    assert client.get("/admin/core/department/").status_code == 403
    assert client.get("/staff/").status_code == 403


def test_administrator_edits_the_calendar_and_it_is_audited(community):
    admin = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    response = client_for(admin).post(
        "/admin/core/calendarday/add/",
        {"date": "2026-12-31", "kind": "holiday", "name": "Новий рік"},
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get()
    assert day.community == community
    assert AuditEntry.objects.filter(action="core.calendarday.created_in_admin").count() == 1


def test_moderators_cannot_edit_the_calendar(community):
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    response = client_for(moderator).post(
        "/admin/core/calendarday/add/", {"date": "2026-12-31", "kind": "holiday"}
    )
    assert response.status_code == 403
    assert CalendarDay.objects.count() == 0


def test_granting_a_role_in_the_back_office_goes_through_the_service(community):
    admin = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    resident = make_resident(community)
    department = make_department(community)
    response = client_for(admin).post(
        "/admin/core/staffrole/add/",
        {"resident": resident.pk, "role": "staff", "department": department.pk},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.is_staff
    assert resident.acts_for(department)
    assert AuditEntry.objects.filter(action="staff.role_granted").count() == 1


def test_audit_log_is_browsable_but_read_only(community):
    admin = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    client = client_for(admin)
    make_department(community)
    client.post("/admin/core/calendarday/add/", {"date": "2026-12-31", "kind": "holiday"})
    entry = AuditEntry.objects.get()
    assert (
        client.get("/admin/core/auditentry/?action=core.calendarday.created_in_admin").status_code
        == 200
    )
    assert (
        client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_department_staff_act_only_for_their_department(community):
    mine = make_department(community, "Моє управління")
    other = make_department(community, "Інше управління")
    staff = make_staff(community, StaffRole.Role.STAFF, department=mine)
    assert staff.acts_for(mine)
    assert not staff.acts_for(other)
    assert make_staff(community, StaffRole.Role.MODERATOR).acts_for(other)


def test_dashboard_for_staff(community):
    staff = make_staff(community, StaffRole.Role.MODERATOR)
    assert client_for(staff).get("/staff/").status_code == 200
    assert client_for(make_resident(community)).get("/staff/").status_code == 403


@pytest.mark.django_db
def test_demo_load_is_idempotent():
    call_command("seed_demo", verbosity=0)
    counts = (Department.objects.count(), StaffRole.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Department.objects.count(), StaffRole.objects.count()) == counts


def test_residents_actions_apply_to_the_community_of_the_request(community, other_community):
    resident = make_resident(None)
    client = client_for(resident, host="pivdenne.localhost")
    client.post("/accounts/profile/links/", {"kind": "studies", "note": "Південненський ліцей"})
    assert list(resident.links.values_list("community__slug", flat=True)) == ["pivdenne"]
    assert (
        "Південненський ліцей"
        not in client_for(resident).get("/accounts/profile/").content.decode()
    )
