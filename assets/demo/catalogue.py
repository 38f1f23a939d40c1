"""What the demo projects build: per category, the kinds of asset, their units and prices.

Prices are plausible orders of magnitude for southern Xinjiang (yuan per unit), not data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Variant:
    subcategory: str
    label: str  # asset name after the place: "{place}{label}"
    unit: str
    quantity: tuple[float, float]  # min, max
    unit_price: tuple[int, int]  # yuan per unit, min, max
    decimals: int = 0  # of the quantity (2 for 公里)

    def draw(self, rng: random.Random) -> tuple[Decimal, Decimal]:
        """A quantity and the value it cost (quantity x unit price, in cents)."""
        low, high = self.quantity
        if self.decimals:
            quantity = Decimal(str(round(rng.uniform(low, high), self.decimals)))
        else:
            quantity = Decimal(rng.randint(int(low), int(high)))
        price = Decimal(rng.randint(*self.unit_price))
        return quantity, (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)


V = Variant
CATALOGUE: dict[str, tuple[Variant, ...]] = {
    # operating 经营性
    "breeding_center": (V("养殖小区", "标准化养殖小区", "座", (1, 1), (1_200_000, 5_800_000)),
                        V("良繁中心", "肉牛良繁中心", "座", (1, 1), (1_500_000, 6_500_000))),
    "cold_store": (V("保鲜库", "300吨保鲜库", "座", (1, 1), (380_000, 900_000)),
                   V("保鲜库", "1000吨气调保鲜库", "座", (1, 1), (1_500_000, 3_200_000))),
    "workshop": (V("帮扶车间", "帮扶车间", "座", (1, 1), (800_000, 3_500_000)),
                 V("卫星工厂", "卫星工厂", "座", (1, 1), (500_000, 1_800_000))),
    "cooperative": (V("入股合作社", "入股农民专业合作社资金", "项", (1, 1), (200_000, 2_000_000)),),
    "solar_power": (V("村级光伏电站", "村级光伏电站", "千瓦", (100, 1500), (4_200, 6_500)),),
    "market": (V("便民市场", "便民农贸市场", "座", (1, 1), (500_000, 2_400_000)),),
    "rural_tourism": (V("农家乐", "乡村旅游农家乐", "处", (1, 1), (300_000, 1_500_000)),
                      V("民宿", "胡杨林民宿", "处", (1, 2), (400_000, 1_200_000))),
    "facility_agriculture": (V("温室大棚", "日光温室大棚", "座", (10, 120), (35_000, 80_000)),
                             V("拱棚", "钢架拱棚", "座", (20, 200), (8_000, 15_000))),
    "other_operating": (V("农机", "农机具", "台", (2, 10), (40_000, 200_000)),
                        V("饲料加工", "饲料加工厂", "座", (1, 1), (600_000, 2_000_000))),
    # public-benefit 公益性
    "drinking_water": (V("安全饮水", "安全饮水工程", "处", (1, 2), (150_000, 1_200_000)),
                       V("供水管网", "供水管网改造", "公里", (2, 15), (80_000, 200_000), 2)),
    "power_upgrade": (V("农网改造", "农网改造线路", "公里", (2, 20), (100_000, 250_000), 2),
                      V("变压器", "台区变压器", "台", (1, 4), (60_000, 150_000))),
    "rural_road": (V("村道", "村道硬化", "公里", (0.5, 8), (350_000, 900_000), 2),
                   V("巷道", "巷道硬化", "公里", (0.3, 3), (250_000, 500_000), 2),
                   V("乡道", "乡道改建", "公里", (2, 12), (600_000, 1_200_000), 2)),
    "grassroots_government": (V("党群服务中心", "村党群服务中心", "座", (1, 1), (600_000, 2_000_000)),),
    "farm_water_infrastructure": (V("防渗渠", "防渗渠", "公里", (1, 12), (150_000, 400_000), 2),
                                  V("高效节水", "高效节水灌溉工程", "处", (1, 1), (500_000, 3_000_000)),
                                  V("机电井", "机电井", "眼", (1, 4), (150_000, 300_000))),
    "education_infrastructure": (V("幼儿园", "幼儿园教学楼", "座", (1, 1), (1_500_000, 6_000_000)),
                                 V("学校食堂", "学校食堂", "座", (1, 1), (600_000, 2_000_000))),
    "medical_infrastructure": (V("村卫生室", "村卫生室", "座", (1, 1), (300_000, 800_000)),),
    "public_welfare_facility": (V("幸福大院", "幸福大院", "座", (1, 1), (500_000, 2_000_000)),
                                V("文化广场", "文化广场", "处", (1, 1), (200_000, 800_000))),
    "other_public_benefit": (V("人居环境", "人居环境整治工程", "处", (1, 1), (200_000, 1_000_000)),
                             V("公共厕所", "公共厕所", "座", (1, 4), (80_000, 200_000))),
    # household 到户类
    "livestock": (V("牛", "基础母牛", "头", (1, 3), (9_000, 13_000)),
                  V("羊", "多胎羊", "只", (3, 10), (900, 1_400))),
    "animal_pen": (V("棚圈", "标准化棚圈", "座", (1, 1), (15_000, 30_000)),),
    "courtyard_economy": (V("庭院拱棚", "庭院拱棚", "座", (1, 2), (6_000, 12_000)),
                          V("庭院果园", "庭院林果", "亩", (0.5, 2), (3_000, 6_000), 1)),
    "other_household": (V("小型农机", "小型农机", "台", (1, 1), (5_000, 20_000)),
                        V("电动三轮车", "电动三轮车", "辆", (1, 1), (4_000, 8_000))),
}

# Which categories each kind of project builds, with weights.
VILLAGE_OPERATING = {"workshop": 4, "cold_store": 3, "facility_agriculture": 4, "breeding_center": 2,
                     "solar_power": 2, "cooperative": 3, "market": 1, "rural_tourism": 1, "other_operating": 2}
TOWNSHIP_OPERATING = {"workshop": 3, "cold_store": 2, "breeding_center": 3, "market": 2, "solar_power": 1,
                      "facility_agriculture": 1}
VILLAGE_PUBLIC = {"grassroots_government": 2, "medical_infrastructure": 2, "public_welfare_facility": 3,
                  "other_public_benefit": 3, "rural_road": 3, "education_infrastructure": 1}
# department code -> the categories its cross-village projects build
DEPARTMENT_WORKS = {
    "dept_water": {"drinking_water": 3, "farm_water_infrastructure": 3},
    "dept_transport": {"rural_road": 1},
    "dept_industrial_park": {"power_upgrade": 1},
    "dept_education": {"education_infrastructure": 1},
    "dept_housing": {"other_public_benefit": 1},
    "dept_civil_affairs": {"public_welfare_facility": 1},
    "dept_organisation": {"grassroots_government": 1, "medical_infrastructure": 1},
}
DEPARTMENT_WEIGHTS = {"dept_water": 5, "dept_transport": 5, "dept_industrial_park": 2, "dept_education": 1,
                      "dept_housing": 2, "dept_civil_affairs": 1, "dept_organisation": 1}
HOUSEHOLD_ITEMS = {"livestock": 7, "animal_pen": 2, "courtyard_economy": 2, "other_household": 1}

# Funding sources in use before and after the 2021 switch from 脱贫攻坚 to 衔接推进乡村振兴.
SOURCES_UNTIL_2020 = {"special_poverty_fund": 6, "integrated_agri_fund": 4, "xinjiang_aid": 3,
                      "local_government_bond": 2, "social_donation": 1, "other": 1}
SOURCES_FROM_2021 = {"revitalization_subsidy": 6, "integrated_agri_fund": 3, "xinjiang_aid": 3,
                     "local_government_bond": 2, "regional_cooperation": 1, "social_donation": 1}

# Project years: most money went in during 脱贫攻坚 (2016-2020), then 衔接 (2021-2025).
YEAR_WEIGHTS = {2013: 1, 2014: 1, 2015: 2, 2016: 4, 2017: 5, 2018: 6, 2019: 6, 2020: 5, 2021: 4, 2022: 4,
                2023: 4, 2024: 3, 2025: 2}


def weighted(rng: random.Random, weights: dict[str, int] | dict[int, int]):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def split_funding(rng: random.Random, total: Decimal, year: int) -> list[tuple[str, Decimal]]:
    """1-3 funding sources whose amounts (whole yuan except the last) add up to ``total``."""
    table = SOURCES_UNTIL_2020 if year <= 2020 else SOURCES_FROM_2021
    count = rng.choices((1, 2, 3), weights=(5, 4, 1))[0]
    sources: list[str] = []
    while len(sources) < count:
        source = weighted(rng, table)
        if source not in sources:
            sources.append(source)
    lines: list[tuple[str, Decimal]] = []
    left = total
    for source in sources[:-1]:
        amount = (left * Decimal(rng.randint(25, 70)) / 100).quantize(Decimal(1))
        lines.append((source, amount))
        left -= amount
    lines.append((sources[-1], left))
    return lines
