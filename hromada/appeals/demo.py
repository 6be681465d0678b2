"""
Demo data: several hundred Chornomorsk reports in every state, spread over the
city's streets, each with its history in the audit log; a handful for Pivdenne.

Rows go in with bulk inserts, with dates, numbers, deadlines and history made
to agree as the services would have made them. `load()` does nothing when the
community already has appeals.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from hromada.appeals import deadlines
from hromada.appeals.models import (
    Appeal,
    AppealCounter,
    AppealPhoto,
    Category,
    CategoryAttribute,
    Supporter,
    cell_of,
)
from hromada.appeals.services import install_default_categories, register_petition_appeal
from hromada.core import registry
from hromada.core.models import (
    AuditEntry,
    Community,
    Identity,
    Resident,
    StaffRole,
    Street,
)

S = Appeal.Status

TEXTS = {
    "pothole": [
        "Глибока вибоїна посеред проїжджої частини, машини об'їжджають її по зустрічній.",
        "Після дощів на дорозі утворилася яма, вночі її не видно.",
        "Просів асфальт біля люка, вже кілька машин пошкодили колеса.",
    ],
    "pavement": [
        "Вибита тротуарна плитка, люди спотикаються, особливо літні.",
        "Зруйнований бордюр, з візком не заїхати на тротуар.",
    ],
    "snow": ["Тротуар не посипаний, сильна ожеледиця біля школи."],
    "light-out": [
        "Не світять три ліхтарі поспіль, увечері на вулиці зовсім темно.",
        "Ліхтар біля зупинки не працює вже тиждень.",
        "Уночі темно на всьому відрізку вулиці, діти повертаються зі спортшколи.",
    ],
    "light-day": ["Ліхтарі світять цілий день, не вимикаються вже кілька днів."],
    "cable": ["Біля опори звисає обірваний кабель, поруч грається дітвора."],
    "bins-full": [
        "Контейнери переповнені, сміття лежить навколо майданчика.",
        "Сміття не вивозили чотири дні, біля контейнерів бродячі собаки.",
    ],
    "dumping": [
        "Хтось вивантажив будівельне сміття за гаражами.",
        "На пустирі утворилося звалище гілля та старих меблів.",
    ],
    "street-cleaning": ["Зупинку давно не прибирали, повно недопалків і пляшок."],
    "tree-danger": [
        "Велике сухе дерево нахилилося над дитячим майданчиком.",
        "Після вітру тріснула гілка тополі і висить над тротуаром.",
    ],
    "mowing": ["Газон заріс амброзією по пояс."],
    "playground": ["На майданчику зламана гойдалка, стирчать болти."],
    "water-leak": [
        "З-під асфальту б'є вода, тече вздовж вулиці.",
        "Прорив труби біля будинку, вода заливає підвал.",
    ],
    "manhole": ["Відкритий люк на тротуарі без огородження — небезпечно."],
    "sewage": ["Після зливи стоїть вода, зливостік забитий листям."],
    "no-water": ["У будинку з ранку немає холодної води."],
    "no-heating": ["Батареї ледь теплі, у квартирах +15."],
    "heating-pipe": ["З-під землі йде пара, зірвана ізоляція на теплотрасі."],
    "stop": ["На зупинці вибите скло павільйону."],
    "schedule": ["Автобус зранку не прийшов, люди запізнюються на роботу."],
    "road-sign": ["Упав знак «Пішохідний перехід», перехід не видно водіям."],
    "roof": ["Протікає дах над останнім поверхом, на стелі пляма."],
    "elevator": ["Ліфт у під'їзді не працює третій день."],
    "entrance": ["У під'їзді розбиті вікна, немає світла на сходах."],
    "stray": ["Біля школи зграя з шести собак, кидаються на дітей."],
    "dead-animal": ["На узбіччі загибла собака."],
    "other-problem": ["Незаконна реклама обклеїла всю зупинку."],
}

RESOLUTIONS = {
    "roads": "Вибоїну закладено асфальтобетоном, ділянку перевірено.",
    "lighting": "Замінено лампи та автомат живлення, освітлення працює.",
    "waste": "Сміття вивезено, перевізнику зроблено зауваження щодо графіка.",
    "greenery": "Аварійне дерево видалено, гілля вивезено.",
    "water": "Аварію усунено, благоустрій відновлено.",
    "heating": "Пошкодження теплотраси усунено, ізоляцію відновлено.",
    "transport": "Перевізника попереджено, пошкодження усунуто.",
    "housing": "Роботи виконано управителем будинку.",
    "animals": "Тварин відловлено для стерилізації, після неї вони повернуться під нагляд.",
    "other": "Питання вирішено.",
}
PROGRESS = [
    "Бригаду заплановано на найближчі дні.",
    "Замовлено матеріали, роботи почнуться після їх надходження.",
    "Виїзд на місце проведено, готуємо роботи.",
]
REJECTIONS = [
    (
        "Дорога належить до автомобільних доріг державного значення і не обслуговується "
        "міською радою.",
        "Служба відновлення та розвитку інфраструктури в Одеській області",
    ),
    (
        "Будинок в управлінні ОСББ; ремонт прибудинкової території — його обов'язок.",
        "Правління ОСББ вашого будинку",
    ),
    ("Недостатньо даних, щоб знайти місце; подайте повідомлення з точкою на мапі.", ""),
]
# Written appeals under the topics of written appeals (catalogue.TOPICS).
WRITTEN = [
    (
        Appeal.Kind.PROPOSAL,
        "topic-ecology",
        "Пропозиція облаштувати сквер на вулиці Парусній",
        "Пропоную висадити дерева та поставити лавки на пустирі біля будинку 14.",
    ),
    (
        Appeal.Kind.PROPOSAL,
        "topic-transport",
        "Новий маршрут до Олександрівки",
        "Прошу розглянути продовження маршруту №3 до Олександрівки у вихідні.",
    ),
    (
        Appeal.Kind.STATEMENT,
        "topic-housing",
        "Ремонт покрівлі будинку",
        "Прошу включити наш будинок до програми капітального ремонту покрівель.",
    ),
    (
        Appeal.Kind.STATEMENT,
        "topic-cnap",
        "Довідка про склад сім'ї",
        "Прошу роз'яснити, де отримати довідку для програми житлових субсидій.",
    ),
    (
        Appeal.Kind.COMPLAINT,
        "topic-housing",
        "Скарга на перевізника сміття",
        "Уже місяць сміття вивозять із запізненням, прошу вжити заходів.",
    ),
    (
        Appeal.Kind.COMPLAINT,
        "topic-transport",
        "Скарга на водія маршруту №5",
        "Водій не зупинився на зупинці за вимогою, прошу розібратися.",
    ),
    (
        Appeal.Kind.STATEMENT,
        "topic-education",
        "Місце в дитячому садку",
        "Прошу повідомити, коли моя дитина отримає місце в дитячому садку №7.",
    ),
    (
        Appeal.Kind.COMPLAINT,
        "topic-cnap",
        "Черга в ЦНАП",
        "Двічі не зміг подати документи: електронна черга закривається о 10-й ранку.",
    ),
    (
        Appeal.Kind.STATEMENT,
        "topic-land",
        "Земельна ділянка під город",
        "Прошу надати в оренду ділянку біля вулиці Лиманної, яку я обробляю десять років.",
    ),
    (
        Appeal.Kind.PROPOSAL,
        "topic-education",
        "Підвезення учнів з Олександрівки",
        "Пропоную додати ранковий рейс шкільного автобуса для учнів з Олександрівки.",
    ),
]
FIRST = [
    "Олена",
    "Андрій",
    "Марія",
    "Іван",
    "Наталія",
    "Петро",
    "Оксана",
    "Сергій",
    "Юлія",
    "Василь",
]
LAST = [
    "Ковальчук",
    "Шевчук",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Поліщук",
    "Лисенко",
]
MIDDLE_M = ["Іванович", "Петрович", "Миколайович", "Сергійович"]
MIDDLE_F = ["Іванівна", "Петрівна", "Миколаївна", "Сергіївна"]


def load(community: Community) -> None:
    """Create the demo appeals of a community unless it has appeals already."""
    if Appeal.objects.filter(community=community).exists():
        return
    rich = community.slug == "chornomorsk"
    with transaction.atomic():
        install_default_categories(community=community)
        Builder(community, seed=2026 if rich else 7).build(
            reports=420 if rich else 12, written=36 if rich else 2, photos=rich
        )
        register_archived_petitions(community)


def register_archived_petitions(community: Community) -> None:
    """Register the demo petitions that ended below their threshold as collective appeals."""
    # The petitions demo loads first, before any appeal number exists, so
    # the registration is done here, after the demo's numbers.
    if registry.module("petitions") is None:
        return
    from hromada.petitions.models import Petition

    archived = Petition.objects.filter(community=community, status=Petition.Status.ARCHIVED)
    for petition in archived.select_related("community", "author"):
        register_petition_appeal(petition=petition)


class Builder:
    """Build consistent appeals, their photos, supporters and histories in bulk."""

    def __init__(self, community: Community, *, seed: int):
        self.community = community
        self.random = random.Random(seed)
        self.now = timezone.now()
        leaves = list(
            Category.objects.filter(community=community, parent__isnull=False).select_related(
                "parent", "department"
            )
        )
        self.by_code = {c.service_code: c for c in leaves}
        # Reports go on the map: only map categories; written appeals name their topic.
        self.categories = [c for c in leaves if c.is_map and c.is_active]
        self.topics = [c for c in leaves if not c.is_map and c.is_active]
        self.streets = list(
            Street.objects.filter(settlement__community=community, lat__isnull=False)
        )
        self.moderator = self._staff(StaffRole.Role.MODERATOR) or self._staff(
            StaffRole.Role.ADMINISTRATOR
        )
        self.handlers = {
            role.department_id: role.resident
            for role in StaffRole.objects.filter(
                community=community, department__isnull=False
            ).select_related("resident")
        }
        self.residents = self._residents()
        self.audit: list[AuditEntry] = []
        self.due_cache: dict = {}
        self.attributes = {}
        for attribute in CategoryAttribute.objects.filter(community=community, required=True):
            self.attributes.setdefault(attribute.category_id, []).append(attribute)

    def _staff(self, role: str) -> Resident | None:
        found = StaffRole.objects.filter(community=self.community, role=role).first()
        return found.resident if found else None

    def _residents(self) -> list[Resident]:
        slug = self.community.slug
        wanted = 40 if slug == "chornomorsk" else 5
        emails = [f"appeals-{n:02d}@{slug}.demo" for n in range(wanted)]
        existing = {r.email for r in Resident.objects.filter(email__in=emails)}
        new = []
        for n, email in enumerate(emails):
            if email in existing:
                continue
            female = n % 2 == 0
            first = FIRST[(n * 3) % len(FIRST)]
            middle = (MIDDLE_F if female else MIDDLE_M)[n % 4]
            last = LAST[n % len(LAST)]
            new.append(
                Resident(
                    email=email,
                    full_name=f"{last} {first} {middle}",
                    identity_level=Identity.EMAIL,
                    # No one logs in as these: an unusable password costs nothing to make.
                    password=make_password(None),
                    notify_by_email=False,
                )
            )
        Resident.objects.bulk_create(new)
        residents = list(Resident.objects.filter(email__in=emails))
        demo = Resident.objects.filter(email=f"resident@{slug}.demo").first()
        return ([demo] if demo else []) + residents

    # -- helpers ---------------------------------------------------------------

    def _due(self, received, requires_study: bool):
        key = (received, requires_study)
        if key not in self.due_cache:
            self.due_cache[key] = deadlines.answer_due(
                received, requires_study=requires_study, community=self.community
            )
        return self.due_cache[key]

    def _target(self, received, days: int):
        key = (received, "t", days)
        if key not in self.due_cache:
            self.due_cache[key] = deadlines.target_date(
                received, days=days, community=self.community
            )
        return self.due_cache[key]

    def _place(self):
        for _attempt in range(20):
            street = self.random.choice(self.streets)
            lat = street.lat + self.random.uniform(-0.0035, 0.0035)
            lon = street.lon + self.random.uniform(-0.005, 0.005)
            if self.community.contains_point(lat=lat, lon=lon):
                house = self.random.randint(1, 120)
                landmark = self.random.choice(["буд. {h}", "біля буд. {h}", "навпроти буд. {h}"])
                return (
                    street,
                    round(lat, 6),
                    round(lon, 6),
                    f"{street.name}, {landmark.format(h=house)}",
                )
        street = self.streets[0]
        return street, street.lat, street.lon, street.name

    def _log(self, appeal, when, action, actor=None, **after):
        self.audit.append(
            AuditEntry(
                community=self.community,
                actor=actor,
                action=action,
                target_type="appeals.appeal",
                target_id=str(appeal.pk),
                target_label=appeal.number,
                before={},
                after={key: value for key, value in after.items() if value not in (None, "")},
                created_at=when,
            )
        )

    def _status_for(self, age_days: float) -> str:
        r = self.random.random()
        if age_days < 2:
            return S.NEW if r < 0.6 else S.ACCEPTED if r < 0.9 else S.IN_PROGRESS
        if age_days < 15:
            table = [
                (0.08, S.NEW),
                (0.28, S.ACCEPTED),
                (0.55, S.IN_PROGRESS),
                (0.85, S.RESOLVED),
                (0.95, S.REJECTED),
                (1.0, S.MERGED),
            ]
        else:
            table = [
                (0.04, S.ACCEPTED),
                (0.12, S.IN_PROGRESS),
                (0.17, S.RESOLVED),
                (0.82, S.CLOSED),
                (0.95, S.REJECTED),
                (1.0, S.MERGED),
            ]
        return next(status for limit, status in table if r < limit)

    def _answers(self, category):
        answers = {}
        for attribute in self.attributes.get(category.pk, []):
            if attribute.datatype in ("singlevaluelist", "multivaluelist"):
                key = self.random.choice(attribute.choices)[0]
                answers[attribute.code] = [key] if attribute.datatype == "multivaluelist" else key
            elif attribute.datatype == "number":
                answers[attribute.code] = self.random.randint(1, 5)
            else:
                answers[attribute.code] = str(self.random.randint(1, 40))
        return answers

    # -- building ---------------------------------------------------------------

    def build(self, *, reports: int, written: int, photos: bool) -> None:
        plans = []
        for index in range(reports + written):
            created = self.now - timedelta(
                days=self.random.uniform(0, 200), minutes=self.random.randint(0, 600)
            )
            plans.append((created, index >= reports))
        plans.sort()
        written_items = [WRITTEN[i % len(WRITTEN)] for i in range(written)]
        year_counts: dict[int, int] = {}
        appeals, merges = [], []
        for created, is_written in plans:
            year = timezone.localtime(created).year
            year_counts[year] = year_counts.get(year, 0) + 1
            number = f"{year}/{year_counts[year]:06d}"
            appeal = (
                self._written(created, number, written_items.pop())
                if is_written
                else self._report(created, number)
            )
            if appeal.is_open and appeal.due_on < timezone.localdate(self.now):
                appeal.escalated_for = appeal.due_on
            appeals.append(appeal)
        demo = next((r for r in self.residents if r.email.startswith("resident@")), None)
        if demo is not None:
            # The demo resident has a fixed report to confirm or reopen.
            for appeal in reversed(appeals):
                if appeal.status == S.RESOLVED and appeal.kind == Appeal.Kind.REPORT:
                    appeal.author, appeal.channel = demo, Appeal.Channel.WEB
                    appeal.contact_name = appeal.contact_phone = ""
                    break
        # Reports merged into an earlier report of the same category go in after it
        # (the earlier one was open when the duplicate came, whatever it is now).
        first, later = [], []
        open_by_category: dict[int, Appeal] = {}
        for appeal in appeals:
            if appeal.status == S.MERGED:
                target = open_by_category.get(appeal.category_id)
                if target is None or target.created_at >= appeal.created_at:
                    appeal.status, appeal.is_open = S.REJECTED, False
                    appeal.merged_into = None
                    first.append(appeal)
                    continue
                appeal.merged_into = target
                later.append(appeal)
                merges.append(appeal)
            else:
                if appeal.kind == Appeal.Kind.REPORT:
                    open_by_category[appeal.category_id] = appeal
                first.append(appeal)
        for appeal in first:
            if appeal.status == S.REJECTED and not appeal.resolution:
                self._reject_fields(appeal)
        Appeal.objects.bulk_create(first, batch_size=200)
        for appeal in later:
            appeal.merged_into_id = appeal.merged_into.pk
        Appeal.objects.bulk_create(later, batch_size=200)
        for year, last in year_counts.items():
            AppealCounter.objects.update_or_create(
                community=self.community, year=year, defaults={"last": last}
            )
        for appeal in first + later:
            self._history(appeal)
        self._supporters(first)
        for appeal in merges:
            self._log(
                appeal.merged_into,
                appeal.closed_at,
                "appeal.duplicate_merged",
                self.moderator,
                duplicate=appeal.number,
            )
        AuditEntry.objects.bulk_create(self.audit, batch_size=500)
        if photos:
            self._photos([a for a in first if a.kind == Appeal.Kind.REPORT and not a.hidden])

    def _common(self, created, number, category, kind):
        received = timezone.localtime(created).date()
        requires_study = category.requires_study or kind != Appeal.Kind.REPORT
        return Appeal(
            community=self.community,
            number=number,
            kind=kind,
            category=category,
            department=category.department,
            requires_study=requires_study,
            due_on=self._due(received, requires_study),
            target_on=self._target(received, category.target_days),
            created_at=created,
            updated_at=created,
        )

    def _report(self, created, number) -> Appeal:
        category = self.random.choice(self.categories)
        appeal = self._common(created, number, category, Appeal.Kind.REPORT)
        street, lat, lon, address = self._place()
        appeal.street, appeal.lat, appeal.lon, appeal.address = street, lat, lon, address
        appeal.cell = cell_of(lat, lon)
        appeal.description = self.random.choice(
            TEXTS.get(category.service_code, ["Потрібна допомога."])
        )
        appeal.attributes = self._answers(category)
        channel = self.random.random()
        if channel < 0.7 or not self.residents:
            appeal.channel = Appeal.Channel.WEB
            appeal.author = self.random.choice(self.residents) if self.residents else None
            appeal.author_public = self.random.random() < 0.5
        elif channel < 0.8:
            appeal.channel = Appeal.Channel.OPEN311
            appeal.contact_name = "Мобільний застосунок"
        elif channel < 0.85:
            appeal.channel = Appeal.Channel.API
            appeal.author = self.random.choice(self.residents)
        else:
            appeal.channel = Appeal.Channel.PHONE
            appeal.contact_name = f"{self.random.choice(LAST)} {self.random.choice(FIRST)}"
            appeal.contact_phone = f"+38067{self.random.randint(1000000, 9999999)}"
        self._advance(appeal)
        return appeal

    def _written(self, created, number, item) -> Appeal:
        kind, code, subject, text = item
        category = self.by_code.get(code) or self.random.choice(self.topics or self.categories)
        appeal = self._common(created, number, category, kind)
        appeal.subject, appeal.description = subject, text
        appeal.channel = self.random.choice(
            [Appeal.Channel.WEB, Appeal.Channel.WEB, Appeal.Channel.PAPER]
        )
        if appeal.channel == Appeal.Channel.PAPER or not self.residents:
            appeal.contact_name = f"{self.random.choice(LAST)} {self.random.choice(FIRST)}"
        else:
            appeal.author = self.random.choice(self.residents)
        if appeal.department is None:
            # A topic with no department of its own waits for the moderator to route it.
            return appeal
        self._advance(appeal)
        if appeal.status == S.MERGED:
            appeal.status, appeal.is_open = S.IN_PROGRESS, True
            appeal.closed_at = None
        return appeal

    def _advance(self, appeal: Appeal) -> None:
        """Choose a status by age and set the times and texts that go with it."""
        age = (self.now - appeal.created_at).total_seconds() / 86400
        status = self._status_for(age)
        appeal.status, appeal.is_open = status, status in Appeal.OPEN_STATUSES
        step = appeal.created_at
        if status == S.NEW:
            return
        if status in (S.REJECTED, S.MERGED) and self.random.random() < 0.6:
            appeal.closed_at = min(step + timedelta(hours=self.random.uniform(2, 40)), self.now)
            appeal.updated_at = appeal.closed_at
            if status == S.MERGED:
                appeal.cell = None
            return
        appeal.accepted_at = min(step + timedelta(hours=self.random.uniform(1, 30)), self.now)
        appeal.updated_at = appeal.accepted_at
        if status == S.ACCEPTED:
            return
        started = min(appeal.accepted_at + timedelta(hours=self.random.uniform(2, 60)), self.now)
        appeal._started = started  # noqa: SLF001 - kept for the history only
        appeal.updated_at = started
        appeal.status_notes = self.random.choice(PROGRESS)
        if status == S.IN_PROGRESS:
            if appeal.requires_study and self.random.random() < 0.3:
                received = timezone.localtime(appeal.created_at).date()
                appeal.extension_reason = "Потрібне додаткове обстеження на місці."
                appeal.due_on = deadlines.latest_extension(received, community=self.community)
            return
        if status in (S.REJECTED, S.MERGED):
            appeal.closed_at = min(started + timedelta(hours=self.random.uniform(2, 48)), self.now)
            appeal.updated_at = appeal.closed_at
            if status == S.MERGED:
                appeal.cell = None
            return
        days = max(appeal.category.target_days, 1) * self.random.uniform(0.3, 1.6)
        resolved = min(started + timedelta(days=days), self.now - timedelta(minutes=5))
        if status == S.RESOLVED:
            resolved = max(resolved, self.now - timedelta(days=self.random.uniform(0.2, 13)))
        elif resolved > self.now - timedelta(days=15):
            resolved = self.now - timedelta(days=self.random.uniform(15, 20))
        resolved = max(resolved, started)
        appeal.resolved_at = resolved
        appeal.resolution = RESOLUTIONS.get(appeal.category.parent.service_code, "Виконано.")
        if appeal.kind != Appeal.Kind.REPORT:
            appeal.resolution = "Надано письмову відповідь по суті звернення."
        appeal.status_notes = appeal.resolution
        appeal.updated_at = resolved
        if status == S.CLOSED:
            confirmed = self.random.random() < 0.4 and appeal.author is not None
            appeal._confirmed = confirmed  # noqa: SLF001
            appeal.closed_at = resolved + timedelta(
                days=self.random.uniform(0.5, 10) if confirmed else 14.05
            )
            appeal.updated_at = appeal.closed_at

    def _reject_fields(self, appeal: Appeal) -> None:
        reason, redirect_to = self.random.choice(REJECTIONS)
        appeal.resolution = appeal.status_notes = reason
        appeal.redirect_to = redirect_to
        appeal.closed_at = appeal.closed_at or min(
            appeal.created_at + timedelta(hours=self.random.uniform(3, 50)), self.now
        )
        appeal.updated_at = appeal.closed_at

    def _history(self, appeal: Appeal) -> None:
        handler = self.handlers.get(appeal.department_id, self.moderator)
        self._log(
            appeal,
            appeal.created_at,
            "appeal.registered",
            appeal.author,
            number=appeal.number,
            kind=appeal.kind,
            channel=appeal.channel,
            category=appeal.category.service_code,
        )
        if appeal.accepted_at:
            self._log(
                appeal,
                appeal.accepted_at,
                "appeal.accepted",
                self.moderator,
                status=S.ACCEPTED,
                department=appeal.department_id,
            )
        started = getattr(appeal, "_started", None)
        if started:
            self._log(
                appeal,
                started,
                "appeal.started",
                handler,
                status=S.IN_PROGRESS,
                note=self.random.choice(PROGRESS),
            )
        if appeal.extension_reason:
            self._log(
                appeal,
                started or appeal.created_at,
                "appeal.extended",
                handler,
                due_on=appeal.due_on.isoformat(),
                note=appeal.extension_reason,
            )
        if appeal.escalated_for:
            due = timezone.make_aware(
                timezone.datetime.combine(
                    appeal.due_on + timedelta(days=1), timezone.datetime.min.time()
                )
            )
            self._log(appeal, due, "appeal.escalated", None, department=appeal.department_id)
        if appeal.resolved_at:
            self._log(
                appeal,
                appeal.resolved_at,
                "appeal.resolved",
                handler,
                status=S.RESOLVED,
                note=appeal.resolution,
            )
        if appeal.status == S.CLOSED:
            if getattr(appeal, "_confirmed", False):
                self._log(
                    appeal, appeal.closed_at, "appeal.confirmed", appeal.author, status=S.CLOSED
                )
            else:
                self._log(
                    appeal, appeal.closed_at, "appeal.closed_automatically", None, status=S.CLOSED
                )
        if appeal.status == S.REJECTED:
            self._log(
                appeal,
                appeal.closed_at,
                "appeal.rejected",
                self.moderator,
                status=S.REJECTED,
                note=appeal.resolution,
                redirect_to=appeal.redirect_to,
            )
        if appeal.status == S.MERGED:
            self._log(
                appeal,
                appeal.closed_at,
                "appeal.merged",
                self.moderator,
                status=S.MERGED,
                note=f"Дублікат повідомлення {appeal.merged_into.number}.",
                into=appeal.merged_into.number,
            )

    def _supporters(self, appeals: list[Appeal]) -> None:
        rows = []
        for appeal in appeals:
            if appeal.kind != Appeal.Kind.REPORT or self.random.random() > 0.3:
                continue
            others = [r for r in self.residents if r.pk != appeal.author_id]
            chosen = self.random.sample(others, min(len(others), self.random.randint(1, 6)))
            for resident in chosen:
                rows.append(
                    Supporter(
                        community=self.community,
                        appeal=appeal,
                        resident=resident,
                        created_at=appeal.created_at + timedelta(hours=self.random.uniform(1, 48)),
                    )
                )
            appeal.supporters_count = len(chosen)
        Supporter.objects.bulk_create(rows, batch_size=500)
        for appeal in appeals:
            if appeal.supporters_count:
                Appeal.objects.filter(pk=appeal.pk).update(supporters_count=appeal.supporters_count)

    def _photos(self, reports: list[Appeal]) -> None:
        recent = sorted(reports, key=lambda a: a.created_at, reverse=True)
        for appeal in recent[:10]:
            self._photo(appeal, AppealPhoto.Kind.BEFORE, appeal.author)
        resolved = [a for a in recent if a.resolved_at][:4]
        for appeal in resolved:
            self._photo(appeal, AppealPhoto.Kind.AFTER, self.moderator)

    def _photo(self, appeal: Appeal, kind: str, by) -> None:
        image = Image.new(
            "RGB", (640, 420), (120, 150, 190) if kind == "before" else (110, 170, 120)
        )
        draw = ImageDraw.Draw(image)
        draw.rectangle([0, 260, 640, 420], fill=(90, 90, 95))
        if kind == AppealPhoto.Kind.BEFORE:
            draw.ellipse([220 + self.random.randint(-60, 60), 310, 420, 370], fill=(40, 40, 42))
        else:
            draw.rectangle([0, 330, 640, 336], fill=(240, 240, 240))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
        photo = AppealPhoto(community=self.community, appeal=appeal, kind=kind, uploaded_by=by)
        photo.image.save(f"demo-{appeal.pk}-{kind}.jpg", ContentFile(out.getvalue()), save=False)
        photo.created_at = appeal.resolved_at if kind == "after" else appeal.created_at
        photo.save()
        if kind == AppealPhoto.Kind.BEFORE:
            Appeal.objects.filter(pk=appeal.pk).update(cover=photo.image.name)
