"""
Demo petitions: Chornomorsk gets petitions in every state with hundreds of
signatures; Pivdenne a couple. Idempotent: nothing happens if the
community has petitions already.

Rows are written in bulk with past dates (the life cycle itself is what the
services and their tests cover): seeding stays within a few seconds.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from hromada.core.calendar import add_working_days
from hromada.core.identity import tax_number_hash
from hromada.core.models import (
    AuditEntry,
    Community,
    CommunityLink,
    Department,
    Identity,
    Resident,
    Street,
)
from hromada.petitions.models import Petition, PetitionRules, Signature, Topic
from hromada.petitions.services import _search_text

S = Petition.Status
O = Petition.Outcome  # noqa: E741

TOPICS = [
    "Благоустрій",
    "Транспорт і дороги",
    "Освіта",
    "Охорона здоров'я",
    "Спорт і молодь",
    "Безпека",
    "Екологія",
    "Житлово-комунальне господарство",
    "Соціальний захист",
    "Культура",
]

SURNAMES = [
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Коваленко",
    "Олійник",
    "Шевчук",
    "Поліщук",
    "Бойко",
    "Мельничук",
    "Савчук",
    "Лисенко",
    "Руденко",
    "Марченко",
    "Мороз",
    "Павленко",
    "Кузьменко",
    "Гончарук",
    "Левченко",
    "Литвиненко",
    "Клименко",
    "Романюк",
    "Кравчук",
    "Ковальчук",
    "Сидоренко",
    "Приходько",
    "Гаврилюк",
    "Дячук",
    "Костенко",
    "Панченко",
    "Власенко",
    "Білик",
    "Гребенюк",
    "Онищенко",
    "Яременко",
    "Семенко",
    "Зінченко",
    "Тарасенко",
    "Остапчук",
    "Юрченко",
    "Нестеренко",
]
MEN = [
    "Олександр",
    "Андрій",
    "Сергій",
    "Володимир",
    "Дмитро",
    "Микола",
    "Іван",
    "Юрій",
    "Василь",
    "Олег",
    "Віктор",
    "Петро",
    "Богдан",
    "Тарас",
    "Максим",
    "Роман",
    "Ігор",
    "Михайло",
]
WOMEN = [
    "Олена",
    "Наталія",
    "Тетяна",
    "Ірина",
    "Оксана",
    "Світлана",
    "Юлія",
    "Марія",
    "Людмила",
    "Галина",
    "Анна",
    "Катерина",
    "Віра",
    "Софія",
    "Валентина",
    "Лариса",
]
FATHERS = [
    ("Олександрович", "Олександрівна"),
    ("Андрійович", "Андріївна"),
    ("Сергійович", "Сергіївна"),
    ("Володимирович", "Володимирівна"),
    ("Миколайович", "Миколаївна"),
    ("Іванович", "Іванівна"),
    ("Васильович", "Василівна"),
    ("Петрович", "Петрівна"),
    ("Вікторович", "Вікторівна"),
    ("Юрійович", "Юріївна"),
    ("Григорович", "Григорівна"),
    ("Степанович", "Степанівна"),
]

# (key, topic, title, text, status, signatures, extra)
CHORNOMORSK = [
    (
        "courses",
        "Освіта",
        "Відкрити безкоштовні курси української мови для дорослих у міській бібліотеці",
        "Багато дорослих мешканців, зокрема внутрішньо переміщених осіб, хочуть "
        "удосконалити українську мову. Просимо організувати безкоштовні розмовні клуби "
        "і курси двічі на тиждень у центральній бібліотеці.",
        S.DRAFT,
        0,
        {"by_resident": True},
    ),
    (
        "market",
        "Житлово-комунальне господарство",
        "Перенести стихійний ринок з тротуару на вулиці Праці",
        "Торгівля на тротуарі вулиці Праці заважає пішоходам. Просимо облаштувати для "
        "продавців місця на території критого ринку.",
        S.WITHDRAWN,
        0,
        {"submitted_days_ago": 12},
    ),
    (
        "playground",
        "Благоустрій",
        "Облаштувати інклюзивний дитячий майданчик в Олександрівці",
        "В Олександрівці немає майданчика, де могли б гратися діти з інвалідністю. Просимо "
        "облаштувати інклюзивний майданчик біля будинку культури з гумовим покриттям, "
        "пандусами і доступними гойдалками.",
        S.SUBMITTED,
        0,
        {"submitted_days_ago": 0},
    ),
    (
        "road",
        "Житлово-комунальне господарство",
        "Відремонтувати дорогу на вулиці Виноградній у Малодолинському",
        "Дорога на вулиці Виноградній не ремонтувалася понад двадцять років: ями глибиною "
        "до 20 см, після дощу вулиця непроїзна для швидкої допомоги і шкільного автобуса. "
        "Просимо включити її капітальний ремонт до програми на наступний рік.",
        S.SUBMITTED,
        0,
        {"submitted_days_ago": 6},
    ),
    (
        "police",
        "Безпека",
        "Звільнити начальника відділу поліції міста",
        "Вимагаємо звільнити начальника відділу поліції через зростання кількості "
        "крадіжок у місті та призначити нового керівника за результатами конкурсу.",
        S.REJECTED,
        0,
        {
            "submitted_days_ago": 30,
            "reason": Petition.RejectionReason.POWERS,
            "note": "Призначення та звільнення керівників Національної поліції не належить "
            "до повноважень міської ради. Ви можете звернутися до Головного управління "
            "Національної поліції в Одеській області.",
        },
    ),
    (
        "crossing",
        "Транспорт і дороги",
        "Облаштувати безпечний пішохідний перехід біля школи №7 на вулиці Парусній",
        "Щоранку сотні дітей переходять вулицю Парусну біля школи №7 там, де немає ні "
        "світлофора, ні острівця безпеки, а автомобілі їдуть від порту на великій швидкості.\n\n"
        "Просимо міську раду облаштувати регульований пішохідний перехід з підсвіткою, "
        "встановити «лежачих поліцейських» з обох боків та обмеження швидкості 30 км/год "
        "у шкільній зоні до початку наступного навчального року.",
        S.COLLECTING,
        212,
        {"published_days_ago": 41},
    ),
    (
        "crossing_again",
        "Транспорт і дороги",
        "Зробити світлофор біля школи на Парусній",
        "Біля школи на вулиці Парусній дуже небезпечно переходити дорогу. Просимо "
        "встановити світлофор якомога швидше.",
        S.REJECTED,
        0,
        {
            "submitted_days_ago": 10,
            "reason": Petition.RejectionReason.DUPLICATE,
            "duplicate_of": "crossing",
            "note": "Таке саме прохання вже збирає підписи — підтримайте його.",
        },
    ),
    (
        "chestnuts",
        "Екологія",
        "Висадити каштанову алею на вулиці Корабельній",
        "На вулиці Корабельній після реконструкції не залишилося жодного дерева. Просимо "
        "висадити алею каштанів з системою крапельного поливу та доручити КП «МУЖКГ» "
        "догляд за саджанцями протягом трьох років.",
        S.ARCHIVED,
        96,
        {"published_days_ago": 75},
    ),
    (
        "bike",
        "Транспорт і дороги",
        "Облаштувати велодоріжку вздовж узбережжя від Бурлачої Балки до центру міста",
        "Вздовж узбережжя щодня їздять сотні велосипедистів, але вони змушені рухатися "
        "проїжджою частиною разом з вантажівками.\n\n"
        "Просимо розробити проєкт окремої велодоріжки від Бурлачої Балки до центру, "
        "з освітленням і велопарковками біля пляжів.",
        S.ANSWERED,
        412,
        {
            "published_days_ago": 120,
            "reached_days_ago": 80,
            "outcome": O.SUPPORTED,
            "answer": "Міська рада підтримує петицію. Рішенням сесії від 12 червня "
            "затверджено завдання на проєктування велодоріжки; проєктно-кошторисну "
            "документацію буде розроблено до кінця року, будівництво першої черги "
            "заплановано на наступний рік.",
        },
    ),
    (
        "cnap",
        "Соціальний захист",
        "Продовжити роботу ЦНАП до 20:00 щочетверга",
        "Багато працюючих мешканців не встигають до Центру надання адміністративних послуг "
        "у робочий час. Просимо продовжити прийом щочетверга до 20:00 і запровадити "
        "прийом у першу суботу місяця.",
        S.ANSWERED,
        287,
        {
            "published_days_ago": 90,
            "reached_days_ago": 50,
            "outcome": O.PARTLY,
            "answer": "Петицію підтримано частково. З першого числа наступного місяця ЦНАП "
            "щочетверга працює до 20:00. Прийом у суботу поки неможливий через брак "
            "адміністраторів; питання буде розглянуто після добору персоналу.",
        },
    ),
    (
        "students",
        "Соціальний захист",
        "Зробити проїзд у міському транспорті безкоштовним для всіх студентів",
        "Студенти коледжів і університетів витрачають на проїзд значну частину стипендії. "
        "Просимо звільнити всіх студентів, які навчаються в громаді, від оплати проїзду "
        "в міських автобусах.",
        S.ANSWERED,
        254,
        {
            "published_days_ago": 100,
            "reached_days_ago": 70,
            "outcome": O.NOT_SUPPORTED,
            "answer": "Петицію не підтримано: компенсація проїзду всім студентам потребує "
            "близько 9 млн грн на рік, яких немає в бюджеті громади. Водночас діє "
            "50-відсоткова знижка для студентів денної форми навчання.",
        },
    ),
    (
        "pool",
        "Спорт і молодь",
        "Відновити роботу басейну спорткомплексу «Юність»",
        "Басейн спорткомплексу «Юність» не працює з 2022 року. Діти не можуть займатися "
        "плаванням, а секції переїхали до Одеси.\n\n"
        "Просимо провести обстеження чаші та систем водопідготовки, передбачити кошти на "
        "ремонт у бюджеті на наступний рік і відновити безоплатні заняття для дітей.",
        S.CONSIDERATION,
        301,
        {"published_days_ago": 50, "reached_days_ago": 20},
    ),
    (
        "shelters",
        "Безпека",
        "Облаштувати укриття поблизу зупинок громадського транспорту на проспекті Миру",
        "Під час повітряних тривог люди на зупинках проспекту Миру не мають де сховатися: "
        "найближчі укриття зачинені або розташовані за кілька кварталів.\n\n"
        "Просимо встановити модульні укриття біля зупинок «Центр», «Ринок» і «Лікарня», "
        "позначити шлях до них і забезпечити цілодобовий доступ.",
        S.CONSIDERATION,
        268,
        {"published_days_ago": 35, "reached_days_ago": 5, "resident_signs": True},
    ),
    (
        "dogs",
        "Благоустрій",
        "Створити майданчик для вигулу собак у Приморському парку",
        "У місті немає жодного обладнаного майданчика для вигулу собак, тому тварин вигулюють "
        "на дитячих майданчиках і пляжах, що викликає конфлікти між мешканцями.\n\n"
        "Просимо виділити ділянку в північній частині Приморського парку, огородити її, "
        "встановити тренувальні снаряди, урни для відходів і лави, а також передбачити кошти "
        "на утримання майданчика в бюджеті громади.",
        S.COLLECTING,
        148,
        {"published_days_ago": 20, "resident_signs": True},
    ),
    (
        "night_bus",
        "Транспорт і дороги",
        "Запровадити нічний автобусний маршрут Чорноморськ — Одеса",
        "Після 22:00 з Одеси до Чорноморська можна дістатися лише таксі. Це незручно для "
        "працівників порту, медиків і студентів, які повертаються пізно.\n\n"
        "Просимо оголосити конкурс на нічний автобусний маршрут з інтервалом не більше "
        "60 хвилин до 01:00 та погодити його з Одеською обласною військовою адміністрацією.",
        S.COLLECTING,
        37,
        {"published_days_ago": 3, "by_resident": True},
    ),
]

PIVDENNE = [
    (
        "lights",
        "Благоустрій",
        "Встановити вуличне освітлення на вулиці Хіміків",
        "Вулиця Хіміків увечері повністю темна, що небезпечно для пішоходів. Просимо "
        "встановити енергоощадні ліхтарі на сонячних батареях.",
        S.COLLECTING,
        12,
        {"published_days_ago": 8},
    ),
    (
        "bench",
        "Благоустрій",
        "Встановити лави на набережній",
        "Людям похилого віку ніде відпочити під час прогулянки набережною. Просимо "
        "встановити лави через кожні сто метрів.",
        S.ANSWERED,
        7,
        {
            "published_days_ago": 60,
            "reached_days_ago": 20,
            "outcome": O.SUPPORTED,
            "answer": "Лави буде встановлено до кінця місяця.",
        },
    ),
]

# A minimal valid one-page PDF for the demo answers.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def load(community: Community) -> None:
    """Create the community's demo petitions unless it has petitions already."""
    if Petition.objects.filter(community=community).exists():
        return
    rich = community.slug == "chornomorsk"
    with transaction.atomic():
        if rich:
            _load(community, CHORNOMORSK, signers=450, threshold=250)
        else:
            _load(community, PIVDENNE, signers=40, threshold=30)


def _load(community: Community, specs: list, *, signers: int, threshold: int) -> None:
    rng = random.Random(f"petitions-{community.slug}")
    now = timezone.now()
    department = Department.objects.filter(community=community).order_by("pk").first()
    rules, _created = PetitionRules.objects.get_or_create(
        community=community,
        # A small community sets a small threshold in its charter.
        defaults={"department": department, "threshold": threshold},
    )
    for position, name in enumerate(TOPICS):
        Topic.objects.get_or_create(community=community, name=name, defaults={"position": position})
    topics = {topic.name: topic for topic in Topic.objects.filter(community=community)}
    demo_resident = Resident.objects.filter(email="resident@chornomorsk.demo").first()
    moderator = Resident.objects.filter(email=f"moderator@{community.slug}.demo").first()
    people = _signers(community, signers, rng)
    authors = people[:6]
    petitions: dict[str, Petition] = {}
    audit_rows: list[AuditEntry] = []
    signature_rows: list[Signature] = []

    for index, (key, topic, title, text, status, count, extra) in enumerate(specs):
        author = demo_resident if extra.get("by_resident") and demo_resident else authors[index % 6]
        petition = Petition(
            community=community,
            author=author,
            topic=topics[topic],
            title=title,
            text=text,
            search_text=_search_text(title, text),
            status=status,
            collection_days=rules.collection_days,
            department=department,
        )
        events = []
        if "published_days_ago" in extra:
            published = now - timedelta(days=extra["published_days_ago"], hours=rng.randint(1, 8))
            submitted = published - timedelta(days=1, hours=3)
            petition.created_at = submitted - timedelta(hours=2)
            petition.submitted_at = submitted
            petition.moderation_due_on = add_working_days(
                timezone.localdate(submitted), rules.moderation_days, community=community
            )
            petition.published_at = published
            petition.collection_ends_at = published + timedelta(days=rules.collection_days)
            petition.threshold = rules.threshold
            petition.min_age = rules.min_age
            events += [
                (petition.created_at, author, "petition.created", {}),
                (submitted, author, "petition.submitted", {"status": S.SUBMITTED}),
                (published, moderator, "petition.published", {"status": S.COLLECTING}),
            ]
        else:
            submitted = now - timedelta(days=extra.get("submitted_days_ago", 0), hours=1)
            petition.created_at = submitted - timedelta(hours=5)
            events.append((petition.created_at, author, "petition.created", {}))
            if status != S.DRAFT:
                petition.submitted_at = submitted
                petition.moderation_due_on = add_working_days(
                    timezone.localdate(submitted), rules.moderation_days, community=community
                )
                events.append((submitted, author, "petition.submitted", {"status": S.SUBMITTED}))
        if "reached_days_ago" in extra:
            # Collection stops when the threshold is reached.
            reached = now - timedelta(days=extra["reached_days_ago"], hours=rng.randint(1, 8))
            times = _signature_times(petition.published_at, reached, rules.threshold, rng)
            petition.threshold_reached_at = reached
            petition.answer_due_on = add_working_days(
                timezone.localdate(reached), rules.consideration_days, community=community
            )
            events.append(
                (reached, None, "petition.threshold_reached", {"status": S.CONSIDERATION})
            )
        elif petition.published_at:
            end = min(now, petition.collection_ends_at)
            times = _signature_times(petition.published_at, end, count, rng)
        else:
            times = []
        if status == S.ANSWERED:
            answered = petition.threshold_reached_at + timedelta(days=9)
            petition.outcome = extra["outcome"]
            petition.answer_text = extra["answer"]
            petition.answered_at = answered
            petition.closed_at = answered
            petition.answered_by = department.head if department else moderator
            petition.answer_document.save(
                f"demo-{community.slug}-{key}.pdf", ContentFile(DEMO_PDF), save=False
            )
            events.append(
                (answered, petition.answered_by, "petition.answered", {"outcome": petition.outcome})
            )
        if status == S.ARCHIVED:
            petition.closed_at = petition.collection_ends_at
            events.append((petition.closed_at, None, "petition.registered_as_appeal", {}))
        if status == S.REJECTED:
            petition.rejection_reason = extra["reason"]
            petition.rejection_note = extra.get("note", "")
            petition.duplicate_of = petitions.get(extra.get("duplicate_of", ""))
            petition.closed_at = petition.submitted_at + timedelta(days=1)
            events.append(
                (
                    petition.closed_at,
                    moderator,
                    "petition.rejected",
                    {"reason": petition.rejection_reason},
                )
            )
        if status == S.WITHDRAWN:
            petition.closed_at = petition.submitted_at + timedelta(hours=20)
            events.append((petition.closed_at, author, "petition.withdrawn", {}))
        petition.signature_count = len(times)
        petition.save()
        petitions[key] = petition

        chosen = rng.sample(people, len(times))
        if extra.get("resident_signs") and demo_resident and demo_resident not in chosen:
            chosen[-1] = demo_resident
        for signer, when in zip(chosen, times, strict=True):
            signature_rows.append(
                Signature(
                    community=community,
                    petition=petition,
                    resident=signer,
                    tax_hash=signer.tax_hash,
                    notify_on_answer=rng.random() < 0.3,
                    created_at=when,
                )
            )
        for when, actor, action, after in events:
            audit_rows.append(
                AuditEntry(
                    community=community,
                    actor=actor,
                    action=action,
                    target_type="petitions.petition",
                    target_id=str(petition.pk),
                    target_label=petition.title[:200],
                    after=after,
                    created_at=when,
                )
            )
    Signature.objects.bulk_create(signature_rows, batch_size=1000)
    AuditEntry.objects.bulk_create(audit_rows)


def _signature_times(start, end, count: int, rng) -> list:
    """Return `count` sorted signing times between start and end, the last at end."""
    if not count:
        return []
    span = max(60, int((end - start).total_seconds()) - 60)
    # Most signatures come in the first days after publication.
    offsets = sorted(int(span * rng.random() ** 2) for _ in range(count - 1))
    return [start + timedelta(seconds=60 + offset) for offset in offsets] + [end]


def _signers(community: Community, count: int, rng) -> list[Resident]:
    """Create identified demo residents linked to the community, in bulk."""
    prefix = f"signer.{community.slug}"
    existing = list(Resident.objects.filter(email__startswith=prefix).order_by("pk"))
    if len(existing) >= count:
        return existing[:count]
    password = make_password(None)
    streets = list(Street.objects.filter(settlement__community=community))
    seed = 31 if community.slug == "chornomorsk" else 32
    residents = []
    for index in range(len(existing), count):
        woman = rng.random() < 0.55
        first = rng.choice(WOMEN if woman else MEN)
        father = rng.choice(FATHERS)[1 if woman else 0]
        residents.append(
            Resident(
                email=f"{prefix}.{index:04d}@demo.invalid",
                password=password,
                full_name=f"{rng.choice(SURNAMES)} {first} {father}",
                birth_date=date(rng.randint(1946, 2007), rng.randint(1, 12), rng.randint(1, 28)),
                identity_level=Identity.STRONG,
                tax_hash=tax_number_hash(f"{seed}{index:08d}"),
                strong_verified_at=timezone.now(),
                notify_by_email=False,
            )
        )
    Resident.objects.bulk_create(residents, batch_size=500)
    created = list(Resident.objects.filter(email__startswith=prefix).order_by("pk"))
    links = [
        CommunityLink(
            resident=resident,
            community=community,
            kind=CommunityLink.Kind.LIVES,
            street=rng.choice(streets) if streets else None,
            house=str(rng.randint(1, 120)),
        )
        for resident in created[len(existing) :]
    ]
    CommunityLink.objects.bulk_create(links, batch_size=500)
    return created[:count]
