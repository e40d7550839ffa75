"""The city's fixed parts for `flask bench-data`: people, communities, teams, stores and goods.

Everything is drawn from one random.Random, so a seed gives the same city. Names mix
Faker's zh_CN surname frequencies and given-name characters (drawn directly: Faker's own
calls cost more than the whole insert); words come from ../shared/data/demo-vocabulary.md.
"""

import random
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin

from accounts.cards import ALPHABET, BODY_LENGTH, PREFIX, _check_char

STREETS = ["胜利镇", "新民街道", "文峰街道", "汶河街道", "南坑街道", "郝庄镇"]
COMMUNITIES = ["民生社区", "朝阳社区", "金花园社区", "怡园社区", "平祥社区", "长城花园社区", "罗山社区",
               "阳光骄子社区", "鼎园社区", "天顺花园社区", "荷花池社区", "群裕社区", "和平里社区", "经园路一社区"]
GRIDS = ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格", "第七网格", "第八网格"]
TEAM_BRANDS = ["兰花芬芳志愿服务队", "守护母亲河志愿服务队", "童心路志愿服务队", "乐龄先锋", "颐养家园", "五心服务队",
               "朝夕行动", "十色光", "益家人", "党员先锋队", "巾帼宣讲队", "文艺演出队", "应急救援队"]
# category → (title, difficulty code, place)
ACTIVITIES = {
    "敬老爱老": [("慰问养老院老人", "normal", "幸福里养老院"), ("独居老人上门探访", "hard", "各网格独居老人家中"),
             ("社区食堂助餐", "normal", "社区老年食堂")],
    "环境卫生": [("环境卫生整治", "normal", "小区公共区域"), ("河道清理", "very_hard", "母亲河沿岸"),
             ("垃圾分类宣传", "normal", "社区广场")],
    "文明创建": [("文明城市创建", "normal", "主干道沿线"), ("交通文明劝导", "hard", "十字路口")],
    "扶贫助困": [("困境儿童帮扶", "hard", "社区服务中心"), ("爱心义卖", "normal", "社区广场")],
    "儿童关爱": [("四点半课堂", "normal", "社区图书室"), ("暑期托管", "hard", "社区活动室"),
             ("作业辅导", "normal", "社区图书室"), ("科普活动", "normal", "社区活动室")],
    "安全与宣讲": [("食品安全监督检查", "normal", "农贸市场"), ("安全隐患排查（敲门行动）", "hard", "老旧小区"),
              ("政策宣讲", "normal", "党群服务中心"), ("法律咨询", "normal", "党群服务中心")],
    "文体": [("文艺演出", "normal", "社区文化广场"), ("全民健身运动会", "special", "街道体育场")],
}
# name, category, price, monthly limit per resident
GOODS = [
    ("大米 5kg", "粮油", 35, 1), ("大米 10kg", "粮油", 65, 1), ("食用油 1.8L", "粮油", 30, 1),
    ("花生油 5L", "粮油", 80, 1), ("面粉 5kg", "粮油", 28, 1), ("挂面", "粮油", 8, None),
    ("小米 1kg", "粮油", 12, None), ("鸡蛋 (一盒)", "粮油", 15, 2), ("酱油", "调味品", 10, None),
    ("香醋", "调味品", 8, None), ("食盐", "调味品", 3, None), ("白糖 500g", "调味品", 6, None),
    ("料酒", "调味品", 7, None), ("洗衣液", "日用品", 20, None), ("洗衣粉", "日用品", 15, None),
    ("洗洁精", "日用品", 8, None), ("肥皂", "日用品", 5, None), ("香皂", "日用品", 6, None),
    ("牙膏", "日用品", 10, None), ("牙刷 (两支)", "日用品", 6, None), ("毛巾", "日用品", 12, None),
    ("抽纸", "日用品", 10, None), ("卷纸 (十卷)", "日用品", 18, None), ("洗发水", "日用品", 25, None),
    ("沐浴露", "日用品", 25, None), ("垃圾袋", "日用品", 5, None), ("拖把", "日用品", 30, None),
    ("保温杯", "生活用品", 40, 1), ("雨伞", "生活用品", 30, 1), ("老花镜", "生活用品", 25, 1),
    ("手电筒", "生活用品", 20, 1), ("电蚊拍", "生活用品", 35, 1), ("冬季棉被", "生活用品", 120, 1),
    ("学习用品一套", "文具", 20, 1), ("作业本 (十本)", "文具", 8, None), ("书包", "文具", 45, 1),
    ("理发服务券", "服务券", 20, 2), ("社区食堂餐券 (6元/餐)", "服务券", 6, 20), ("上门助浴券", "服务券", 40, 1),
    ("家电清洗券", "服务券", 50, 1), ("陪同就医券", "服务券", 30, 1), ("牛奶 (一箱)", "食品", 45, 1),
    ("挂历", "生活用品", 10, 1), ("口罩 (一盒)", "日用品", 12, None),
]
DONORS = ["惠民超市（爱心商家）", "康宁药房（爱心商家）", "安居物业（爱心企业）", "区慈善会", "供电公司", "中国银行某支行"]


@dataclass
class City:
    """Ids and shapes the timeline needs, small enough to hold for 330,000 residents."""

    admin_ids: list[int] = field(default_factory=list)
    auditor_id: int = 0
    first_resident: int = 0  # residents are user ids first_resident .. first_resident + n - 1
    first_resident_account: int = 0
    resident_community: list[int] = field(default_factory=list)  # by resident index
    usernames: dict[int, str] = field(default_factory=dict)  # only the known sign-ins
    communities: list[int] = field(default_factory=list)
    teams: list[tuple] = field(default_factory=list)  # (team id, lead ids, member ids, categories)
    stores: list[tuple] = field(default_factory=list)  # (store id, account id, keeper id, item ids)
    store_of_community: dict[int, int] = field(default_factory=dict)  # community → index in stores
    items: dict[int, tuple] = field(default_factory=dict)  # item id → (name, price, limit, store account)
    stock: dict[int, int] = field(default_factory=dict)  # item id → opening stock


class Names:
    """Chinese names with Faker's surname frequencies, their pinyin usernames and initials."""

    def __init__(self, rng: random.Random):
        from faker.providers.person.zh_CN import Provider

        self.rng = rng
        self.surnames = list(Provider.last_names)
        self.weights = list(Provider.last_names.values())
        self.given = list(Provider.first_names)
        self.taken: set[str] = set()
        self.cards: set[str] = set()
        self.pinyin: dict[str, tuple[str, str]] = {}
        self.suffix: dict[str, int] = {}

    def name(self) -> str:
        surname = self.rng.choices(self.surnames, self.weights)[0]
        return surname + self.rng.choice(self.given)

    def username(self, name: str) -> tuple[str, str]:
        """(unique pinyin username, initials for the counter's search)."""
        if name not in self.pinyin:  # ~50,000 distinct names: pinyin once each
            base = "".join(ch for ch in "".join(lazy_pinyin(name)).lower() if ch.isascii() and ch.isalnum())
            initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()[:40]
            self.pinyin[name] = (base[:30] or "user", initials)
        base, initials = self.pinyin[name]
        candidate, n = base, self.suffix.get(base, 2)
        while candidate in self.taken:
            candidate, n = f"{base}{n}", n + 1
        self.suffix[base] = n
        self.taken.add(candidate)
        return candidate, initials

    def card(self) -> str:
        while True:
            body = "".join(self.rng.choice(ALPHABET) for _ in range(BODY_LENGTH))
            code = PREFIX + body + _check_char(body)
            if code not in self.cards:
                self.cards.add(code)
                return code

    def phone(self) -> str:
        return "1" + self.rng.choice("3578") + "".join(self.rng.choice("0123456789") for _ in range(9))


def community_names(count: int) -> list[str]:
    """The vocabulary's communities, then the same names under each street."""
    names = COMMUNITIES[:count]
    for street in STREETS:
        for community in COMMUNITIES:
            if len(names) >= count:
                return names
            names.append(street + community)
    return names
