"""
Demo data of the participatory budget.

Chornomorsk gets a 2026 cycle in voting, with about forty projects in every
state and a few thousand ballots, and a finished 2025 cycle with approved
results and projects being implemented. Pivdenne gets a small cycle open for
submissions. Projects go through the services (as residents and staff would
take them); the demo voters and their ballots are bulk-inserted for speed.
Idempotent: a community that has cycles is left alone.
"""

from __future__ import annotations

import hashlib
import io
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from hromada.budget import services
from hromada.budget.models import Ballot, Category, Choice, Cycle, Project
from hromada.budget.selectors import forget_counts
from hromada.core.identity import tax_number_hash
from hromada.core.models import (
    Community,
    CommunityLink,
    Department,
    Identity,
    Resident,
    Settlement,
    StaffRole,
    Street,
)

# (title, problem, category key, settlement name, cost in UAH)
PROJECTS_2026 = [
    (
        "Сучасний дитячий майданчик у сквері на вулиці Парусній",
        "Старий майданчик небезпечний",
        "small",
        "Чорноморськ",
        286_000,
    ),
    (
        "Велопарковки біля шкіл і бібліотек",
        "Велосипеди кріплять до дерев і парканів",
        "small",
        "Чорноморськ",
        99_000,
    ),
    (
        "Інклюзивна зона відпочинку в міському парку",
        "Людям на візках ніде відпочити в парку",
        "small",
        "Чорноморськ",
        275_000,
    ),
    (
        "Освітлення пішохідної доріжки до моря",
        "Увечері доріжка темна й небезпечна",
        "small",
        "Чорноморськ",
        242_000,
    ),
    (
        "Спортивний майданчик для воркауту біля ліцею №3",
        "Підліткам ніде займатися на вулиці",
        "small",
        "Чорноморськ",
        264_000,
    ),
    (
        "Бібліотека речей: інструменти напрокат",
        "Рідко потрібні інструменти дорого купувати",
        "small",
        "Чорноморськ",
        88_000,
    ),
    (
        "Зелений дворик на вулиці 1 Травня",
        "Двір без дерев і лавок",
        "small",
        "Чорноморськ",
        154_000,
    ),
    (
        "Тактильні мапи для людей з порушенням зору",
        "Незрячим важко орієнтуватися в центрі",
        "small",
        "Чорноморськ",
        132_000,
    ),
    (
        "Питні фонтанчики на набережній",
        "Влітку на набережній немає питної води",
        "small",
        "Чорноморськ",
        198_000,
    ),
    (
        "Майданчик для вигулу собак",
        "Собак вигулюють на дитячих майданчиках",
        "small",
        "Чорноморськ",
        209_000,
    ),
    (
        "Облаштування укриття у школі №5 для гуртків",
        "Діти проводять тривоги в непристосованому укритті",
        "small",
        "Чорноморськ",
        297_000,
    ),
    (
        "Лавки й урни на проспекті Миру",
        "Бракує місць для відпочинку літнім людям",
        "small",
        "Чорноморськ",
        77_000,
    ),
    (
        "Шахово-шашковий клуб просто неба",
        "Літні мешканці не мають місця для ігор",
        "small",
        "Чорноморськ",
        66_000,
    ),
    (
        "Пандуси до поліклініки та ЦНАП",
        "Людям з інвалідністю важко потрапити всередину",
        "small",
        "Чорноморськ",
        231_000,
    ),
    (
        "Квіткові клумби на вулиці Шкільній",
        "Вулиця сіра й неохайна",
        "small",
        "Чорноморськ",
        44_000,
    ),
    (
        "Мобільна сцена для вуличних концертів",
        "Немає де проводити невеликі концерти",
        "small",
        "Чорноморськ",
        253_000,
    ),
    (
        "Скейт-парк у мікрорайоні Приморський",
        "Молоді ніде кататися безпечно",
        "large",
        "Чорноморськ",
        1_320_000,
    ),
    (
        "Реконструкція стадіону школи №1",
        "Покриття стадіону зруйноване",
        "large",
        "Чорноморськ",
        1_485_000,
    ),
    (
        "Парк відпочинку з амфітеатром біля маяка",
        "У місті бракує громадських просторів",
        "large",
        "Чорноморськ",
        1_430_000,
    ),
    (
        "Енергонезалежна амбулаторія: сонячні панелі",
        "Під час відключень амбулаторія без світла",
        "large",
        "Чорноморськ",
        990_000,
    ),
    (
        "Безпечні пішохідні переходи біля шкіл",
        "Діти переходять дорогу в небезпечних місцях",
        "large",
        "Чорноморськ",
        880_000,
    ),
    (
        "Центр дозвілля для молоді в бібліотеці",
        "Підліткам немає де збиратися взимку",
        "large",
        "Чорноморськ",
        770_000,
    ),
    (
        "Велодоріжка проспектом Миру",
        "Велосипедисти їдуть проїжджою частиною",
        "large",
        "Чорноморськ",
        1_210_000,
    ),
    (
        "Дитячий майданчик у Бурлачій Балці",
        "У селі немає жодного майданчика",
        "local",
        "Бурлача Балка",
        220_000,
    ),
    ("Освітлення вулиці Морської", "Вулиця без ліхтарів", "local", "Бурлача Балка", 165_000),
    (
        "Зупинка громадського транспорту з навісом",
        "Люди чекають автобус під дощем",
        "local",
        "Бурлача Балка",
        110_000,
    ),
    (
        "Спортивні тренажери біля клубу",
        "Немає де займатися спортом",
        "local",
        "Бурлача Балка",
        143_000,
    ),
    (
        "Облаштування пляжу для людей з інвалідністю",
        "Немає спуску до моря",
        "local",
        "Бурлача Балка",
        275_000,
    ),
    ("Відновлення криниці в центрі села", "Криниця занедбана", "local", "Бурлача Балка", 55_000),
    ("Фестиваль вуличної їжі", "Немає місця для фестивалів", "small", "Чорноморськ", 121_000),
    ("Мурали на фасадах гаражів", "Гаражі вкриті графіті", "small", "Чорноморськ", 99_000),
    (
        "Нічне освітлення спортмайданчика",
        "Увечері майданчиком не користуються",
        "small",
        "Олександрівка",
        187_000,
    ),
    ("Басейн під відкритим небом", "Немає громадського басейну", "large", "Чорноморськ", 1_452_000),
    ("Ремонт даху будинку культури", "Дах протікає", "large", "Олександрівка", 1_100_000),
    (
        "Сквер пам'яті захисників України",
        "Немає гідного місця вшанування",
        "small",
        "Чорноморськ",
        264_000,
    ),
    (
        "Коворкінг у центральній бібліотеці",
        "Немає де працювати віддалено",
        "small",
        "Чорноморськ",
        176_000,
    ),
    (
        "Теплі зупинки на вулиці Праці",
        "Взимку холодно чекати транспорт",
        "small",
        "Чорноморськ",
        143_000,
    ),
    (
        "Мініфутбольне поле в Олександрівці",
        "Діти грають на дорозі",
        "small",
        "Олександрівка",
        290_000,
    ),
    (
        "Зарядні станції для телефонів у парках",
        "Під час відключень ніде зарядити телефон",
        "small",
        "Чорноморськ",
        66_000,
    ),
    (
        "Пішохідна стежка до виноградників",
        "Немає безпечного шляху до полів",
        "local",
        "Бурлача Балка",
        88_000,
    ),
]

# How far each project goes: the rest are admitted.
STATES_2026 = {
    29: "draft",
    30: "draft",
    31: "submitted",
    32: "under_review",
    33: "revision",
    34: "rejected",
    35: "rejected",
    36: "rejected",
    37: "rejected",
    38: "submitted",
    39: "under_review",
}
REJECTION = "Проєкт не належить до повноважень міської ради або суперечить Положенню про громадський бюджет."


def load(community: Community) -> None:
    """Create the community's demo cycles unless it has cycles already."""
    if Cycle.objects.filter(community=community).exists():
        return
    with transaction.atomic():
        if community.slug == "chornomorsk":
            _chornomorsk(community)
        else:
            _small(community)


# --- helpers -------------------------------------------------------------------


def _dates(today: date, phase: str) -> dict:
    offsets = {
        "submission": (-5, 5, 10, 11, 20, 30),
        "voting": (-75, -45, -10, -7, 14, 60),
        "results": (-60, -40, -20, -15, -1, 30),
    }[phase]
    names = [
        "submission_starts",
        "submission_ends",
        "review_ends",
        "voting_starts",
        "voting_ends",
        "implementation_starts",
    ]
    return {n: today + timedelta(days=d) for n, d in zip(names, offsets, strict=True)}


def _set_dates(cycle: Cycle, dates: dict) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(**dates)
    cycle.refresh_from_db()
    return cycle


def _authors(community: Community, count: int) -> list[Resident]:
    street = Street.objects.filter(settlement__community=community).first()
    main = Resident.objects.filter(email=f"resident@{community.slug}.demo").first()
    authors = [main] if main else []
    names = [
        "Ковальчук Марія Іванівна",
        "Савченко Олег Петрович",
        "Бондаренко Ірина Василівна",
        "Ткаченко Дмитро Олександрович",
        "Кравець Анна Миколаївна",
        "Олійник Сергій Вікторович",
    ]
    for index, name in enumerate(names[: max(0, count - len(authors))]):
        email = f"author{index + 1}@{community.slug}.demo"
        resident = Resident.objects.filter(email=email).first()
        if resident is None:
            resident = Resident.objects.create_user(
                email,
                None,
                full_name=name,
                identity_level=Identity.STRONG,
                birth_date=date(1975 + index * 3, 2 + index, 5 + index),
                tax_hash=tax_number_hash(f"39{community.pk:02d}{index:06d}"),
                notify_by_email=False,
            )
            CommunityLink.objects.create(
                resident=resident, community=community, kind="lives", street=street, house="7"
            )
        authors.append(resident)
    return authors


def _point(rng: random.Random, community: Community, settlement: Settlement) -> tuple:
    streets = [s for s in Street.objects.filter(settlement=settlement) if s.lat and s.lon]
    for _ in range(20):
        if streets:
            street = rng.choice(streets)
            lat = street.lat + rng.uniform(-0.003, 0.003)
            lon = street.lon + rng.uniform(-0.003, 0.003)
        else:
            ring = community.territory["coordinates"][0]
            lat = sum(p[1] for p in ring) / len(ring) + rng.uniform(-0.01, 0.01)
            lon = sum(p[0] for p in ring) / len(ring) + rng.uniform(-0.01, 0.01)
        if community.contains_point(lat=lat, lon=lon):
            return round(lat, 6), round(lon, 6)
    return lat, lon


def _street(rng: random.Random, settlement: Settlement) -> str:
    names = list(Street.objects.filter(settlement=settlement).values_list("name", flat=True))
    return rng.choice(names) if names else ""


def _items(cost: int) -> list[dict]:
    """Return estimate items that make `cost` with a 10% contingency."""
    base = Decimal(cost) / Decimal("1.1")
    works = (base * Decimal("0.6")).quantize(Decimal("0.01"))
    materials = (base - works).quantize(Decimal("0.01"))
    return [
        {"name": "Будівельні та монтажні роботи", "quantity": "1", "unit_price": str(works)},
        {"name": "Матеріали та обладнання", "quantity": "1", "unit_price": str(materials)},
    ]


def _photo(color: tuple) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle([40, 200, 440, 290], fill=(90, 140, 60))
    draw.ellipse([330, 30, 420, 120], fill=(255, 213, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile("demo.jpg", buffer.getvalue(), content_type="image/jpeg")


def _propose(*, community, cycle, categories, authors, moderator, departments, rng, specs, states):
    """Take each project as far as `states` says (admitted when not listed)."""
    projects = []
    for index, (title, problem, key, settlement_name, cost) in enumerate(specs):
        category = categories[key]
        settlement = Settlement.objects.get(community=community, name=settlement_name)
        lat, lon = _point(rng, community, settlement)
        author = authors[index % len(authors)]
        project = services.create_project(
            resident=author,
            cycle=cycle,
            category=category,
            title=title,
            problem=f"{problem}. Мешканці неодноразово зверталися до ради з цього питання.",
            description=(
                f"{title}. Проєкт передбачає розроблення документації, закупівлю матеріалів "
                "і виконання робіт силами підрядника, обраного через Prozorro."
            ),
            beneficiaries="Мешканці громади, зокрема діти, люди похилого віку та люди з інвалідністю.",
            settlement=settlement,
            address=_street(rng, settlement),
            lat=lat,
            lon=lon,
            items=_items(cost),
        )
        if index in (0, 2):
            services.add_photo(
                resident=author,
                project=project,
                upload=_photo((120 + index * 40, 160, 200)),
                caption=f"Місце для проєкту «{title}» зараз",
            )
        state = states.get(index, "admitted")
        if state != "draft":
            services.submit_project(resident=author, project=project)
        # Half the rejected projects are turned down before any department looks.
        if state in ("under_review", "revision", "admitted") or (state == "rejected" and index % 2):
            services.start_review(
                staff=moderator,
                project=project,
                departments=[departments[index % len(departments)]],
            )
        if state in ("revision", "admitted"):
            for conclusion in project.conclusions.all():
                corrected = (
                    cost + 11_000 if index % 7 == 3 and cost + 11_000 <= category.max_cost else None
                )
                services.give_conclusion(
                    staff=moderator,
                    conclusion=conclusion,
                    feasible=True,
                    reason="Відповідає повноваженням; кошторис перевірено." if corrected else "",
                    corrected_cost=corrected,
                )
        if state == "revision":
            services.request_revision(
                staff=moderator,
                project=project,
                note="Додайте технічні характеристики обладнання та уточніть місце розміщення.",
            )
        elif state == "admitted":
            services.admit_project(staff=moderator, project=project)
        elif state == "rejected":
            services.reject_project(staff=moderator, project=project, reason=REJECTION)
        projects.append(project)
    return projects


def _voters(community: Community, count: int, rng: random.Random, tag: str) -> list[Resident]:
    """Bulk-create demo voters with a home street; they receive no e-mail."""
    streets = list(
        Street.objects.filter(settlement__community=community).select_related("settlement")
    )
    weights = [8 if s.settlement.kind == "city" else 1 for s in streets]
    today = timezone.localdate()
    password = make_password(None)
    residents = [
        Resident(
            email=f"voter-{tag}-{n}@{community.slug}.demo",
            password=password,
            full_name=f"Учасник голосування {n}",
            identity_level=Identity.STRONG,
            birth_date=date(today.year - rng.choice(AGES), rng.randint(1, 12), rng.randint(1, 28)),
            tax_hash=tax_number_hash(f"7{community.pk:02d}{n:07d}"),
            notify_by_email=False,
        )
        for n in range(count)
    ]
    Resident.objects.bulk_create(residents, batch_size=1000)
    residents = list(Resident.objects.filter(email__startswith=f"voter-{tag}-").order_by("pk"))
    CommunityLink.objects.bulk_create(
        [
            CommunityLink(
                resident=r,
                community=community,
                kind="lives",
                street=rng.choices(streets, weights)[0],
                house=str(rng.randint(1, 120)),
            )
            for r in residents
        ],
        batch_size=1000,
    )
    return residents


# Ages of demo voters: more people in their thirties to fifties, as in real turnout.
AGES = [16, 17, 19, 22, 25, 28, 31, 33, 35, 38, 40, 42, 44, 47, 50, 53, 56, 58, 62, 66, 71, 75]


def _ballots(*, cycle, categories, voters, rng, cast_at: datetime, share: dict) -> int:
    """Bulk-insert ballots: each voter votes in a category with the given probability."""
    links = dict(
        CommunityLink.objects.filter(resident__in=voters, community=cycle.community).values_list(
            "resident_id", "street__settlement_id"
        )
    )
    today = cast_at.date()
    rows, picks = [], []
    for category in categories:
        projects = list(Project.objects.filter(category=category, status="admitted"))
        if not projects:
            continue
        weights = [rng.uniform(0.2, 3.0) for _ in projects]
        for voter in voters:
            if rng.random() > share.get(category.pk, 0.5):
                continue
            k = rng.randint(1, min(category.max_choices, len(projects)))
            chosen = set()
            while len(chosen) < k:
                chosen.add(rng.choices(range(len(projects)), weights)[0])
            digest = hashlib.sha256(
                f"demo:{cycle.pk}:{category.pk}:{voter.pk}".encode()
            ).hexdigest()
            rows.append(
                Ballot(
                    community=cycle.community,
                    cycle=cycle,
                    category=category,
                    voter_key=voter.tax_hash,
                    resident=voter,
                    channel="offline" if rng.random() < 0.08 else "online",
                    age_group=services.age_group(voter.age_on(today)),
                    settlement_id=links.get(voter.pk),
                    receipt_hash=digest,
                    cast_at=cast_at - timedelta(minutes=rng.randint(0, 60 * 24 * 6)),
                )
            )
            picks.append([projects[i] for i in sorted(chosen)])
    for index, ballot in enumerate(rows):
        if ballot.channel == "offline":
            ballot.paper_number = f"П-{cycle.year}-{index + 1:05d}"
            ballot.support_point = "ЦНАП, проспект Миру, 33"
    Ballot.objects.bulk_create(rows, batch_size=2000)
    choices = [
        Choice(community=cycle.community, ballot=ballot, project=project)
        for ballot, chosen in zip(rows, picks, strict=True)
        for project in chosen
    ]
    Choice.objects.bulk_create(choices, batch_size=5000)
    forget_counts(cycle)
    return len(rows)


def _categories(cycle: Cycle, community: Community) -> dict[str, Category]:
    village = Settlement.objects.get(community=community, name="Бурлача Балка")
    return {
        "small": services.add_category(
            actor=None,
            cycle=cycle,
            name="Малі проєкти",
            size="small",
            budget=Decimal("1200000"),
            max_cost=Decimal("300000"),
            max_choices=3,
            rule="greedy",
            order=1,
        ),
        "large": services.add_category(
            actor=None,
            cycle=cycle,
            name="Великі проєкти",
            size="large",
            budget=Decimal("1500000"),
            max_cost=Decimal("1500000"),
            max_choices=2,
            rule="mes",
            completion="add1",
            order=2,
        ),
        "local": services.add_category(
            actor=None,
            cycle=cycle,
            name="Проєкти Бурлачої Балки",
            size="small",
            settlement=village,
            budget=Decimal("300000"),
            max_cost=Decimal("300000"),
            max_choices=2,
            rule="phragmen",
            order=3,
        ),
    }


# --- the communities -------------------------------------------------------------


def _chornomorsk(community: Community) -> None:
    rng = random.Random(2026)
    today = timezone.localdate()
    moderator = Resident.objects.get(email="moderator@chornomorsk.demo")
    admin = Resident.objects.get(email="admin@chornomorsk.demo")
    departments = list(Department.objects.filter(community=community).order_by("pk")[:4])
    authors = _authors(community, 6)
    common = {
        "total_budget": Decimal("3000000"),
        "contingency_percent": Decimal("10"),
        "min_age": 16,
        "allow_workers_and_students": True,
    }

    # 2025: the whole cycle, counted, approved and being implemented.
    done = services.create_cycle(
        actor=None,
        community=community,
        year=2025,
        title=f"{_budget_of(community)} 2025",
        description="Завершений цикл: підсумки затверджено, переможці в реалізації.",
        **common,
        **_dates(today, "submission"),
    )
    categories = _categories(done, community)
    specs = [spec for spec in PROJECTS_2026 if spec[2] == "small"][:11]
    specs += [spec for spec in PROJECTS_2026 if spec[2] == "large"][:4]
    specs += [spec for spec in PROJECTS_2026 if spec[2] == "local"][:3]
    _propose(
        community=community,
        cycle=done,
        categories=categories,
        authors=authors,
        moderator=moderator,
        departments=departments,
        rng=rng,
        specs=[(f"{t} (2025)", p, k, s, c) for t, p, k, s, c in specs],
        states={3: "rejected", 9: "rejected"},
    )
    # The same people vote in both years: fewer rows to create, a realistic turnout.
    voters = _voters(community, 1800, rng, "demo")
    _set_dates(done, _dates(today, "voting"))
    _ballots(
        cycle=done,
        categories=categories.values(),
        voters=voters,
        rng=rng,
        cast_at=timezone.make_aware(datetime(2025, 6, 20, 12)),
        share={
            categories["small"].pk: 0.8,
            categories["large"].pk: 0.6,
            categories["local"].pk: 0.15,
        },
    )
    _set_dates(done, _dates(today, "results"))
    services.count_votes(cycle=done, actor=admin)
    services.approve_results(staff=moderator, cycle=done)
    winners = list(
        Project.objects.filter(cycle=done, outcome__selected=True).order_by("outcome__position")
    )
    plan = ["done", "done", "under_way", "under_way", "procurement", "cancelled"]
    for index, project in enumerate(winners):
        status = plan[index % len(plan)]
        if status == "procurement":
            continue
        spent = {
            "done": project.cost * Decimal("0.97"),
            "under_way": project.cost * Decimal("0.45"),
            "cancelled": Decimal("0"),
        }[status]
        services.report_implementation(
            staff=moderator,
            project=project,
            status="under_way" if status == "done" else status,
            spent=(spent / 2).quantize(Decimal("0.01")) if status == "done" else spent,
            note="Укладено договір з підрядником за результатами закупівлі в Prozorro.",
        )
        if status == "done":
            services.report_implementation(
                staff=moderator,
                project=project,
                status="done",
                spent=spent.quantize(Decimal("0.01")),
                note="Роботи завершено, об'єкт прийнято комісією.",
                photo=_photo((80, 150, 210)) if index == 0 else None,
                caption="Завершений об'єкт",
            )
    _set_dates(
        done,
        {
            "submission_starts": date(2025, 2, 1),
            "submission_ends": date(2025, 3, 15),
            "review_ends": date(2025, 5, 15),
            "voting_starts": date(2025, 6, 1),
            "voting_ends": date(2025, 6, 30),
            "implementation_starts": date(2025, 9, 1),
        },
    )
    Cycle.objects.filter(pk=done.pk).update(
        tallied_at=timezone.make_aware(datetime(2025, 7, 1, 9)),
        results_approved_at=timezone.make_aware(datetime(2025, 7, 10, 15)),
    )

    # 2026: voting now; projects in every state, a few thousand ballots so far.
    current = services.create_cycle(
        actor=None,
        community=community,
        year=2026,
        title=f"{_budget_of(community)} 2026",
        description=(
            "Мешканці пропонують проєкти для громади. Голосування — онлайн з ID.GOV.UA "
            "або на папері в ЦНАП."
        ),
        **common,
        **_dates(today, "submission"),
    )
    categories = _categories(current, community)
    _propose(
        community=community,
        cycle=current,
        categories=categories,
        authors=authors,
        moderator=moderator,
        departments=departments,
        rng=rng,
        specs=PROJECTS_2026,
        states=STATES_2026,
    )
    _set_dates(current, _dates(today, "voting"))
    _ballots(
        cycle=current,
        categories=categories.values(),
        voters=voters,
        rng=rng,
        cast_at=timezone.now(),
        share={
            categories["small"].pk: 0.8,
            categories["large"].pk: 0.55,
            categories["local"].pk: 0.2,
        },
    )
    operator = Resident.objects.filter(email="staff@chornomorsk.demo").first()
    if operator is not None:
        StaffRole.objects.get_or_create(
            community=community, resident=operator, role=services.OPERATOR_ROLE, department=None
        )


def _small(community: Community) -> None:
    rng = random.Random(7)
    today = timezone.localdate()
    cycle = services.create_cycle(
        actor=None,
        community=community,
        year=today.year,
        title=_budget_of(community),
        total_budget=Decimal("500000"),
        contingency_percent=Decimal("5"),
        min_age=14,
        **_dates(today, "submission"),
    )
    category = services.add_category(
        actor=None,
        cycle=cycle,
        name="Проєкти громади",
        budget=Decimal("500000"),
        max_cost=Decimal("200000"),
        max_choices=2,
    )
    settlement = Settlement.objects.filter(community=community).first()
    street = Street.objects.filter(settlement=settlement).first()
    author = Resident.objects.filter(email=f"author@{community.slug}.demo").first()
    if author is None:
        author = Resident.objects.create_user(
            f"author@{community.slug}.demo",
            None,
            full_name="Лисенко Катерина Андріївна",
            identity_level=Identity.STRONG,
            birth_date=date(1988, 8, 8),
            tax_hash=tax_number_hash(f"38{community.pk:02d}000001"),
            notify_by_email=False,
        )
        CommunityLink.objects.create(
            resident=author, community=community, kind="lives", street=street, house="3"
        )
    for index, (title, cost) in enumerate(
        [("Лавки біля озера", 52_500), ("Дитячий майданчик на вулиці Хіміків", 189_000)]
    ):
        lat, lon = _point(rng, community, settlement)
        project = services.create_project(
            resident=author,
            cycle=cycle,
            category=category,
            title=title,
            problem="Мешканцям бракує місць відпочинку.",
            description=title,
            beneficiaries="Мешканці громади",
            settlement=settlement,
            lat=lat,
            lon=lon,
            items=[
                {
                    "name": "Роботи й матеріали",
                    "quantity": "1",
                    "unit_price": str(Decimal(cost) / Decimal("1.05")),
                }
            ],
        )
        if index == 0:
            services.submit_project(resident=author, project=project)


def _budget_of(community) -> str:
    """Return "Громадський бюджет" with the community's name in the right case."""
    if community.name_genitive:
        return f"Громадський бюджет {community.name_genitive}"
    # Only the nominative is known: a dash keeps the heading grammatical.
    return f"Громадський бюджет — {community.name}"
