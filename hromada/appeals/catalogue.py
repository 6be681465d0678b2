"""
The standard categories a community starts from: the map's problems (Open
City, Open311) and the topics of written appeals to the council.

Names are the community's own data (Ukrainian, with English names for the
second language), so they live here rather than in the translation
catalogue. Targets are working days the council promises; staff change them
in the back office. Each group, and each written topic, names the departments
it is routed to by patterns matched against the community's department names,
first match wins; with no match it stays unrouted and the moderator routes
its appeals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def route(patterns: Sequence[str], department_names: Sequence[str]) -> int | None:
    """Return the index of the first department name a pattern matches, trying patterns in turn."""
    lowered = [name.lower() for name in department_names]
    for pattern in patterns:
        for index, name in enumerate(lowered):
            if re.search(pattern, name):
                return index
    return None


SIZE = [
    {"key": "small", "name": "до 30 см"},
    {"key": "medium", "name": "30–100 см"},
    {"key": "large", "name": "понад 1 м"},
]
YES_NO = [{"key": "yes", "name": "так"}, {"key": "no", "name": "ні"}]

HOUSING_ROUTES = [r"^управління житлово", r"^відділ житлово", r"житлово-комунальн"]
UPKEEP_ROUTES = [r"благоустр", r"^кп.*житлово-комунальн", r"житлово-комунальн"]

# (code, name, name_en, routes, children); a child is
# (code, name, name_en, target working days, needs study, keywords, description, attributes).
TREE = [
    (
        "roads",
        "Дороги і тротуари",
        "Roads and pavements",
        UPKEEP_ROUTES,
        [
            (
                "pothole",
                "Вибоїна на дорозі",
                "Pothole",
                10,
                False,
                "яма, вибоїна, асфальт, дорога",
                "Яма або просідання асфальту на проїжджій частині.",
                [
                    {
                        "code": "size",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "description": "Який розмір вибоїни?",
                        "values": SIZE,
                    },
                    {
                        "code": "on_crossing",
                        "datatype": "singlevaluelist",
                        "required": False,
                        "description": "Вибоїна на пішохідному переході?",
                        "values": YES_NO,
                    },
                ],
            ),
            (
                "pavement",
                "Пошкоджений тротуар",
                "Damaged pavement",
                15,
                False,
                "тротуар, плитка, бордюр",
                "Вибита плитка, зруйнований бордюр, провали на тротуарі.",
                [],
            ),
            (
                "snow",
                "Неприбраний сніг чи ожеледиця",
                "Snow or ice not cleared",
                2,
                False,
                "сніг, ожеледиця, посипання",
                "Неприбраний сніг або непосипана ожеледиця на дорозі чи тротуарі.",
                [],
            ),
        ],
    ),
    (
        "lighting",
        "Вуличне освітлення",
        "Street lighting",
        [r"освітл", *HOUSING_ROUTES],
        [
            (
                "light-out",
                "Не світить ліхтар",
                "Street light out",
                3,
                False,
                "ліхтар, освітлення, темно",
                "Один або кілька вуличних ліхтарів не світять уночі.",
                [
                    {
                        "code": "pole",
                        "datatype": "string",
                        "required": False,
                        "description": "Номер опори, якщо його видно",
                        "datatype_description": "Наприклад, 14/3",
                    },
                    {
                        "code": "lamps",
                        "datatype": "number",
                        "required": False,
                        "description": "Скільки ліхтарів не світить?",
                    },
                ],
            ),
            (
                "light-day",
                "Ліхтар світить удень",
                "Street light on in daytime",
                3,
                False,
                "ліхтар, освітлення, вдень",
                "Вуличне освітлення не вимикається вдень.",
                [],
            ),
            (
                "cable",
                "Обірваний або відкритий кабель",
                "Broken or exposed cable",
                1,
                False,
                "кабель, дріт, опора, небезпека",
                "Обірвані дроти, відкриті щитки, пошкоджені опори освітлення.",
                [],
            ),
        ],
    ),
    (
        "waste",
        "Сміття і прибирання",
        "Waste and cleaning",
        UPKEEP_ROUTES,
        [
            (
                "bins-full",
                "Переповнені контейнери",
                "Overflowing bins",
                2,
                False,
                "сміття, контейнер, вивезення",
                "Сміття не вивезено вчасно, контейнери переповнені.",
                [
                    {
                        "code": "container",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "description": "Які контейнери?",
                        "values": [
                            {"key": "mixed", "name": "змішані відходи"},
                            {"key": "plastic", "name": "пластик"},
                            {"key": "glass", "name": "скло"},
                            {"key": "bulky", "name": "великогабаритні відходи"},
                        ],
                    }
                ],
            ),
            (
                "dumping",
                "Стихійне звалище",
                "Illegal dumping",
                10,
                False,
                "звалище, будівельне сміття",
                "Сміття, будівельні відходи чи гілля, викинуті поза майданчиками.",
                [],
            ),
            (
                "street-cleaning",
                "Неприбрана вулиця чи зупинка",
                "Street or stop not cleaned",
                3,
                False,
                "прибирання, бруд, зупинка",
                "Вулиця, сквер чи зупинка давно не прибиралися.",
                [],
            ),
        ],
    ),
    (
        "greenery",
        "Зелені насадження і майданчики",
        "Trees, parks and playgrounds",
        UPKEEP_ROUTES,
        [
            (
                "tree-danger",
                "Аварійне дерево",
                "Dangerous tree",
                5,
                False,
                "дерево, гілка, аварійне",
                "Дерево нахилилося, всохло або з нього падають гілки.",
                [
                    {
                        "code": "danger",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "description": "Що з деревом?",
                        "values": [
                            {"key": "leaning", "name": "нахилилося"},
                            {"key": "dry", "name": "всохло"},
                            {"key": "branches", "name": "падають гілки"},
                            {"key": "fallen", "name": "впало"},
                        ],
                    }
                ],
            ),
            (
                "mowing",
                "Некошена трава",
                "Grass not mowed",
                10,
                False,
                "трава, покіс, амброзія",
                "Висока трава чи амброзія на газонах і узбіччях.",
                [],
            ),
            (
                "playground",
                "Пошкоджений дитячий майданчик",
                "Damaged playground",
                10,
                False,
                "майданчик, гойдалка, лавка",
                "Зламані гойдалки, гірки, лавки чи огорожа.",
                [],
            ),
        ],
    ),
    (
        "water",
        "Водопостачання і водовідведення",
        "Water and sewage",
        [r"водоканал", r"водопостач", *HOUSING_ROUTES],
        [
            (
                "water-leak",
                "Витік води, прорив труби",
                "Water leak or burst pipe",
                1,
                False,
                "вода, прорив, витік, труба",
                "Вода б'є з-під землі чи тече з труби.",
                [],
            ),
            (
                "manhole",
                "Відкритий або пошкоджений люк",
                "Open or broken manhole",
                1,
                False,
                "люк, колодязь",
                "Люк відсутній, зсунутий чи проломлений.",
                [],
            ),
            (
                "sewage",
                "Засмічена каналізація",
                "Blocked sewer",
                3,
                False,
                "каналізація, затоплення, злива",
                "Каналізація чи зливостік засмічені, стоїть вода.",
                [],
            ),
            (
                "no-water",
                "Немає води",
                "No water supply",
                1,
                False,
                "вода, відключення, тиск",
                "У будинку немає води чи дуже слабкий тиск.",
                [
                    {
                        "code": "since",
                        "datatype": "datetime",
                        "required": False,
                        "description": "Відколи немає води?",
                    }
                ],
            ),
        ],
    ),
    (
        "heating",
        "Теплопостачання",
        "Heating",
        [r"тепло", *HOUSING_ROUTES],
        [
            (
                "no-heating",
                "Немає опалення",
                "No heating",
                1,
                False,
                "опалення, батареї, холодно",
                "У будинку немає опалення або батареї ледь теплі.",
                [],
            ),
            (
                "heating-pipe",
                "Пошкоджена теплотраса",
                "Damaged heating main",
                3,
                False,
                "теплотраса, пара, ізоляція",
                "Пара з-під землі, зірвана ізоляція труб.",
                [],
            ),
        ],
    ),
    (
        "transport",
        "Громадський транспорт",
        "Public transport",
        [r"транспорт", *HOUSING_ROUTES],
        [
            (
                "stop",
                "Пошкоджена зупинка",
                "Damaged stop",
                10,
                False,
                "зупинка, павільйон",
                "Зламаний павільйон, лавка чи табличка зупинки.",
                [],
            ),
            (
                "schedule",
                "Порушення графіку руху",
                "Timetable not kept",
                5,
                True,
                "маршрут, автобус, графік",
                "Автобус не прийшов, маршрут скорочено, перевізник порушує графік.",
                [
                    {
                        "code": "route",
                        "datatype": "string",
                        "required": True,
                        "description": "Номер маршруту",
                    }
                ],
            ),
            (
                "road-sign",
                "Пошкоджений або відсутній дорожній знак",
                "Damaged or missing road sign",
                5,
                False,
                "знак, світлофор, розмітка",
                "Знак упав, зник чи не видно розмітки; не працює світлофор.",
                [],
            ),
        ],
    ),
    (
        "housing",
        "Житловий фонд",
        "Housing",
        HOUSING_ROUTES,
        [
            (
                "roof",
                "Протікає дах",
                "Leaking roof",
                10,
                True,
                "дах, покрівля, протікання",
                "Покрівля багатоквартирного будинку протікає.",
                [],
            ),
            (
                "elevator",
                "Не працює ліфт",
                "Lift out of order",
                2,
                False,
                "ліфт",
                "Ліфт стоїть або працює з перебоями.",
                [],
            ),
            (
                "entrance",
                "Стан під'їзду",
                "Entrance hall in poor repair",
                15,
                True,
                "під'їзд, двері, освітлення під'їзду",
                "Розбиті вікна чи двері, немає світла в під'їзді.",
                [],
            ),
        ],
    ),
    (
        "animals",
        "Тварини",
        "Animals",
        HOUSING_ROUTES,
        [
            (
                "stray",
                "Безпритульні тварини",
                "Stray animals",
                10,
                False,
                "собаки, коти, безпритульні",
                "Зграї безпритульних собак, потрібна стерилізація чи допомога тварині.",
                [
                    {
                        "code": "animal",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "description": "Які тварини?",
                        "values": [
                            {"key": "dogs", "name": "собаки"},
                            {"key": "cats", "name": "коти"},
                            {"key": "other", "name": "інші"},
                        ],
                    },
                    {
                        "code": "aggressive",
                        "datatype": "singlevaluelist",
                        "required": False,
                        "description": "Тварини агресивні?",
                        "values": YES_NO,
                    },
                ],
            ),
            (
                "dead-animal",
                "Загибла тварина",
                "Dead animal",
                1,
                False,
                "загибла тварина",
                "Загибла тварина на дорозі чи у дворі.",
                [],
            ),
        ],
    ),
    (
        "other",
        "Інше",
        "Other",
        HOUSING_ROUTES,
        [
            (
                "other-problem",
                "Інша проблема",
                "Other problem",
                10,
                True,
                "",
                "Проблема, яка не підходить до жодної категорії.",
                [],
            ),
        ],
    ),
]


# Written appeals (Law "On citizens' appeals", art. 3) are about what the
# council runs, not about a spot on the map: they get one group of topics.
# Migration 0006_written_topics adds them to communities that had categories
# before; a code changed here needs a migration of its own.
TOPIC_GROUP = ("topics", "Звернення до ради", "Appeals to the council")
# A month is the term of an appeal that needs study (art. 20); the target
# promises an answer well within it.
TOPIC_TARGET_DAYS = 15

# (code, name, name_en, routes, keywords, description)
TOPICS = [
    (
        "topic-education",
        "Освіта",
        "Education",
        [r"\bосвіт(?!л)"],  # not "освітлення", street lighting
        "школа, ліцей, гімназія, дитячий садок, харчування, підвезення",
        "Школи, дитячі садки, позашкільна освіта, харчування і підвезення дітей.",
    ),
    (
        "topic-health",
        "Охорона здоров'я",
        "Health care",
        [r"здоров", r"медичн"],
        "амбулаторія, лікарня, сімейний лікар, ліки",
        "Амбулаторії, лікарні, сімейні лікарі, місцеві програми лікування.",
    ),
    (
        "topic-social",
        "Соціальний захист",
        "Social protection",
        [r"соціальн\w* (захист|політик)", r"соціальн"],
        "пільги, субсидія, допомога, соціальні послуги, ВПО, ветерани",
        "Пільги, субсидії, допомога, соціальні послуги, підтримка ВПО і ветеранів.",
    ),
    (
        "topic-cnap",
        "ЦНАП і адміністративні послуги",
        "Service centre (ЦНАП) and administrative services",
        [r"адміністративних послуг", r"цнап"],
        "ЦНАП, довідка, реєстрація місця проживання, паспорт, черга",
        "Робота центру надання адміністративних послуг: довідки, реєстрація, черги, "
        "віддалені робочі місця у старостатах.",
    ),
    (
        "topic-transport",
        "Транспорт",
        "Transport",
        [r"транспорт"],
        "маршрут, автобус, розклад, перевізник, пільговий проїзд",
        "Маршрути й розклад громадського транспорту, перевізники, пільговий проїзд, "
        "організація дорожнього руху.",
    ),
    (
        "topic-land",
        "Земельні питання і будівництво",
        "Land and construction",
        [r"земельн", r"архітектур", r"містобудув", r"будівництв"],
        "земельна ділянка, оренда землі, забудова, будівництво, ремонт",
        "Земельні ділянки, містобудівна документація, будівництво і капітальний ремонт.",
    ),
    (
        "topic-housing",
        "Житлово-комунальне господарство",
        "Housing and utilities",
        HOUSING_ROUTES,
        "будинок, ОСББ, тарифи, опалення, вода, благоустрій",
        "Управління будинками, комунальні послуги і тарифи, благоустрій.",
    ),
    (
        "topic-ecology",
        "Екологія і довкілля",
        "Ecology and environment",
        [r"екологі", r"довкілл", r"благоустр", *HOUSING_ROUTES],
        "забруднення, викиди, зелені насадження, відходи, шум",
        "Забруднення повітря, води і ґрунту, зелені насадження, поводження з відходами.",
    ),
    (
        "topic-culture",
        "Культура і спорт",
        "Culture and sport",
        [r"культур", r"\bспорт", r"\bмолод"],  # "\b": not the "спорт" of "транспорт"
        "будинок культури, бібліотека, музей, спортивна секція, стадіон",
        "Будинки культури, бібліотеки, музеї, спортивні секції і споруди, заходи громади.",
    ),
    (
        "topic-council",
        "Робота ради та посадових осіб",
        "The council's work and its officials",
        [r"секретар", r"апарат", r"організаційн", r"^загальн"],
        "рада, виконком, депутат, староста, посадова особа",
        "Діяльність ради, виконавчого комітету, старост, депутатів і посадових осіб.",
    ),
    (
        "topic-safety",
        "Безпека і громадський порядок",
        "Safety and public order",
        [r"надзвичайн", r"цивільного захисту", r"безпек", r"громадськ\w* порядк"],
        "громадський порядок, укриття, оповіщення, цивільний захист",
        "Громадський порядок, укриття, оповіщення, цивільний захист.",
    ),
    (
        "topic-other",
        "Інше питання",
        "Other matter",
        [],
        "",
        "Питання, яке не підходить до жодної теми; модератор передасть його куди треба.",
    ),
]
