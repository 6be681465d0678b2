"""
Demo consultations of Chornomorsk: an open e-consultation on the draft Rules
for the improvement of the territory (30 articles, 80 comments, 15
amendments, two versions), a closed survey on the bus network with 2,000
anonymous responses and its published report, and an upcoming public hearing
on the 2027 budget with registrations and a waiting list.

Every change of state goes through `services` with the demo staff as the
actor. Only what the services cannot do in the past is written directly:
the 2,000 survey responses (in bulk, each with its respondent's keyed hash,
so "one response per person" holds) and the comments' times, spread over
the days the consultation has been open. Deterministic (a seeded random
generator), idempotent (nothing happens if the community has consultations),
and quick (a few seconds).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from hromada.consultations import services
from hromada.consultations.models import (
    Answer,
    Comment,
    Consultation,
    Question,
    Response,
    ResponseKey,
    Topic,
)
from hromada.core.models import Community, CommunityLink, Department, Identity, Resident, Street

KIND = Consultation.Kind

TOPICS = ["Благоустрій", "Транспорт", "Бюджет і фінанси", "Екологія", "Освіта"]

RULES_TITLE = "Правила благоустрою території Чорноморської міської територіальної громади"

# (section, heading, text): the first version of the draft, 30 articles.
ARTICLES = [
    (
        "Розділ I. Загальні положення",
        "Предмет регулювання",
        "Ці Правила визначають порядок благоустрою та утримання території Чорноморської "
        "міської територіальної громади, права та обов'язки учасників відносин у сфері "
        "благоустрою і відповідальність за їх порушення.",
    ),
    (
        "Розділ I. Загальні положення",
        "Визначення термінів",
        "Терміни у цих Правилах вживаються у значенні, наведеному в Законі України «Про "
        "благоустрій населених пунктів». Прилегла територія — смуга шириною до 10 метрів "
        "від межі земельної ділянки або будівлі.",
    ),
    (
        "Розділ I. Загальні положення",
        "Сфера дії Правил",
        "Правила є обов'язковими для органів місцевого самоврядування, підприємств, "
        "установ, організацій, фізичних осіб — підприємців і мешканців громади.",
    ),
    (
        "Розділ I. Загальні положення",
        "Органи, що здійснюють контроль",
        "Контроль за додержанням Правил здійснюють виконавчі органи міської ради, "
        "інспекція з благоустрою та громадські інспектори з благоустрою.",
    ),
    (
        "Розділ II. Утримання територій",
        "Прибирання вулиць і тротуарів",
        "Прибирання вулиць, тротуарів і зупинок громадського транспорту проводиться "
        "щоденно до 8:00, а в разі потреби — повторно протягом дня.",
    ),
    (
        "Розділ II. Утримання територій",
        "Прибирання прилеглих територій",
        "Власники та користувачі будівель, торговельних об'єктів і кіосків прибирають "
        "прилеглу територію щоденно, не допускаючи скупчення сміття.",
    ),
    (
        "Розділ II. Утримання територій",
        "Зимове утримання",
        "У зимовий період тротуари та пішохідні доріжки очищаються від снігу та "
        "посипаються протиожеледними сумішами протягом 6 годин після закінчення снігопаду.",
    ),
    (
        "Розділ II. Утримання територій",
        "Утримання прибудинкових територій",
        "Прибудинкові території утримують управителі багатоквартирних будинків або "
        "об'єднання співвласників за затвердженим графіком.",
    ),
    (
        "Розділ II. Утримання територій",
        "Утримання пляжів і набережної",
        "Пляжі та набережна прибираються щоденно з 1 травня до 30 вересня; урни "
        "встановлюються не рідше ніж через 50 метрів.",
    ),
    (
        "Розділ III. Зелені насадження",
        "Охорона зелених насаджень",
        "Зелені насадження на території громади підлягають охороні. Забороняється "
        "пошкоджувати дерева, кущі та газони, прив'язувати до дерев рекламу і тварин.",
    ),
    (
        "Розділ III. Зелені насадження",
        "Видалення дерев",
        "Видалення дерев здійснюється лише на підставі акта обстеження та ордера, "
        "виданого виконавчим комітетом.",
    ),
    (
        "Розділ III. Зелені насадження",
        "Компенсаційна висадка",
        "За кожне видалене дерево висаджується не менше одного саджанця протягом одного сезону.",
    ),
    (
        "Розділ III. Зелені насадження",
        "Косіння трави",
        "Косіння трави на газонах проводиться, коли висота трави перевищує 15 сантиметрів.",
    ),
    (
        "Розділ IV. Поводження з відходами",
        "Контейнерні майданчики",
        "Контейнерні майданчики облаштовуються з твердим покриттям, огорожею з трьох "
        "боків і під'їздом для сміттєвозів.",
    ),
    (
        "Розділ IV. Поводження з відходами",
        "Роздільне збирання відходів",
        "На контейнерних майданчиках встановлюються контейнери для скла, пластику, "
        "паперу та змішаних відходів.",
    ),
    (
        "Розділ IV. Поводження з відходами",
        "Вивезення великогабаритних відходів",
        "Великогабаритні та ремонтні відходи вивозяться за окремою заявкою за рахунок "
        "їх утворювача.",
    ),
    (
        "Розділ IV. Поводження з відходами",
        "Заборона спалювання",
        "Забороняється спалювання листя, трави, побутових та інших відходів на всій "
        "території громади.",
    ),
    (
        "Розділ V. Об'єкти благоустрою",
        "Дитячі та спортивні майданчики",
        "Дитячі та спортивні майданчики мають відповідати державним будівельним нормам; "
        "їх технічний стан перевіряється щомісяця.",
    ),
    (
        "Розділ V. Об'єкти благоустрою",
        "Вуличне освітлення",
        "Вуличне освітлення вмикається з настанням темряви і вимикається зранку "
        "відповідно до графіка, затвердженого виконавчим комітетом.",
    ),
    (
        "Розділ V. Об'єкти благоустрою",
        "Малі архітектурні форми",
        "Лави, урни, квітники та інші малі архітектурні форми утримуються в "
        "належному стані їх балансоутримувачами.",
    ),
    (
        "Розділ V. Об'єкти благоустрою",
        "Безбар'єрність",
        "Під час облаштування та ремонту тротуарів, переходів і зупинок забезпечуються "
        "пониження бордюрів і тактильні елементи.",
    ),
    (
        "Розділ V. Об'єкти благоустрою",
        "Тимчасові споруди",
        "Розміщення тимчасових споруд для провадження підприємницької діяльності "
        "здійснюється відповідно до паспорта прив'язки.",
    ),
    (
        "Розділ V. Об'єкти благоустрою",
        "Зовнішня реклама та вивіски",
        "Вивіски і рекламні засоби розміщуються відповідно до дозволу та не повинні "
        "закривати вікна, балкони й архітектурні деталі фасадів.",
    ),
    (
        "Розділ VI. Тварини",
        "Вигул домашніх тварин",
        "Власники домашніх тварин прибирають за ними екскременти. Вигул собак на "
        "дитячих майданчиках і пляжах забороняється.",
    ),
    (
        "Розділ VI. Тварини",
        "Безпритульні тварини",
        "Облік, стерилізація та утримання безпритульних тварин здійснюються "
        "комунальним підприємством відповідно до програми громади.",
    ),
    (
        "Розділ VII. Земляні та ремонтні роботи",
        "Дозвіл на порушення благоустрою",
        "Земляні та ремонтні роботи, що порушують благоустрій, проводяться на підставі "
        "дозволу виконавчого комітету.",
    ),
    (
        "Розділ VII. Земляні та ремонтні роботи",
        "Відновлення благоустрою",
        "Після завершення робіт замовник відновлює покриття, газони та інші елементи "
        "благоустрою протягом 10 днів.",
    ),
    (
        "Розділ VIII. Відповідальність",
        "Громадські інспектори",
        "Громадські інспектори з благоустрою складають акти про порушення та передають "
        "їх до інспекції з благоустрою.",
    ),
    (
        "Розділ VIII. Відповідальність",
        "Відповідальність за порушення",
        "Особи, винні в порушенні цих Правил, несуть відповідальність відповідно до "
        "Кодексу України про адміністративні правопорушення.",
    ),
    (
        "Розділ VIII. Відповідальність",
        "Набрання чинності",
        "Правила набирають чинності з дня їх оприлюднення на офіційному вебсайті "
        "Чорноморської міської ради.",
    ),
]

# Article number → its text in the second version (amendments taken into account).
SECOND_VERSION = {
    5: "Прибирання вулиць, тротуарів і зупинок громадського транспорту проводиться "
    "щоденно до 7:30, а в разі потреби — повторно протягом дня.",
    7: "У зимовий період тротуари, пішохідні доріжки та пандуси очищаються від снігу та "
    "посипаються протиожеледними сумішами протягом 4 годин після закінчення снігопаду; "
    "сіль поблизу зелених насаджень не застосовується.",
    12: "За кожне видалене дерево висаджується не менше трьох саджанців протягом "
    "одного сезону; догляд за ними триває три роки.",
    15: "На контейнерних майданчиках встановлюються контейнери для скла, пластику, "
    "паперу, органічних і змішаних відходів, а також окремий бокс для батарейок.",
    24: "Власники домашніх тварин прибирають за ними екскременти. Вигул собак на "
    "дитячих майданчиках і пляжах забороняється; громада облаштовує спеціальні "
    "майданчики для вигулу собак у кожному мікрорайоні.",
}

# (article number or 0 for the whole draft, text, a proposal)
COMMENTS = [
    (0, "Загалом проєкт хороший, але його треба узгодити з Правилами утримання тварин.", False),
    (0, "Прошу опублікувати карту прилеглих територій для кожного кварталу.", True),
    (2, "10 метрів прилеглої території для кіоску — забагато, пропоную 5 метрів.", True),
    (2, "Треба чітко визначити, хто прибирає між двома сусідніми ділянками.", True),
    (4, "Громадські інспектори мають отримати посвідчення від міської ради.", True),
    (5, "На Парусній прибирають тільки до обіду, ввечері урни переповнені.", False),
    (5, "Прибирати треба до 7:30, коли люди йдуть на роботу і до школи.", True),
    (5, "Підтримую: до восьмої вже пізно, діти йдуть до школи по сміттю.", False),
    (6, "Хто перевірятиме, чи власники кіосків прибирають щодня?", False),
    (7, "Шість годин після снігопаду — це дуже довго для тротуарів біля шкіл.", True),
    (7, "Просимо не сипати сіль біля дерев: на Миру вже засохли каштани.", True),
    (7, "Пандуси біля лікарні взимку ніхто не чистить, внесіть їх у статтю.", True),
    (8, "Графік прибирання прибудинкових територій має бути вивішений на кожному будинку.", True),
    (9, "Урни на пляжі через кожні 50 метрів — добре, але потрібні ще й контейнери.", True),
    (9, "Пляжі треба прибирати з 15 квітня, сезон починається раніше.", True),
    (10, "Додайте заборону забивати цвяхи в дерева для оголошень.", True),
    (10, "Дерева в парку обклеєні рекламою, хто за це відповідатиме?", False),
    (11, "Акти обстеження дерев треба публікувати на сайті до видалення.", True),
    (11, "Видалення дерев погоджувати з громадськістю, а не лише з виконкомом.", True),
    (12, "Один саджанець замість столітнього дерева — несправедливо. Мінімум три.", True),
    (12, "Підтримую, три саджанці і догляд за ними хоча б три роки.", False),
    (12, "Компенсаційні саджанці висаджувати в тому самому мікрорайоні.", True),
    (13, "15 см — забагато біля дитячих майданчиків, кліщі. Пропоную 10 см.", True),
    (13, "Не косіть газони з квітами повністю, залишайте смуги для комах.", True),
    (14, "Контейнерні майданчики у дворах на Хантадзе без огорожі вже роками.", False),
    (15, "Потрібен окремий контейнер для органічних відходів.", True),
    (15, "Де здавати батарейки і лампи? Додайте бокси для небезпечних відходів.", True),
    (15, "Роздільні контейнери є, але сміттєвоз усе змішує — тоді навіщо?", False),
    (16, "Вкажіть вартість вивезення великогабаритних відходів або формулу.", True),
    (17, "Штрафи за спалювання листя треба підвищити, у приватному секторі дим щоосені.", True),
    (17, "Дозвольте компостування листя на власних ділянках.", True),
    (18, "Майданчик біля школи №7 небезпечний — гойдалка зламана з весни.", False),
    (18, "Перевірку майданчиків публікувати у відкритих даних.", True),
    (19, "На вулиці Корабельній ліхтарі не горять уже місяць.", False),
    (19, "Освітлення пішохідних переходів має працювати всю ніч.", True),
    (20, "Більше лав на набережній для людей старшого віку.", True),
    (21, "Безбар'єрність має бути не лише під час ремонту, а й за окремим планом.", True),
    (21, "Підтримую, зупинка «Лікарня» досі без пониженого бордюру.", False),
    (22, "Кіоски біля ринку стоять без паспортів прив'язки.", False),
    (23, "Заборонити рекламу на опорах освітлення.", True),
    (24, "Облаштуйте майданчики для вигулу собак, інакше заборона не працює.", True),
    (24, "Штрафувати власників, які не прибирають за собаками.", True),
    (24, "Майданчик для собак потрібен у кожному мікрорайоні, а не один на місто.", True),
    (25, "Програму стерилізації безпритульних тварин треба профінансувати окремо.", True),
    (26, "Дозволи на розкопування публікувати на мапі громади.", True),
    (27, "10 днів на відновлення — нереально взимку, уточніть сезонність.", True),
    (27, "Водоканал розкопав двір на Шевченка і не відновив асфальт.", False),
    (28, "Громадським інспекторам потрібна можливість фотофіксації в застосунку.", True),
    (29, "Окрім штрафів, передбачте обов'язок усунути порушення.", True),
    (30, "Правила мають набирати чинності через місяць після оприлюднення.", True),
]

# (article number, extra sentence or replacement of the whole text)
AMENDMENTS = [
    (
        2,
        "Прилегла територія — смуга шириною до 5 метрів від межі земельної ділянки або "
        "будівлі, а між сусідніми ділянками — до середини відстані між ними.",
    ),
    (5, SECOND_VERSION[5]),
    (7, SECOND_VERSION[7]),
    (
        9,
        "Пляжі та набережна прибираються щоденно з 15 квітня до 15 жовтня; урни "
        "встановлюються не рідше ніж через 50 метрів, контейнери — біля кожного входу.",
    ),
    (
        11,
        "Видалення дерев здійснюється лише на підставі акта обстеження, оприлюдненого на "
        "вебсайті міської ради не пізніше ніж за 10 днів, та ордера виконавчого комітету.",
    ),
    (12, SECOND_VERSION[12]),
    (
        13,
        "Косіння трави на газонах проводиться, коли висота трави перевищує 10 сантиметрів; "
        "на квіткових луках залишаються некошені смуги.",
    ),
    (15, SECOND_VERSION[15]),
    (
        17,
        "Забороняється спалювання листя, трави, побутових та інших відходів; дозволяється "
        "компостування рослинних залишків на власних земельних ділянках.",
    ),
    (
        19,
        "Вуличне освітлення вмикається з настанням темряви; пішохідні переходи "
        "освітлюються всю ніч.",
    ),
    (
        23,
        "Вивіски і рекламні засоби розміщуються відповідно до дозволу; розміщення "
        "реклами на опорах освітлення і деревах забороняється.",
    ),
    (24, SECOND_VERSION[24]),
    (
        27,
        "Після завершення робіт замовник відновлює покриття протягом 10 днів, а в "
        "зимовий період — тимчасово, з остаточним відновленням до 1 травня.",
    ),
    (
        29,
        "Особи, винні в порушенні цих Правил, несуть відповідальність відповідно до "
        "закону та зобов'язані усунути порушення у строк, визначений приписом.",
    ),
    (
        30,
        "Правила набирають чинності через 30 днів з дня їх оприлюднення на офіційному "
        "вебсайті Чорноморської міської ради.",
    ),
]

REPLIES = {
    7: "Дякуємо. У другій редакції строк скорочено до 4 годин, додано пандуси і "
    "заборону солі поблизу насаджень.",
    12: "Пропозицію враховано: у другій редакції — три саджанці і трирічний догляд.",
    24: "Управління ЖКГ готує програму облаштування майданчиків для вигулу собак на 2027 рік.",
}

# The bus network survey ------------------------------------------------------------

ROUTES = [
    "№1 Центр — Олександрівка",
    "№5 Порт — лікарня",
    "№7 Бурлача Балка — центр",
    "№9 Малодолинське — ринок",
    "№12 Молодіжна — вокзал",
]
BUS_QUESTIONS = [
    {
        "kind": "single",
        "text": "Як часто ви користуєтеся міськими автобусами?",
        "required": True,
        "options": ["Щодня", "Кілька разів на тиждень", "Кілька разів на місяць", "Майже ніколи"],
    },
    {
        "kind": "multiple",
        "text": "Якими маршрутами ви їздите?",
        "options": ROUTES,
        "condition": {"join": "and", "rules": [{"question": 1, "test": "not_equals", "value": 3}]},
    },
    {
        "kind": "scale",
        "text": "Оцініть роботу автобусної мережі загалом (1 — дуже погано, 5 — відмінно)",
        "required": True,
        "minimum": 1,
        "maximum": 5,
    },
    {
        "kind": "ranking",
        "text": "Що для вас найважливіше? Розташуйте від найважливішого",
        "options": ["Частота руху", "Вартість проїзду", "Комфорт і чистота", "Пізні рейси"],
    },
    {
        "kind": "number",
        "text": "Скільки хвилин ви зазвичай чекаєте автобус?",
        "minimum": 0,
        "maximum": 120,
    },
    {
        "kind": "matrix_single",
        "text": "Оцініть автобуси за такими ознаками",
        "options": ["Погано", "Задовільно", "Добре"],
        "rows": ["Дотримання розкладу", "Стан автобусів", "Доступність для людей з інвалідністю"],
    },
    {
        "kind": "single",
        "text": "Чи підтримуєте ви запровадження електронного квитка?",
        "required": True,
        "options": ["Так", "Ні", "Не маю думки"],
    },
    {
        "kind": "long",
        "text": "Ваші пропозиції щодо нової маршрутної мережі",
    },
]
BUS_PROPOSALS = [
    "Запустити автобус до Олександрівки щогодини, а не тричі на день.",
    "Продовжити роботу маршруту №7 до 23:00, люди повертаються з порту пізно.",
    "Зробити пересадку безкоштовною протягом 40 хвилин з електронним квитком.",
    "Потрібен маршрут від Малодолинського до лікарні без пересадки.",
    "Встановити табло з часом прибуття на основних зупинках.",
    "Закупити низькопідлогові автобуси, у старі неможливо зайти з візочком.",
    "Маршрут №12 варто подовжити до нового мікрорайону на Молодіжній.",
    "Додати зупинку біля школи №7 на маршруті №5.",
    "Опублікувати розклад у відкритих даних, щоб він був у застосунках.",
    "Скасувати дублювання маршрутів №1 і №9 у центрі та збільшити частоту.",
    "Облаштувати павільйони на зупинках у Бурлачій Балці, там немає навісів.",
    "Зробити пільговий проїзд для студентів коледжів.",
]
BUS_DECISIONS = [
    ("accepted", ""),
    ("accepted", ""),
    (
        "partly",
        "Безкоштовну пересадку буде запроваджено для пенсіонерів і школярів; для "
        "решти — знижка 50 % через бюджетні обмеження.",
    ),
    ("accepted", ""),
    (
        "partly",
        "Табло буде встановлено на 10 зупинках з найбільшим пасажиропотоком у 2027 "
        "році; на інших — після оцінки першого етапу.",
    ),
    ("accepted", ""),
    ("accepted", ""),
    (
        "rejected",
        "Ширина вулиці Парусної біля школи не дозволяє облаштувати безпечну "
        "зупинку; найближча зупинка буде перенесена на 80 метрів ближче до школи.",
    ),
    ("accepted", ""),
    (
        "partly",
        "Маршрути об'єднано на ділянці вулиці Миру; повне скасування №9 відхилено, "
        "бо він єдиний обслуговує Малодолинське.",
    ),
    ("accepted", ""),
    (
        "rejected",
        "Пільги на проїзд для студентів визначає окрема програма соціального "
        "захисту; пропозицію передано на її розгляд.",
    ),
]

HEARING_AGENDA = (
    "1. Проєкт бюджету Чорноморської міської територіальної громади на 2027 рік: доповідь "
    "начальника фінансового управління.\n"
    "2. Видатки на ремонт доріг, освітлення і благоустрій.\n"
    "3. Захисні споруди цивільного захисту в закладах освіти.\n"
    "4. Пропозиції мешканців і відповіді на запитання."
)


def load(community: Community) -> None:
    """Create the demo consultations of Chornomorsk unless it has consultations already."""
    if community.slug != "chornomorsk":
        return
    if Consultation.objects.filter(community=community).exists():
        return
    moderator = Resident.objects.filter(email="moderator@chornomorsk.demo").first()
    if moderator is None:
        return
    rng = random.Random("consultations-chornomorsk")  # noqa: S311 - demo data
    with transaction.atomic():
        services.rules_for(community)
        topics = {
            name: Topic.objects.get_or_create(community=community, name=name)[0] for name in TOPICS
        }
        people = _residents(community, 2000, rng)
        _rules_consultation(community, moderator, topics["Благоустрій"], people[:60], rng)
        _bus_survey(community, moderator, topics["Транспорт"], people, rng)
        _budget_hearing(community, moderator, topics["Бюджет і фінанси"], people[60:124])


def _draft_text(changes: dict[int, str]) -> str:
    lines = [f"# {RULES_TITLE}", ""]
    section = ""
    for number, (part, heading, text) in enumerate(ARTICLES, start=1):
        if part != section:
            section = part
            lines += [f"## {part}", ""]
        lines += [f"### Стаття {number}. {heading}", changes.get(number, text), ""]
    return "\n".join(lines)


def _department(community: Community, name: str):
    return Department.objects.filter(community=community, name=name).first()


def _rules_consultation(community, moderator, topic, people, rng) -> Consultation:
    now = timezone.now()
    opened = now - timedelta(days=12)
    consultation = services.create_consultation(
        actor=moderator,
        community=community,
        kind=KIND.DRAFT,
        title=f"Проєкт рішення «Про затвердження {RULES_TITLE.replace('Правила', 'Правил')}»",
        summary="Проєкт нових Правил благоустрою замість Правил 2012 року: прибирання і "
        "зимове утримання, зелені насадження, роздільне збирання відходів, безбар'єрність, "
        "вигул тварин, відновлення благоустрою після ремонтних робіт.",
        body="Виконавчий комітет Чорноморської міської ради",
        affected="Усі мешканці громади; власники та користувачі будівель, земельних ділянок, "
        "торговельних об'єктів і тимчасових споруд; управителі багатоквартирних будинків; "
        "комунальні підприємства.",
        legal_basis="Закон України «Про благоустрій населених пунктів», ст. 34; Закон "
        "України «Про публічні консультації» №3841-IX; постанова Кабінету Міністрів "
        "України від 3 листопада 2010 р. №996",
        how_to_take_part="Залиште коментар до статті або до проєкту в цілому, запропонуйте "
        "поправку до статті чи надішліть пропозицію поштою на адресу: 68001, м. Чорноморськ, "
        "проспект Миру, 33, з позначкою «Правила благоустрою». Анонімні пропозиції не "
        "розглядаються.",
        opens_at=opened,
        closes_at=opened + timedelta(days=30),
        topic=topic,
        department=_department(community, "Управління житлово-комунального господарства"),
    )
    services.publish_version(actor=moderator, consultation=consultation, text=_draft_text({}))
    consultation = services.announce_consultation(actor=moderator, consultation=consultation)

    # 80 comments (one of them removed) and 15 amendments: the amendments that
    # the second version takes in, and most comments, come before it.
    early = [a for a in AMENDMENTS if a[0] in SECOND_VERSION]
    others = [a for a in AMENDMENTS if a[0] not in SECOND_VERSION]
    extra = rng.sample(COMMENTS, 79 - len(COMMENTS))
    plan = [("comment", spec) for spec in COMMENTS[:45]]
    plan += [("amendment", spec) for spec in early + others[:5]]
    plan += [("version", None)]
    plan += [("comment", spec) for spec in COMMENTS[45:]]
    plan += [("amendment", spec) for spec in others[5:]]
    plan += [("again", spec) for spec in extra]
    authors = people[:45]
    rows: list[Comment] = []
    for kind, spec in plan:
        author = authors[len(rows) % len(authors)]
        if kind == "version":
            services.publish_version(
                actor=moderator,
                consultation=consultation,
                text=_draft_text(SECOND_VERSION),
                note="Враховано пропозиції щодо прибирання, зимового утримання, "
                "компенсаційної висадки дерев, роздільного збирання відходів і вигулу собак.",
            )
            version_index = len(rows)
        elif kind in ("comment", "again"):
            number, text, proposal = spec
            if kind == "again":
                text = rng.choice(["Підтримую. ", "Згоден з попереднім коментарем. ", ""]) + text
            rows.append(
                services.add_comment(
                    consultation=consultation,
                    resident=author,
                    text=text,
                    article_key=f"st-{number}" if number else "",
                    is_proposal=proposal,
                )
            )
        else:
            number, replacement = spec
            rows.append(
                services.propose_amendment(
                    consultation=consultation,
                    resident=author,
                    article_key=f"st-{number}",
                    replacement=replacement,
                    text="Пропоную викласти статтю в такій редакції.",
                )
            )
    offensive = services.add_comment(
        consultation=consultation,
        resident=people[50],
        text="Усі в міськраді нічого не роблять, тільки гроші крадуть!!!",
    )
    services.remove_comment(
        moderator=moderator, comment=offensive, reason=Comment.Removal.OFFENSIVE
    )
    # Supports and oppositions, one per resident per comment.
    for comment in rows:
        for voter in rng.sample(people, rng.randint(0, 6)):
            if voter.pk != comment.resident_id:
                value = rng.choice([1, 1, -1])
                services.vote_comment(comment=comment, resident=voter, value=value)
    first_on = {}
    for comment in rows:
        first_on.setdefault(comment.article_key, comment)
    for number, text in REPLIES.items():
        services.reply_to_comment(staff=moderator, comment=first_on[f"st-{number}"], text=text)
    # The amendments the second version took in are decided already.
    taken = [c for c in rows if c.replacement and c.replacement in SECOND_VERSION.values()]
    services.decide_proposals(staff=moderator, comments=taken, decision="accepted")
    # Spread the rows over the days it has been open, around the second version.
    version_at = opened + timedelta(days=7)
    times = _times(opened, version_at, version_index, rng) + _times(
        version_at, now - timedelta(hours=1), len(rows) - version_index, rng
    )
    for comment, when in zip(rows, times, strict=True):
        Comment.objects.filter(pk=comment.pk).update(created_at=when)
    Comment.objects.filter(pk=offensive.pk).update(created_at=now - timedelta(hours=5))
    consultation.versions.filter(number=1).update(created_at=opened)
    consultation.versions.filter(number=2).update(created_at=version_at)
    return consultation


def _times(start, end, count: int, rng) -> list:
    span = int((end - start).total_seconds())
    return sorted(start + timedelta(seconds=rng.randint(60, span - 60)) for _ in range(count))


def _bus_survey(community, moderator, topic, people, rng) -> Consultation:
    now = timezone.now()
    opens = now - timedelta(days=75)
    closes = opens + timedelta(days=30)
    survey = services.create_consultation(
        actor=moderator,
        community=community,
        kind=KIND.SURVEY,
        title="Опитування щодо нової мережі міських автобусних маршрутів",
        summary="Перш ніж затвердити нову маршрутну мережу, виконавчий комітет питає "
        "мешканців, якими маршрутами вони їздять, скільки чекають і що треба змінити.",
        body="Відділ транспорту, зв'язку та організації перевезень",
        affected="Пасажири міських автобусів, мешканці Олександрівки, Малодолинського і "
        "Бурлачої Балки; перевізники.",
        legal_basis="Закон України «Про автомобільний транспорт», ст. 7; постанова Кабінету "
        "Міністрів України від 3 листопада 2010 р. №996",
        how_to_take_part="Дайте відповіді на питання анкети онлайн або в ЦНАП. Одна "
        "відповідь від особи; відповіді анонімні.",
        opens_at=opens,
        closes_at=closes,
        anonymity=Consultation.Anonymity.ANONYMOUS,
        topic=topic,
        department=_department(community, "Відділ транспорту, зв'язку та організації перевезень"),
    )
    for question in BUS_QUESTIONS:
        services.add_question(actor=moderator, consultation=survey, **question)
    survey = services.announce_consultation(actor=moderator, consultation=survey)
    # The responses came in while it was open: written in bulk, each person once.
    questions = {q.position: q for q in survey.questions.all()}
    days = [timezone.localdate(opens) + timedelta(days=d) for d in range(30)]
    responses, answers, keys = [], [], []
    settlements = _settlement_of_people(community, people)
    for person in people:
        responses.append(
            Response(
                consultation=survey,
                settlement_id=settlements.get(person.pk),
                age_group=services.age_group(person),
                submitted_on=days[min(29, int(30 * rng.random() ** 1.6))],
            )
        )
        keys.append(ResponseKey(consultation=survey, key=services.response_key(survey, person)))
    # The keys are not in the responses' order.
    rng.shuffle(keys)
    ResponseKey.objects.bulk_create(keys, batch_size=1000)
    Response.objects.bulk_create(responses, batch_size=1000)
    made = list(Response.objects.filter(consultation=survey).order_by("pk"))
    written: dict[str, list[Answer]] = {}
    for index, response in enumerate(made):
        for row in _answers(questions, rng, index):
            row.response = response
            answers.append(row)
            if row.text:
                written.setdefault(row.text, []).append(row)
    Answer.objects.bulk_create(answers, batch_size=2000)
    survey = services.close_consultation(actor=moderator, consultation=survey, now=closes)
    survey = services.start_processing(actor=moderator, consultation=survey)
    saved = {
        a.text: a
        for a in Answer.objects.filter(response__consultation=survey, question=questions[8])
        .exclude(text="")
        .order_by("pk")
    }
    for text, (decision, reason) in zip(BUS_PROPOSALS, BUS_DECISIONS, strict=True):
        proposal = services.mark_survey_proposal(staff=moderator, answer=saved[text])
        services.decide_proposals(
            staff=moderator, comments=[proposal], decision=decision, reason=reason
        )
    return services.publish_report(
        actor=moderator,
        consultation=survey,
        notice="2 000 мешканців відповіли на опитування; 12 пропозицій щодо маршрутів: 7 "
        "враховано, 3 враховано частково, 2 відхилено з обґрунтуванням. Нову маршрутну мережу "
        "буде затверджено рішенням виконавчого комітету з урахуванням результатів.",
    )


def _answers(questions: dict[int, Question], rng, index: int) -> list[Answer]:
    """One respondent's answers, as `survey.clean_answers` would store them."""
    rows = []
    how_often = rng.choices(range(4), weights=[35, 30, 20, 15])[0]
    rows.append(Answer(question=questions[1], option=how_often))
    if how_often != 3:
        picked = sorted(rng.sample(range(len(ROUTES)), rng.choice([1, 1, 2, 3])))
        rows += [Answer(question=questions[2], option=i) for i in picked]
    score = rng.choices(range(1, 6), weights=[15, 30, 30, 18, 7])[0]
    rows.append(Answer(question=questions[3], number=score, option=score))
    if rng.random() < 0.8:
        order = rng.sample(range(4), 4)
        rows += [Answer(question=questions[4], option=o, number=r) for r, o in enumerate(order, 1)]
    if rng.random() < 0.9:
        rows.append(Answer(question=questions[5], number=float(rng.randint(3, 40))))
    for row in range(3):
        if rng.random() < 0.85:
            option = rng.choices(range(3), weights=[40, 40, 20])[0]
            rows.append(Answer(question=questions[6], row=row, option=option))
    rows.append(
        Answer(question=questions[7], option=rng.choices(range(3), weights=[62, 23, 15])[0])
    )
    if index < len(BUS_PROPOSALS):
        rows.append(Answer(question=questions[8], text=BUS_PROPOSALS[index]))
    elif rng.random() < 0.1:
        rows.append(Answer(question=questions[8], text=rng.choice(BUS_PROPOSALS[:6]) + " Дякую."))
    return rows


def _budget_hearing(community, moderator, topic, people) -> Consultation:
    now = timezone.now()
    hearing = services.create_consultation(
        actor=moderator,
        community=community,
        kind=KIND.HEARING,
        title="Громадські слухання щодо проєкту бюджету громади на 2027 рік",
        summary="Обговорення проєкту бюджету Чорноморської міської територіальної громади на "
        "2027 рік до його розгляду на сесії міської ради.",
        body="Чорноморська міська рада",
        affected="Усі мешканці громади, бюджетні установи, комунальні підприємства.",
        legal_basis="Закон України «Про місцеве самоврядування в Україні», ст. 13; Статут "
        "Чорноморської міської територіальної громади; Бюджетний кодекс України, ст. 28",
        how_to_take_part="Зареєструйтеся для участі (кількість місць у залі обмежена) або "
        "дивіться трансляцію. Письмові пропозиції приймаються до початку слухань.",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=24),
        hearing_at=(now + timedelta(days=20)).replace(hour=16, minute=0, second=0, microsecond=0),
        place="Велика зала Чорноморської міської ради, проспект Миру, 33",
        online_link="https://www.youtube.com/@chornomorskrada",
        agenda=HEARING_AGENDA,
        capacity=60,
        topic=topic,
    )
    hearing = services.announce_consultation(actor=moderator, consultation=hearing)
    for person in people:
        services.register_for_hearing(consultation=hearing, resident=person)
    services.enter_proposal(
        staff=moderator,
        consultation=hearing,
        text="Передбачити в бюджеті 2027 року кошти на капітальний ремонт даху гімназії №2.",
        author_name="Рада батьків гімназії №2",
        source=Comment.Source.PAPER,
    )
    return hearing


def _residents(community: Community, count: int, rng) -> list[Resident]:
    """Demo residents with confirmed e-mail, linked to streets of the community, in bulk."""
    prefix = "respondent.chornomorsk"
    existing = list(Resident.objects.filter(email__startswith=prefix).order_by("pk"))
    if len(existing) < count:
        password = make_password(None)
        first_names = [
            "Олена",
            "Андрій",
            "Наталія",
            "Сергій",
            "Ірина",
            "Микола",
            "Оксана",
            "Дмитро",
            "Тетяна",
            "Володимир",
            "Юлія",
            "Олег",
            "Марія",
            "Богдан",
        ]
        surnames = [
            "Бондаренко",
            "Ткаченко",
            "Кравченко",
            "Коваленко",
            "Олійник",
            "Шевчук",
            "Поліщук",
            "Бойко",
            "Лисенко",
            "Руденко",
            "Марченко",
            "Мороз",
            "Павленко",
            "Левченко",
            "Клименко",
            "Романюк",
            "Гаврилюк",
            "Костенко",
            "Білик",
        ]
        Resident.objects.bulk_create(
            [
                Resident(
                    email=f"{prefix}.{index:04d}@demo.invalid",
                    password=password,
                    full_name=f"{rng.choice(surnames)} {rng.choice(first_names)}",
                    birth_date=date(
                        rng.randint(1945, 2007), rng.randint(1, 12), rng.randint(1, 28)
                    ),
                    identity_level=Identity.EMAIL,
                    notify_by_email=False,
                )
                for index in range(len(existing), count)
            ],
            batch_size=1000,
        )
        created = list(Resident.objects.filter(email__startswith=prefix).order_by("pk"))
        streets = list(Street.objects.filter(settlement__community=community).order_by("pk"))
        CommunityLink.objects.bulk_create(
            [
                CommunityLink(
                    resident=resident,
                    community=community,
                    kind=CommunityLink.Kind.LIVES,
                    street=rng.choice(streets) if streets else None,
                    house=str(rng.randint(1, 120)),
                )
                for resident in created[len(existing) :]
            ],
            batch_size=1000,
        )
        existing = created
    return existing[:count]


def _settlement_of_people(community: Community, people: list[Resident]) -> dict[int, int]:
    return dict(
        CommunityLink.objects.filter(
            community=community, resident__in=[p.pk for p in people], street__isnull=False
        ).values_list("resident_id", "street__settlement_id")
    )
