"""
Demo service centre: Chornomorsk's ЦНАП with 12 desks and remote workplaces
in Oleksandrivka, Burlacha Balka and Malodolynske, about sixty services, two
weeks of visits (for the predictor and statistics) and a day in progress:
visitors waiting, desks serving, a board to look at. Pivdenne gets a small
office of its own. Idempotent: nothing happens if the community has offices.

Rows are written in bulk with their times (the queue's rules are what the
services and their tests cover), so seeding stays within a few seconds.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from hromada.cnap import selectors
from hromada.cnap.demo_catalogue import SERVICES, SITUATIONS
from hromada.cnap.models import (
    CnapRules,
    Desk,
    LifeSituation,
    Office,
    OfficeException,
    PriorityCategory,
    QueueEvent,
    ReceptionHours,
    Service,
    Ticket,
    TicketCounter,
)
from hromada.cnap.services import CNAP_HEAD, CNAP_OPERATOR, STAROSTA
from hromada.core.models import Community, Department, Identity, Resident, StaffRole

DEMO_PASSWORD = "hromada-demo-2026"
T = time

# Reception ends an hour before the working day does (the model regulations
# let the council set it); Tuesday and Thursday the centre works late.
CENTRAL_HOURS = {
    0: (T(8), T(16)),
    1: (T(8), T(20)),
    2: (T(8), T(16)),
    3: (T(8), T(20)),
    4: (T(8), T(15, 45)),
    5: (T(8), T(15)),
}
VILLAGE_HOURS = {day: (T(8), T(16)) for day in range(5)}

OFFICES = [
    (
        "ЦНАП Чорноморської міської ради",
        Office.Kind.CENTRAL,
        "проспект Миру, 33, м. Чорноморськ, 68003",
        46.3009,
        30.6552,
        "+380486869740",
        CENTRAL_HOURS,
    ),
    (
        "Віддалене робоче місце ЦНАП в Олександрівці (старостат)",
        Office.Kind.REMOTE,
        "вулиця Центральна, 12, смт Олександрівка, 67562",
        46.3451,
        30.6302,
        "+380486863215",
        VILLAGE_HOURS,
    ),
    (
        "Віддалене робоче місце ЦНАП у Бурлачій Балці (старостат)",
        Office.Kind.REMOTE,
        "вулиця Морська, 3, с. Бурлача Балка, 68094",
        46.2621,
        30.6121,
        "+380486861148",
        {**VILLAGE_HOURS, 4: (T(8), T(15))},
    ),
    (
        "Віддалене робоче місце ЦНАП у Малодолинському (старостат)",
        Office.Kind.REMOTE,
        "вулиця Виноградна, 1, с. Малодолинське, 67561",
        46.3301,
        30.5901,
        "+380486862207",
        VILLAGE_HOURS,
    ),
]

# Desks of the central office by the series of the services they handle.
CENTRAL_DESKS = {
    1: "А В",
    2: "А В",
    3: "А В",
    4: "Б Г О",
    5: "Б Г О В",
    6: "Б Д Е",
    7: "Д Е М",
    8: "Д Е М О",
    9: "Ж И",
    10: "И Л",
    11: "К Л Н",
    12: "А Б Д М О В",
}

PRIORITIES = [
    "Особи з інвалідністю I–II групи та їхній супровід",
    "Ветерани війни, члени сімей загиблих (померлих) Захисників",
    "Військовослужбовці",
    "Вагітні жінки",
    "Батьки з дітьми до 3 років",
]

STAFF = [
    ("cnap@chornomorsk.demo", "Литвин Оксана Григорівна", CNAP_HEAD),
    ("operator@chornomorsk.demo", "Савченко Дмитро Олегович", CNAP_OPERATOR),
]
OPERATORS = [
    "Ковальчук Ірина Миколаївна",
    "Мазур Віталій Андрійович",
    "Ткачук Людмила Петрівна",
    "Гнатюк Олег Романович",
    "Захарченко Анна Сергіївна",
    "Петрук Марія Іванівна",
    "Остапенко Юлія Вікторівна",
    "Кириленко Сергій Павлович",
    "Дорошенко Тетяна Олексіївна",
    "Руденко Андрій Васильович",
    "Федоренко Наталія Борисівна",
]


def load(community: Community) -> None:
    """Create the community's demo service centre unless it has offices already."""
    if Office.objects.filter(community=community).exists():
        return
    with transaction.atomic():
        if community.slug == "chornomorsk":
            Builder(community, seed=2026).build()
        else:
            _small(community)


def _small(community: Community) -> None:
    """One office and a handful of services, to show that communities stay apart."""
    CnapRules.objects.get_or_create(community=community)
    office = Office.objects.create(
        community=community,
        name="ЦНАП Південнівської міської ради",
        address="вулиця Хіміків, 9, м. Південне",
        lat=46.6221,
        lon=31.1011,
    )
    for weekday, (opens, closes) in VILLAGE_HOURS.items():
        ReceptionHours.objects.create(office=office, weekday=weekday, opens=opens, closes=closes)
    desk = Desk.objects.create(office=office, number=1)
    for code, name, *_rest in SERVICES[:3] + SERVICES[6:8]:
        service = Service(community=community, code=code, name=name, duration_minutes=12)
        service.search_text = selectors.search_text(service)
        service.save()
        desk.services.add(service)


class Builder:
    """Build the Chornomorsk centre, its history and a day in progress, in bulk."""

    def __init__(self, community: Community, *, seed: int):
        self.community = community
        self.random = random.Random(seed)
        self.now = timezone.now()

    def build(self) -> None:
        CnapRules.objects.get_or_create(community=self.community)
        self.situations = self._situations()
        self.services = self._services()
        self.priorities = [
            PriorityCategory.objects.create(community=self.community, name=name, position=i)
            for i, name in enumerate(PRIORITIES)
        ]
        self.offices = self._offices()
        self.operators = self._staff()
        self.desks = self._desks()
        for days_ago in range(14, 0, -1):
            self._day(timezone.localdate() - timedelta(days=days_ago), live=False)
        self._day(timezone.localdate(), live=True)

    def _situations(self) -> dict[str, LifeSituation]:
        return {
            slug: LifeSituation.objects.create(
                community=self.community, slug=slug, name=name, position=i
            )
            for i, (slug, name) in enumerate(SITUATIONS)
        }

    def _services(self) -> list[Service]:
        departments = {
            department.name: department
            for department in Department.objects.filter(community=self.community)
        }
        made = []
        for position, row in enumerate(SERVICES):
            code, name, situations, audience, provider, documents, cost, term = row[:8]
            result, legal, minutes, series, flags = row[8:]
            department = departments.get(provider)
            service = Service(
                community=self.community,
                code=code,
                name=name,
                audience=audience,
                documents=documents,
                cost=cost,
                term=term,
                result=result,
                legal_basis=legal,
                duration_minutes=minutes,
                series=series,
                provider_department=department,
                provider_name="" if department else provider,
                at_remote_workplace="r" in flags,
                by_mobile_office="m" in flags,
                needs_registers="n" in flags,
                booking_allowed="b" not in flags,
                diia_url="https://diia.gov.ua/services" if "d" in flags else "",
                position=position,
            )
            if cost and "безоплатно" not in cost:
                service.payment_details = (
                    "Отримувач: ГУК в Одеській обл./м.Чорноморськ/22012500\n"
                    "Код ЄДРПОУ 37607526\n"
                    "Рахунок UA908999980334179879027015744\n"
                    "Призначення: адміністративний збір за послугу " + code
                )
            service.search_text = selectors.search_text(service)
            service.save()
            service.life_situations.set([self.situations[slug] for slug in situations.split()])
            made.append(service)
        return made

    def _offices(self) -> list[Office]:
        offices = []
        holidays = [
            (date(2026, 12, 24), False, T(8), T(14), "Передсвятковий день: прийом до 14:00"),
            (date(2026, 12, 25), True, None, None, "Різдво Христове"),
            (date(2027, 1, 1), True, None, None, "Новий рік"),
        ]
        for position, (name, kind, address, lat, lon, phone, hours) in enumerate(OFFICES):
            department = None
            if kind == Office.Kind.REMOTE:
                department = Department.objects.create(
                    community=self.community,
                    name="Старостат: " + name.split(" в ")[-1].split(" у ")[-1],
                )
            office = Office.objects.create(
                community=self.community,
                name=name,
                kind=kind,
                address=address,
                lat=lat,
                lon=lon,
                phone=phone,
                department=department,
                position=position,
            )
            ReceptionHours.objects.bulk_create(
                ReceptionHours(office=office, weekday=day, opens=opens, closes=closes)
                for day, (opens, closes) in hours.items()
            )
            OfficeException.objects.bulk_create(
                OfficeException(
                    office=office, date=day, closed=closed, opens=opens, closes=closes, note=note
                )
                for day, closed, opens, closes, note in holidays
            )
            offices.append(office)
        return offices

    def _account(self, email: str, name: str, role: str, department=None) -> Resident:
        resident = Resident.objects.filter(email=email).first() or Resident.objects.create_user(
            email, DEMO_PASSWORD, full_name=name, identity_level=Identity.EMAIL, is_staff=True
        )
        StaffRole.objects.get_or_create(
            community=self.community, resident=resident, role=role, department=department
        )
        return resident

    def _staff(self) -> list[Resident]:
        for email, name, role in STAFF:
            self._account(email, name, role)
        operators = [Resident.objects.get(email="operator@chornomorsk.demo")]
        for index, name in enumerate(OPERATORS):
            operators.append(
                self._account(f"operator{index + 2}@chornomorsk.demo", name, CNAP_OPERATOR)
            )
        for index, office in enumerate(self.offices[1:]):
            operators.append(
                self._account(
                    f"starosta{index + 1}@chornomorsk.demo",
                    [
                        "Бондаренко Петро Іванович",
                        "Шевчук Галина Степанівна",
                        "Климко Василь Федорович",
                    ][index],
                    STAROSTA,
                    office.department,
                )
            )
        return operators

    def _desks(self) -> dict[Office, list[Desk]]:
        by_series: dict[str, list[Service]] = {}
        for service in self.services:
            by_series.setdefault(service.series, []).append(service)
        central = self.offices[0]
        desks = {central: []}
        # The demo operator sits at desk 5: residence, births, consultations.
        order = [5, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]
        for operator, number in zip(self.operators, order, strict=False):
            desk = Desk.objects.create(office=central, number=number, operator=operator)
            desk.services.set(
                [
                    service
                    for letter in CENTRAL_DESKS[number].split()
                    for service in by_series.get(letter, [])
                ]
            )
            desks[central].append(desk)
        remote = [service for service in self.services if service.at_remote_workplace]
        for office, starosta in zip(self.offices[1:], self.operators[-3:], strict=True):
            desk = Desk.objects.create(office=office, number=1, operator=starosta)
            desk.services.set(remote)
            desks[office] = [desk]
        return desks

    def _day(self, day: date, *, live: bool) -> None:
        """Visits of one day at every office; today's stop at the present moment."""
        for office, desks in self.desks.items():
            hours = (CENTRAL_HOURS if office.kind == Office.Kind.CENTRAL else VILLAGE_HOURS).get(
                day.weekday()
            )
            if hours is None:
                continue
            opens = timezone.make_aware(datetime.combine(day, hours[0]))
            closes = timezone.make_aware(datetime.combine(day, hours[1]))
            if live:
                # The day in progress, whatever the hour the demo is loaded:
                # as if it were mid-morning, shifted so that "now" is now.
                shift = self.now - (opens + timedelta(hours=3))
                opens, closes = opens + shift, self.now
            self._visits(office, desks, day, opens, closes, live=live)

    def _visits(self, office, desks, day, opens, closes, *, live: bool) -> None:
        rng = self.random
        visitors = 150 if office.kind == Office.Kind.CENTRAL else 12
        minutes = max(1, int((closes - opens).total_seconds() // 60))
        if live:
            visitors = visitors * minutes // 480 + (30 if office.kind == Office.Kind.CENTRAL else 2)
        handled = {desk.pk: {s.pk for s in desk.services.all()} for desk in desks}
        offered = sorted({pk for pks in handled.values() for pk in pks})
        services = {service.pk: service for service in self.services if service.pk in offered}
        arrivals = sorted(
            opens + timedelta(minutes=rng.uniform(0, minutes)) for _ in range(visitors)
        )
        free_at = {desk.pk: opens for desk in desks}
        counters: dict[str, int] = {}
        tickets, plans = [], []
        for arrived in arrivals:
            service = services[rng.choice(offered)]
            priority = rng.random() < 0.08
            series = "П" if priority else service.series
            counters[series] = counters.get(series, 0) + 1
            capable = [desk for desk in desks if service.pk in handled[desk.pk]]
            desk = min(capable, key=lambda d: free_at[d.pk])
            called = max(arrived, free_at[desk.pk]) + timedelta(seconds=rng.uniform(10, 90))
            mean = service.duration_minutes
            duration = timedelta(minutes=rng.lognormvariate(math.log(mean) - 0.08, 0.4))
            finished = called + timedelta(minutes=1) + duration
            free_at[desk.pk] = finished
            kind = rng.choices(["walk_in", "booked", "remote"], [0.6, 0.3, 0.1])[0]
            status, outcome = Ticket.Status.DONE, Ticket.Outcome.SERVED
            if rng.random() < 0.06:
                outcome = Ticket.Outcome.NEEDS_DOCUMENTS
            if live and called > self.now:
                status, desk_id, called, finished = Ticket.Status.WAITING, None, None, None
            elif live and finished > self.now:
                status, desk_id, finished = Ticket.Status.SERVING, desk.pk, None
            else:
                desk_id = desk.pk
            tickets.append(
                Ticket(
                    community=self.community,
                    office=office,
                    day=day,
                    series=series,
                    number=counters[series],
                    service=service,
                    kind=kind,
                    priority=rng.choice(self.priorities) if priority else None,
                    status=status,
                    outcome=outcome if status == Ticket.Status.DONE else "",
                    desk_id=desk_id,
                    queued_at=arrived,
                    checked_in_at=arrived,
                    slot_at=arrived.replace(minute=(arrived.minute // 15) * 15, second=0)
                    if kind == "booked"
                    else None,
                    called_at=called,
                    started_at=called + timedelta(minutes=1) if called else None,
                    finished_at=finished,
                )
            )
            plans.append(desk)
        # One ticket in hand per desk: of several unfinished, the latest is at
        # the desk, the earlier ones are done.
        in_hand: dict[int, Ticket] = {}
        for ticket in tickets:
            if ticket.status == Ticket.Status.SERVING:
                earlier = in_hand.get(ticket.desk_id)
                if earlier is not None:
                    earlier.status, earlier.finished_at = Ticket.Status.DONE, ticket.called_at
                    earlier.outcome = Ticket.Outcome.SERVED
                in_hand[ticket.desk_id] = ticket
        # The latest call of the day is still at the "called" step: the board shows it.
        if in_hand:
            latest = max(in_hand.values(), key=lambda ticket: ticket.called_at)
            latest.status, latest.started_at = Ticket.Status.CALLED, None
        Ticket.objects.bulk_create(tickets)
        TicketCounter.objects.bulk_create(
            TicketCounter(office=office, day=day, series=series, last=last)
            for series, last in counters.items()
        )
        events = []
        for ticket, desk in zip(tickets, plans, strict=True):
            common = {
                "community": self.community,
                "office": office,
                "ticket": ticket,
                "service_id": ticket.service_id,
                "priority": ticket.priority_id is not None,
            }
            events.append(QueueEvent(action="issued", at=ticket.queued_at, **common))
            if ticket.called_at:
                actor = desk.operator
                events.append(
                    QueueEvent(
                        action="called", at=ticket.called_at, desk=desk, actor=actor, **common
                    )
                )
                if ticket.started_at:
                    events.append(
                        QueueEvent(
                            action="started", at=ticket.started_at, desk=desk, actor=actor, **common
                        )
                    )
                if ticket.finished_at:
                    events.append(
                        QueueEvent(
                            action="finished",
                            at=ticket.finished_at,
                            desk=desk,
                            actor=actor,
                            outcome=ticket.outcome,
                            **common,
                        )
                    )
        QueueEvent.objects.bulk_create(events)


def demo_urls(port: str) -> list[str]:
    """Return the kiosk and board addresses of the demo's central office, for `make run`."""
    office = Office.objects.filter(community__slug="chornomorsk", kind=Office.Kind.CENTRAL).first()
    if office is None:
        return []
    base = f"http://chornomorsk.localhost:{port}/cnap"
    return [
        f"  ЦНАП kiosk:  {base}/kiosk/{office.pk}/",
        f"  ЦНАП board:  {base}/board/{office.pk}/",
    ]
