"""
Demo data of staff training: the DigComp UA areas, banks of 60+ questions,
three courses, staff of four departments at different stages, issued
certificates and one revoked.

Progress is made through the services (lessons, attempts, submissions), so
the demo holds what the pages would have made. Loads once per community.
"""

from __future__ import annotations

import contextlib
import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from hromada.core.errors import DomainError
from hromada.core.models import Community, Department, Identity, Resident, StaffRole
from hromada.training import services
from hromada.training.models import (
    CompetenceArea,
    Course,
    HrOfficer,
    Lesson,
    MandatoryCourse,
    Question,
    QuestionBank,
)

DEMO_PASSWORD = "hromada-demo-2026"

AREAS = [
    ("information", "Інформаційна грамотність і робота з даними"),
    ("communication", "Комунікація та співпраця"),
    ("content", "Створення цифрового контенту"),
    ("safety", "Безпека"),
    ("problems", "Розвʼязання проблем"),
]

# (area, statement, true?) — true-or-false questions.
STATEMENTS = {
    "information": [
        ("Перш ніж поширити новину, варто перевірити її першоджерело.", True),
        ("Дані з відкритих реєстрів можна змінювати без сліду.", False),
        ("Резервна копія на тому самому диску захищає від його поломки.", False),
        ("Пошук із лапками шукає точну фразу.", True),
        ("Таблицю з персональними даними можна публікувати без знеособлення.", False),
    ],
    "communication": [
        ("Службове листування ведуть зі службової скриньки.", True),
        ("Відповідь «усім» на масову розсилку — добра звичка.", False),
        ("Спільний документ зручніше редагувати, ніж пересилати версії поштою.", True),
        ("У месенджерах можна пересилати скани паспортів мешканців.", False),
        ("Відеонараду варто починати з порядку денного.", True),
    ],
    "content": [
        ("Зображення з інтернету можна вільно вставляти в офіційні матеріали.", False),
        ("Ліцензія CC BY вимагає зазначити автора.", True),
        ("PDF/A підходить для довгого зберігання документів.", True),
        ("Альтернативний текст зображення потрібен людям із вадами зору.", True),
        ("Документ краще форматувати пробілами, а не стилями.", False),
    ],
    "safety": [
        ("Двофакторна автентифікація захищає обліковий запис навіть при витоку пароля.", True),
        ("Один надійний пароль можна використовувати на всіх сайтах.", False),
        ("Флешку, знайдену на парковці, безпечно вставити в робочий компʼютер.", False),
        ("Оновлення системи закривають відомі вразливості.", True),
        ("Особистий ключ КЕП можна передати колезі на час відпустки.", False),
    ],
    "problems": [
        ("Перезапуск програми часто розвʼязує тимчасову помилку.", True),
        ("Про збій системи краще нікому не казати, щоб не турбувати.", False),
        ("Знімок екрана з помилкою допомагає службі підтримки.", True),
        ("Навчання цифровим навичкам закінчується після одного курсу.", False),
        ("Шаблони документів зменшують кількість помилок.", True),
    ],
}

# (area, kind, text, data) — the other question types.
OTHERS = [
    ("safety", "single", "Який пароль найнадійніший?",
     {"options": [{"id": "a", "text": "Qwerty123"}, {"id": "b", "text": "Chornomorsk2026"},
                  {"id": "c", "text": "синій-човен-лампа-87!"}], "correct": ["c"]}),
    ("safety", "multiple", "Які ознаки фішингового листа?",
     {"options": [{"id": "a", "text": "Тиснуть терміновістю"}, {"id": "b", "text": "Адреса відправника схожа, але інша"},
                  {"id": "c", "text": "Лист від колеги з відомою темою"}, {"id": "d", "text": "Просять ввести пароль за посиланням"}],
      "correct": ["a", "b", "d"]}),
    ("safety", "short", "Як скорочено називають кваліфікований електронний підпис?",
     {"variants": ["КЕП", "кваліфікований підпис"]}),
    ("safety", "numeric", "Скільки символів щонайменше радять для пароля службового облікового запису?",
     {"value": 12, "tolerance": 0}),
    ("safety", "ordering", "Розставте дії при підозрі на зламаний обліковий запис",
     {"items": [{"id": "1", "text": "Змінити пароль"}, {"id": "2", "text": "Вийти з усіх сеансів"},
                {"id": "3", "text": "Повідомити адміністратора"}, {"id": "4", "text": "Перевірити журнал входів"}]}),
    ("safety", "matching", "Зіставте загрозу й захист",
     {"left": [{"id": "l1", "text": "Фішинг"}, {"id": "l2", "text": "Шифрувальник"}, {"id": "l3", "text": "Крадіжка ноутбука"}],
      "right": [{"id": "r1", "text": "Перевірка відправника"}, {"id": "r2", "text": "Резервні копії"}, {"id": "r3", "text": "Шифрування диска"}],
      "correct": {"l1": "r1", "l2": "r2", "l3": "r3"}}),
    ("safety", "single", "Куди повідомити про підозрілий лист?",
     {"options": [{"id": "a", "text": "Видалити й забути"}, {"id": "b", "text": "Адміністраторові або службі кібербезпеки"},
                  {"id": "c", "text": "Переслати всім колегам"}], "correct": ["b"]}),
    ("information", "single", "Де шукати чинну редакцію закону?",
     {"options": [{"id": "a", "text": "На zakon.rada.gov.ua"}, {"id": "b", "text": "У соцмережах"}, {"id": "c", "text": "На форумі"}],
      "correct": ["a"]}),
    ("information", "multiple", "Що з переліченого — відкриті дані за постановою №835?",
     {"options": [{"id": "a", "text": "Електронні петиції"}, {"id": "b", "text": "Громадський бюджет"},
                  {"id": "c", "text": "Паролі працівників"}, {"id": "d", "text": "Адміністративні послуги"}],
      "correct": ["a", "b", "d"]}),
    ("information", "numeric", "Скільки робочих днів має модератор на оприлюднення петиції?",
     {"value": 2, "tolerance": 0}),
    ("information", "short", "Як називається формат таблиць, що відкривається будь-якою програмою (три літери)?",
     {"variants": ["CSV"]}),
    ("information", "ordering", "Розставте кроки перевірки інформації",
     {"items": [{"id": "1", "text": "Знайти першоджерело"}, {"id": "2", "text": "Перевірити дату"},
                {"id": "3", "text": "Порівняти з іншими джерелами"}]}),
    ("information", "matching", "Зіставте формат і призначення",
     {"left": [{"id": "l1", "text": "CSV"}, {"id": "l2", "text": "PDF/A"}, {"id": "l3", "text": "JSON"}],
      "right": [{"id": "r1", "text": "Таблиці"}, {"id": "r2", "text": "Архів документів"}, {"id": "r3", "text": "Обмін між програмами"}],
      "correct": {"l1": "r1", "l2": "r2", "l3": "r3"}}),
    ("information", "single", "Що таке метадані документа?",
     {"options": [{"id": "a", "text": "Дані про дані: автор, дата, формат"}, {"id": "b", "text": "Зміст документа"},
                  {"id": "c", "text": "Підпис"}], "correct": ["a"]}),
    ("communication", "single", "Через що реєструють вхідний електронний документ?",
     {"options": [{"id": "a", "text": "Систему електронного документообігу"}, {"id": "b", "text": "Особистий месенджер"},
                  {"id": "c", "text": "Паперовий журнал удома"}], "correct": ["a"]}),
    ("communication", "ordering", "Розставте етапи руху вхідного документа",
     {"items": [{"id": "1", "text": "Реєстрація"}, {"id": "2", "text": "Резолюція керівника"},
                {"id": "3", "text": "Виконання"}, {"id": "4", "text": "Зняття з контролю"}]}),
    ("communication", "matching", "Зіставте канал і завдання",
     {"left": [{"id": "l1", "text": "СЕД"}, {"id": "l2", "text": "Відеонарада"}, {"id": "l3", "text": "Гаряча лінія"}],
      "right": [{"id": "r1", "text": "Реєстрація документів"}, {"id": "r2", "text": "Обговорення з колегами"}, {"id": "r3", "text": "Звернення мешканців"}],
      "correct": {"l1": "r1", "l2": "r2", "l3": "r3"}}),
    ("communication", "numeric", "Скільки календарних днів за загальним правилом на відповідь на звернення?",
     {"value": 30, "tolerance": 0}),
    ("communication", "short", "Як називається система електронного документообігу (абревіатура)?",
     {"variants": ["СЕД", "СЕДО"]}),
    ("communication", "multiple", "Що варто вказати в темі службового листа?",
     {"options": [{"id": "a", "text": "Суть питання"}, {"id": "b", "text": "Номер документа, якщо є"}, {"id": "c", "text": "Емодзі"}],
      "correct": ["a", "b"]}),
    ("communication", "single", "Хто бачить коментар у спільному документі?",
     {"options": [{"id": "a", "text": "Усі, хто має доступ до документа"}, {"id": "b", "text": "Лише автор"}, {"id": "c", "text": "Ніхто"}],
      "correct": ["a"]}),
    ("content", "single", "Який формат обрати для сканованого документа на довге зберігання?",
     {"options": [{"id": "a", "text": "PDF/A"}, {"id": "b", "text": "BMP"}, {"id": "c", "text": "DOC"}], "correct": ["a"]}),
    ("content", "multiple", "Що робить сторінку доступною?",
     {"options": [{"id": "a", "text": "Підписи до полів форми"}, {"id": "b", "text": "Контраст тексту"},
                  {"id": "c", "text": "Текст лише на картинках"}], "correct": ["a", "b"]}),
    ("content", "short", "Як називається мова розмітки для уроків у Hromada?", {"variants": ["Markdown"]}),
    ("content", "numeric", "Скільки рівнів заголовків має HTML?", {"value": 6, "tolerance": 0}),
    ("content", "ordering", "Розставте кроки підготовки оголошення",
     {"items": [{"id": "1", "text": "Написати текст"}, {"id": "2", "text": "Перевірити факти"},
                {"id": "3", "text": "Погодити"}, {"id": "4", "text": "Оприлюднити"}]}),
    ("content", "matching", "Зіставте ліцензію й умову",
     {"left": [{"id": "l1", "text": "CC BY"}, {"id": "l2", "text": "CC0"}],
      "right": [{"id": "r1", "text": "Зазначити автора"}, {"id": "r2", "text": "Без умов"}],
      "correct": {"l1": "r1", "l2": "r2"}}),
    ("content", "single", "Де зберігати робочі документи підрозділу?",
     {"options": [{"id": "a", "text": "У спільному сховищі ради"}, {"id": "b", "text": "На особистій флешці"}, {"id": "c", "text": "У пошті"}],
      "correct": ["a"]}),
    ("problems", "single", "Мешканець не може записатися в ЦНАП онлайн. Що зробити спершу?",
     {"options": [{"id": "a", "text": "Уточнити, що саме бачить мешканець"}, {"id": "b", "text": "Перезапустити сервер"},
                  {"id": "c", "text": "Сказати прийти завтра"}], "correct": ["a"]}),
    ("problems", "ordering", "Розставте кроки звернення до служби підтримки",
     {"items": [{"id": "1", "text": "Описати проблему"}, {"id": "2", "text": "Додати знімок екрана"},
                {"id": "3", "text": "Надіслати заявку"}, {"id": "4", "text": "Перевірити рішення"}]}),
    ("problems", "matching", "Зіставте задачу й розділ Hromada",
     {"left": [{"id": "l1", "text": "Відповісти на петицію"}, {"id": "l2", "text": "Викликати відвідувача"}, {"id": "l3", "text": "Розглянути звернення"}],
      "right": [{"id": "r1", "text": "Петиції"}, {"id": "r2", "text": "Консоль ЦНАП"}, {"id": "r3", "text": "Звернення"}],
      "correct": {"l1": "r1", "l2": "r2", "l3": "r3"}}),
    ("problems", "numeric", "Скільки відсотків місць ДМС дозволяє бронювати онлайн (приблизно)?",
     {"value": 33, "tolerance": 1}),
    ("problems", "short", "Яку клавішу натиснути, щоб оновити сторінку в браузері?", {"variants": ["F5"]}),
    ("problems", "multiple", "Що допоможе, якщо система працює повільно?",
     {"options": [{"id": "a", "text": "Закрити зайві вкладки"}, {"id": "b", "text": "Повідомити підтримку"},
                  {"id": "c", "text": "Вимкнути антивірус назавжди"}], "correct": ["a", "b"]}),
    ("problems", "single", "Де знайти інструкцію до розділу Hromada?",
     {"options": [{"id": "a", "text": "У розділі «Довідка»"}, {"id": "b", "text": "Ніде"}, {"id": "c", "text": "У спамі"}],
      "correct": ["a"]}),
]  # fmt: skip

COURSES = [
    {
        "title": "Цифрова безпека для працівників ради",
        "description": "Паролі, двофакторна автентифікація, фішинг, КЕП і що робити, "
        "коли щось пішло не так. Обовʼязковий щороку.",
        "areas": ["safety", "information"],
        "hours": 6,
        "valid_months": 12,
        "lessons": [
            ("Паролі та двофакторна автентифікація",
             "## Надійний пароль\n\nДовгий, унікальний, у менеджері паролів.\n\n"
             "* щонайменше 12 символів;\n* різний для кожного сервісу;\n* **двофакторна** автентифікація всюди, де можна.",
             "Чи можна використовувати один пароль для пошти й СЕД?", ["Так", "Ні"], 2),
            ("Фішинг", "Перевіряйте адресу відправника й посилання. Не вводьте пароль за посиланням з листа.\n\n"
             "[Поради CERT-UA](https://cert.gov.ua/)", "Лист просить терміново ввести пароль. Що робити?",
             ["Ввести", "Повідомити адміністратора"], 2),
            ("КЕП і особисті ключі", "Ключ КЕП — лише ваш. Не передавайте його й пароль до нього нікому.",
             "", [], None),
        ],
    },
    {
        "title": "Електронний документообіг",
        "description": "Реєстрація, резолюції, контроль виконання й електронний підпис у СЕД ради.",
        "areas": ["communication", "content"],
        "hours": 8,
        "valid_months": None,
        "lessons": [
            ("Шлях документа", "Реєстрація → резолюція → виконання → контроль.", "", [], None),
            ("Підпис і печатка", "Документ підписують КЕП; печатку замінює кваліфікована електронна печатка.",
             "Чим підписують електронний документ?", ["КЕП", "Сканом підпису"], 1),
            ("Архів", "Документи зберігають у PDF/A з підписом.", "", [], None),
        ],
    },
    {
        "title": "Робота в системі Hromada",
        "description": "Петиції, звернення, ЦНАП і громадський бюджет: як працівникові відповідати мешканцям.",
        "areas": ["problems", "communication"],
        "hours": 4,
        "valid_months": None,
        "lessons": [
            ("Кабінет працівника", "Усе, що чекає на вас, видно на панелі працівника.", "", [], None),
            ("Відповідь мешканцю", "Відповідайте по суті, у строк, зрозумілою мовою.",
             "У який строк за загальним правилом відповідають на звернення?", ["30 днів", "90 днів"], 1),
        ],
    },
]  # fmt: skip

STAFF_NAMES = [
    "Гончаренко Оксана Петрівна", "Ткаченко Віктор Іванович", "Кравченко Людмила Андріївна",
    "Олійник Сергій Миколайович", "Шевчук Ірина Василівна", "Поліщук Дмитро Олегович",
    "Бойко Тетяна Юріївна", "Савченко Андрій Павлович", "Руденко Марина Сергіївна",
    "Лисенко Олег Вікторович", "Марченко Наталія Ігорівна", "Коваленко Юрій Степанович",
    "Мороз Алла Григорівна", "Петренко Богдан Романович", "Зайченко Катерина Олексіївна",
    "Клименко Василь Анатолійович",
]  # fmt: skip


def _account(community: Community, email: str, name: str, department=None) -> Resident:
    resident = Resident.objects.filter(email=email).first() or Resident.objects.create_user(
        email, DEMO_PASSWORD, full_name=name, identity_level=Identity.EMAIL, is_staff=True
    )
    StaffRole.objects.get_or_create(
        community=community, resident=resident, role=StaffRole.Role.STAFF, department=department
    )
    return resident


def _raw(question: Question, right: bool):
    data = question.data
    kind = question.kind
    if kind == "single":
        wrong = [o["id"] for o in data["options"] if o["id"] not in data["correct"]]
        return data["correct"][0] if right else wrong[0]
    if kind == "multiple":
        return data["correct"] if right else [data["options"][0]["id"]]
    if kind == "true_false":
        return "true" if data["correct"] == right else "false"
    if kind == "matching":
        return data["correct"] if right else dict.fromkeys(data["correct"], data["right"][0]["id"])
    if kind == "ordering":
        ids = [item["id"] for item in data["items"]]
        return ids if right else list(reversed(ids))
    if kind == "short":
        return data["variants"][0] if right else "не знаю"
    return str(data["value"] if right else data["value"] + 100)


def _take_test(course: Course, person: Resident, share_right: float, rng: random.Random, when):
    for lesson in course.lessons.all():
        services.complete_lesson(lesson=lesson, resident=person, check_answer=lesson.check_correct)
    attempt = services.start_attempt(course=course, resident=person, now=when)
    questions = Question.objects.in_bulk(attempt.questions)
    responses = {
        pk: _raw(question, rng.random() < share_right) for pk, question in questions.items()
    }
    services.submit_attempt(
        attempt=attempt, resident=person, responses=responses, now=when + timedelta(minutes=9)
    )


@transaction.atomic
def load(community: Community) -> None:
    if community.slug != "chornomorsk":
        return
    if CompetenceArea.objects.filter(community=community).exists():
        return
    rng = random.Random(2026)  # noqa: S311 - demo data
    areas = {
        code: CompetenceArea.objects.create(
            community=community, code=code, name=name, position=index
        )
        for index, (code, name) in enumerate(AREAS, start=1)
    }
    banks = {
        code: QuestionBank.objects.create(
            community=community, title=f"Банк питань: {area.name}", area=area
        )
        for code, area in areas.items()
    }
    rows = [
        Question(bank=banks[code], kind="true_false", text=text, data={"correct": truth})
        for code, items in STATEMENTS.items()
        for text, truth in items
    ]
    rows += [
        Question(bank=banks[code], kind=kind, text=text, data=data)
        for code, kind, text, data in OTHERS
    ]
    for row in rows:
        row.full_clean(exclude=["bank"])
    Question.objects.bulk_create(rows)

    departments = list(
        Department.objects.filter(community=community, kind=Department.Kind.UNIT).order_by("pk")[:4]
    )
    today = timezone.localdate()
    courses = []
    for spec in COURSES:
        course = Course.objects.create(
            community=community,
            title=spec["title"],
            description=spec["description"],
            is_published=True,
            hours=spec["hours"],
            valid_months=spec["valid_months"],
            questions_per_area=4,
            time_limit_minutes=15,
            grace_seconds=60,
            max_attempts=3,
            pass_mark=70,
        )
        course.areas.set([areas[code] for code in spec["areas"]])
        course.banks.set([banks[code] for code in spec["areas"]])
        for position, (title, body, check, options, correct) in enumerate(spec["lessons"], start=1):
            Lesson.objects.create(
                course=course,
                position=position,
                title=title,
                body=body,
                check_question=check,
                check_options=options,
                check_correct=correct,
            )
        courses.append(course)
    safety, documents, hromada = courses
    hromada.prerequisites.add(safety)
    for index, department in enumerate(departments):
        MandatoryCourse.objects.create(
            course=safety, department=department, due_on=today + timedelta(days=10 + 20 * index)
        )
        MandatoryCourse.objects.create(
            course=documents, department=department, due_on=today - timedelta(days=5 - index * 30)
        )

    admin = Resident.objects.filter(email="admin@chornomorsk.demo").first()
    hr = _account(community, "hr@chornomorsk.demo", "Захарченко Валентина Миколаївна")
    HrOfficer.objects.get_or_create(community=community, resident=hr)
    people = []
    for index, name in enumerate(STAFF_NAMES):
        department = departments[index % len(departments)] if departments else None
        people.append(_account(community, f"learner{index + 1}@chornomorsk.demo", name, department))
    if departments:
        departments[1].head = people[1]
        departments[1].save(update_fields=["head"])
    start = timezone.now() - timedelta(days=40)
    for index, person in enumerate(people):
        stage = index % 4
        when = start + timedelta(days=index)
        if stage == 0:  # both mandatory courses passed, and the platform course
            _take_test(safety, person, 0.95, rng, when)
            _take_test(documents, person, 0.9, rng, when + timedelta(days=2))
            # A draw that failed safety leaves the platform course waiting for it.
            with contextlib.suppress(DomainError):
                _take_test(hromada, person, 0.9, rng, when + timedelta(days=4))
        elif stage == 1:  # safety passed, document flow in progress
            _take_test(safety, person, 0.85, rng, when)
            services.open_lesson(lesson=documents.lessons.first(), resident=person)
        elif stage == 2:  # one attempt failed, the test to take again
            _take_test(safety, person, 0.3, rng, when)
        # stage 3: not started yet
    revoked = safety.certificates.order_by("pk").first()
    if revoked is not None:
        services.revoke_certificate(
            certificate=revoked,
            actor=hr,
            reason="Тест складала інша особа (службова перевірка)",
        )
    services.record_external(
        community=community,
        resident=people[3],
        title="Цифрограм: базовий рівень",
        provider="Дія.Цифрова освіта",
        number="DIIA-2026-000123",
        hours=2,
        completed_on=today - timedelta(days=20),
        area_id=areas["safety"].pk,
    )
    confirmed = services.record_external(
        community=community,
        resident=people[0],
        title="Основи кібергігієни",
        provider="Одеський національний університет",
        number="ОНУ-77",
        hours=16,
        completed_on=date(today.year, 1, 15) if today.month > 1 else today,
        area_id=areas["safety"].pk,
    )
    services.decide_external(record=confirmed, actor=admin or hr, confirm=True)
