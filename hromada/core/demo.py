"""
Demo communities: Chornomorsk (Odesa oblast) and the small Pivdenne community.

`load()` is idempotent: a community that exists is left as it is, so running
`make run` again keeps whatever was changed in the demo.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from hromada.core.identity import tax_number_hash
from hromada.core.models import (
    CalendarDay,
    Community,
    CommunityLink,
    Department,
    Identity,
    Resident,
    Settlement,
    StaffRole,
    Street,
    SupportPoint,
)

DEMO_PASSWORD = "hromada-demo-2026"

CHORNOMORSK_TERRITORY = {
    "type": "Polygon",
    "coordinates": [
        [
            [30.560, 46.240],
            [30.700, 46.240],
            [30.720, 46.300],
            [30.700, 46.380],
            [30.560, 46.380],
            [30.540, 46.310],
            [30.560, 46.240],
        ]
    ],
}
PIVDENNE_TERRITORY = {
    "type": "Polygon",
    "coordinates": [
        [
            [31.050, 46.590],
            [31.150, 46.590],
            [31.150, 46.650],
            [31.050, 46.650],
            [31.050, 46.590],
        ]
    ],
}

CHORNOMORSK_STREETS = {
    "Чорноморськ": [
        ("проспект Миру", 46.3010, 30.6550),
        ("вулиця Парусна", 46.2985, 30.6580),
        ("вулиця 1 Травня", 46.3050, 30.6510),
        ("вулиця Віталія Шума", 46.2950, 30.6490),
        ("вулиця Радісна", 46.3080, 30.6470),
        ("вулиця Данченка", 46.3030, 30.6420),
        ("вулиця Корабельна", 46.2960, 30.6600),
        ("вулиця Хантадзе", 46.3000, 30.6450),
        ("вулиця Лазурна", 46.2920, 30.6530),
        ("вулиця Праці", 46.3100, 30.6530),
        ("вулиця Олександрійська", 46.3120, 30.6400),
        ("вулиця Шкільна", 46.3060, 30.6560),
        ("вулиця Паркова", 46.2990, 30.6520),
        ("вулиця Приморська", 46.2940, 30.6620),
        ("вулиця Залізнична", 46.3150, 30.6480),
    ],
    "Олександрівка": [
        ("вулиця Центральна", 46.3450, 30.6300),
        ("вулиця Степова", 46.3470, 30.6270),
    ],
    "Бурлача Балка": [
        ("вулиця Морська", 46.2620, 30.6120),
        ("вулиця Рибальська", 46.2600, 30.6150),
    ],
    "Малодолинське": [("вулиця Виноградна", 46.3300, 30.5900), ("вулиця Садова", 46.3320, 30.5930)],
}

DEPARTMENTS = [
    ("Управління житлово-комунального господарства", Department.Kind.UNIT),
    ("Управління капітального будівництва", Department.Kind.UNIT),
    ("Управління освіти", Department.Kind.UNIT),
    ("Відділ транспорту, зв'язку та організації перевезень", Department.Kind.UNIT),
    ("Центр надання адміністративних послуг", Department.Kind.UNIT),
    ("КП «Міське управління житлово-комунального господарства»", Department.Kind.ENTERPRISE),
    ("КП «Чорноморськводоканал»", Department.Kind.ENTERPRISE),
    ("КП «Чорноморськтеплоенерго»", Department.Kind.ENTERPRISE),
]

# The 2026 public holidays are suspended under martial law (Labour Code,
# art. 73), so the demo calendar only marks the days the council chose.
HOLIDAYS_2026 = [(date(2026, 12, 25), "Різдво Христове"), (date(2027, 1, 1), "Новий рік")]

DEMO_ACCOUNTS = [
    # email, full name, identity, role
    ("resident@chornomorsk.demo", "Іваненко Олена Петрівна", Identity.STRONG, None),
    ("newcomer@chornomorsk.demo", "Коваль Андрій Сергійович", Identity.EMAIL, None),
    ("staff@chornomorsk.demo", "Мельник Ігор Васильович", Identity.EMAIL, StaffRole.Role.STAFF),
    (
        "moderator@chornomorsk.demo",
        "Бондар Наталія Олегівна",
        Identity.EMAIL,
        StaffRole.Role.MODERATOR,
    ),
    (
        "admin@chornomorsk.demo",
        "Шевченко Тарас Миколайович",
        Identity.STRONG,
        StaffRole.Role.ADMINISTRATOR,
    ),
]


def demo_logins() -> list[tuple[str, str]]:
    return [
        ("resident@chornomorsk.demo", "мешканець, ID.GOV.UA / resident, strong identity"),
        ("newcomer@chornomorsk.demo", "мешканець, лише e-mail / resident, e-mail only"),
        ("staff@chornomorsk.demo", "працівник управління ЖКГ / department staff"),
        ("moderator@chornomorsk.demo", "модератор / moderator"),
        ("admin@chornomorsk.demo", "адміністратор / administrator"),
        ("cnap@chornomorsk.demo", "керівник ЦНАП / service centre head"),
        ("operator@chornomorsk.demo", "адміністратор ЦНАП, вікно 5 / desk operator"),
    ]


NAMES_GENITIVE = {
    "chornomorsk": "Чорноморської міської територіальної громади",
    "pivdenne": "Південнівської міської територіальної громади",
}


@transaction.atomic
def load() -> list[Community]:
    """Create the demo communities and accounts unless they exist already."""
    chornomorsk = Community.objects.filter(slug="chornomorsk").first()
    if chornomorsk is None:
        chornomorsk = _chornomorsk()
    pivdenne = Community.objects.filter(slug="pivdenne").first()
    if pivdenne is None:
        pivdenne = _pivdenne()
    # Also for a demo database made before communities had the genitive.
    for community in (chornomorsk, pivdenne):
        if not community.name_genitive:
            community.name_genitive = NAMES_GENITIVE[community.slug]
            community.save(update_fields=["name_genitive"])
    # Also for a demo database made before support points existed.
    if not SupportPoint.objects.filter(community=chornomorsk).exists():
        _support_points(chornomorsk)
    return [chornomorsk, pivdenne]


# The service centre and two of its remote workplaces in starosta offices.
SUPPORT_POINTS = [
    (
        "Центр надання адміністративних послуг (ЦНАП)",
        "проспект Миру, 33, м. Чорноморськ, 68003",
        "Пн, Ср, Пт 8:00–17:00; Вт, Чт 8:00–20:00; Сб 8:00–15:00",
        "+380486869740",
    ),
    (
        "Старостат Олександрівського старостинського округу",
        "вулиця Центральна, 12, смт Олександрівка, 67562",
        "Пн–Пт 8:00–17:00, перерва 12:00–13:00",
        "+380486863215",
    ),
    (
        "Старостат Бурлачобалківського старостинського округу",
        "вулиця Морська, 3, с. Бурлача Балка, 68094",
        "Пн–Чт 8:00–17:00, Пт 8:00–16:00, перерва 12:00–13:00",
        "+380486861148",
    ),
]


def _support_points(community: Community) -> None:
    cnap = Department.objects.filter(
        community=community, name="Центр надання адміністративних послуг"
    ).first()
    for position, (name, address, hours, phone) in enumerate(SUPPORT_POINTS):
        SupportPoint.objects.get_or_create(
            community=community,
            name=name,
            defaults={
                "address": address,
                "hours": hours,
                "phone": phone,
                "department": cnap,
                "identifies": True,
                "accepts_paper_ballots": True,
                "position": position,
            },
        )


def _chornomorsk() -> Community:
    community = Community.objects.create(
        slug="chornomorsk",
        name="Чорноморська міська територіальна громада",
        name_en="Chornomorsk city territorial community",
        council_name="Чорноморська міська рада Одеського району Одеської області",
        katottg="UA51100370000015427",
        edrpou="04056204",
        email="rada@chornomorsk.demo",
        phone="+380486869700",
        postal_address="проспект Миру, 33, м. Чорноморськ, 68003",
        website="https://chornomorsk.demo",
        territory=CHORNOMORSK_TERRITORY,
    )
    kinds = {"Чорноморськ": Settlement.Kind.CITY, "Олександрівка": Settlement.Kind.TOWN}
    for name, streets in CHORNOMORSK_STREETS.items():
        settlement = Settlement.objects.create(
            community=community, name=name, kind=kinds.get(name, Settlement.Kind.VILLAGE)
        )
        for street, lat, lon in streets:
            Street.objects.create(settlement=settlement, name=street, lat=lat, lon=lon)
    departments = [
        Department.objects.create(community=community, name=name, kind=kind)
        for name, kind in DEPARTMENTS
    ]
    for day, name in HOLIDAYS_2026:
        CalendarDay.objects.create(community=community, date=day, kind="holiday", name=name)
    home = Street.objects.get(settlement__community=community, name="проспект Миру")
    for index, (email, name, level, role) in enumerate(DEMO_ACCOUNTS):
        resident = Resident.objects.filter(email=email).first() or Resident.objects.create_user(
            email,
            DEMO_PASSWORD,
            full_name=name,
            identity_level=level,
            birth_date=date(1970 + index * 4, 3 + index, 10 + index),
        )
        if level == Identity.STRONG:
            resident.tax_hash = tax_number_hash(f"30123456{index:02d}")
            resident.save(update_fields=["tax_hash"])
        CommunityLink.objects.get_or_create(
            resident=resident,
            community=community,
            kind=CommunityLink.Kind.LIVES,
            defaults={"street": home, "house": str(5 + index)},
        )
        if role:
            StaffRole.objects.create(
                community=community,
                resident=resident,
                role=role,
                department=departments[0] if role == StaffRole.Role.STAFF else None,
            )
            resident.is_staff = True
            resident.is_superuser = role == StaffRole.Role.ADMINISTRATOR
            resident.save(update_fields=["is_staff", "is_superuser"])
    departments[0].head = Resident.objects.get(email="staff@chornomorsk.demo")
    departments[0].save(update_fields=["head"])
    return community


def _pivdenne() -> Community:
    community = Community.objects.create(
        slug="pivdenne",
        name="Південнівська міська територіальна громада",
        name_en="Pivdenne city territorial community",
        council_name="Південненська міська рада",
        katottg="UA51100310000016452",
        edrpou="26319009",
        email="rada@pivdenne.demo",
        territory=PIVDENNE_TERRITORY,
    )
    settlement = Settlement.objects.create(
        community=community, name="Південне", kind=Settlement.Kind.CITY
    )
    Street.objects.create(settlement=settlement, name="вулиця Хіміків", lat=46.622, lon=31.101)
    Street.objects.create(settlement=settlement, name="вулиця Миру", lat=46.624, lon=31.098)
    Department.objects.create(community=community, name="Відділ житлово-комунального господарства")
    staff = Resident.objects.filter(
        email="staff@pivdenne.demo"
    ).first() or Resident.objects.create_user(
        "staff@pivdenne.demo",
        DEMO_PASSWORD,
        full_name="Гончаренко Ольга Іванівна",
        identity_level=Identity.EMAIL,
        is_staff=True,
    )
    StaffRole.objects.create(community=community, resident=staff, role=StaffRole.Role.ADMINISTRATOR)
    return community
