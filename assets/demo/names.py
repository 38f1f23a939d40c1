"""Place, person and company names for the demo county (made up: demo names only).

Village names are built the way many Uyghur place names are: a qualifier (托万克 "lower",
尤喀克 "upper", 英 "new", 喀拉 "black" ...) and a landform or water word (吾斯塘 "canal",
艾日克 "ditch", 布拉克 "spring", 库勒 "lake" ...), written in the usual Chinese transliteration.
Part of each township's villages carry numbers (3村, 12村), as many villages here do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from assets.choices import TownshipKind


@dataclass(frozen=True)
class TownshipSpec:
    code: str  # 9-digit statistical code: county (6) + township (3)
    name: str
    kind: str
    villages: int
    government: str  # the township government organisation's name


# 8 乡, 2 镇 and 2 农林场 are what the county publicly lists; these names are demo names.
TOWNSHIPS: tuple[TownshipSpec, ...] = (
    TownshipSpec("653127100", "麦盖提镇", TownshipKind.ZHEN, 16, "麦盖提镇人民政府"),
    TownshipSpec("653127200", "巴扎结米乡", TownshipKind.XIANG, 15, "巴扎结米乡人民政府"),
    TownshipSpec("653127201", "希依提墩乡", TownshipKind.XIANG, 17, "希依提墩乡人民政府"),
    TownshipSpec("653127202", "央塔克乡", TownshipKind.XIANG, 16, "央塔克乡人民政府"),
    TownshipSpec("653127203", "库尔玛乡", TownshipKind.XIANG, 14, "库尔玛乡人民政府"),
    TownshipSpec("653127204", "克孜勒阿瓦提乡", TownshipKind.XIANG, 18, "克孜勒阿瓦提乡人民政府"),
    TownshipSpec("653127205", "吐曼塔勒乡", TownshipKind.XIANG, 15, "吐曼塔勒乡人民政府"),
    TownshipSpec("653127206", "昂格特勒克乡", TownshipKind.XIANG, 16, "昂格特勒克乡人民政府"),
    TownshipSpec("653127207", "尕孜库勒乡", TownshipKind.XIANG, 17, "尕孜库勒乡人民政府"),
    TownshipSpec("653127208", "库木库萨尔乡", TownshipKind.XIANG, 15, "库木库萨尔乡人民政府"),
    TownshipSpec("653127400", "麦盖提县林场", TownshipKind.FARM, 3, "麦盖提县林场场部"),
    TownshipSpec("653127401", "麦盖提县良种场", TownshipKind.FARM, 3, "麦盖提县良种场场部"),
)

# Villages of the two farms (their 生产队 are recorded as villages of the farm).
FARM_VILLAGES = {
    "653127400": ("林果村", "苗圃村", "新林村"),
    "653127401": ("良种一村", "良种二村", "良种三村"),
}

_FIXED_VILLAGES = ("托万克吾斯塘村", "阿热买里村", "喀拉克其克村", "恰其村", "兰干村", "阿克塔木村")
_QUALIFIERS = ("托万克", "尤喀克", "奥塔", "阿亚克", "英", "科纳", "喀拉", "阿克", "克孜勒", "萨热克", "库木",
               "塔什", "博斯坦", "阔什", "吐格曼", "亚喀")
_PLACES = ("吾斯塘", "艾日克", "巴格", "布拉克", "库勒", "墩", "买里", "阿瓦提", "托格拉克", "其兰", "苏盖提",
           "亚尔")
# A village is named (not numbered) with this probability.
_NAMED_SHARE = 0.6


def village_names(seed: int) -> dict[str, list[str]]:
    """Village names per township code, the same for the same seed; unique county-wide."""
    rng = random.Random(f"{seed}-villages")
    pool = [f"{q}{p}村" for q in _QUALIFIERS for p in _PLACES if not q.endswith(p[0])]
    rng.shuffle(pool)
    pool = list(_FIXED_VILLAGES) + [name for name in pool if name not in _FIXED_VILLAGES]
    names: dict[str, list[str]] = {}
    for township in TOWNSHIPS:
        if township.code in FARM_VILLAGES:
            names[township.code] = list(FARM_VILLAGES[township.code])
            continue
        named = round(township.villages * _NAMED_SHARE)
        own = [pool.pop(0) for _ in range(named)]
        own += [f"{n}村" for n in range(named + 1, township.villages + 1)]
        names[township.code] = own
    return names


MALE_NAMES = (
    "艾力", "买买提", "阿卜杜拉", "吐尔逊", "艾合买提", "阿不都热合曼", "依明", "麦麦提明", "托合提", "热合曼",
    "努尔买买提", "阿布都外力", "艾散", "吾买尔", "亚森", "卡德尔", "司马义", "肉孜", "阿不力孜", "伊力哈木",
    "帕尔哈提", "艾尔肯", "买合木提", "玉素甫", "阿迪力", "库尔班", "居来提", "木沙", "热西提", "吾斯曼",
    "阿里木", "塔依尔", "苏来曼", "乃麦提", "斯迪克", "图尔洪", "阿布来提", "买吐送", "艾则孜", "克然木",
)
FEMALE_NAMES = (
    "古丽努尔", "阿依古丽", "帕提古丽", "阿依努尔", "热依拉", "米娜瓦尔", "布阿依夏木", "努尔古丽", "祖丽胡玛尔",
    "阿米娜", "海丽且木", "热娜古丽", "古再丽努尔", "再努尔", "阿尔孜古丽", "玛依努尔", "佐合拉", "图尔荪古丽",
    "巴哈古丽", "阿瓦古丽",
)


def person_name(rng: random.Random, *, female_share: float = 0.2) -> str:
    """A given name and the father's name, as Uyghur names are written in Chinese."""
    given = rng.choice(FEMALE_NAMES if rng.random() < female_share else MALE_NAMES)
    return f"{given}·{rng.choice(MALE_NAMES)}"


_FIRM_WORDS = ("刀郎", "丰源", "惠农", "金沙", "绿洲", "叶河", "瑞丰", "天润", "兴农", "鑫源", "胡杨", "沙海",
               "众鑫", "富民", "金穗", "阳光", "昆仑", "塔河", "红枣", "福源")
_FIRM_KINDS = ("农民专业合作社", "养殖专业合作社", "种植专业合作社", "农业科技有限公司", "商贸有限公司",
               "服装有限公司", "食品有限公司", "电子科技有限公司")


def firm_name(rng: random.Random) -> str:
    prefix = rng.choice(("麦盖提县", "麦盖提县", "喀什", "新疆"))
    return f"{prefix}{rng.choice(_FIRM_WORDS)}{rng.choice(_FIRM_KINDS)}"


def phone_number(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
