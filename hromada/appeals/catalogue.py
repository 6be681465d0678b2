"""
The standard category tree a community starts from.

Names are the community's own data (Ukrainian, with English names for the
second language), so they live here rather than in the translation
catalogue. Targets are working days the council promises; staff change them
in the back office. Each group names the departments it is routed to by
patterns matched against the community's department names, first match wins.
"""

from __future__ import annotations

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
