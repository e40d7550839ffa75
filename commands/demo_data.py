"""`flask demo-data`: fill an EMPTY database with a realistic demo street.

Everything goes through the service functions of docs/INTERFACES.md, exactly as the web
pages would call them, so every change is audited and the ledger is exact; `flask verify`
passes afterwards. Names and numbers come from a seeded Faker("zh_CN") and random.Random,
so the same seed gives the same street.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

DEMO_PASSWORD = "jifen-demo-2024"
DEFAULT_SEED = 2024

COMMUNITIES = {  # community → number of grids
    "民生社区": 4,
    "朝阳社区": 3,
    "金花园社区": 3,
}
GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格", "第七网格", "第八网格"]
RESIDENTS = 60

# team, its community, members (leads come on top)
TEAMS = [
    ("兰花芬芳志愿服务队", "民生社区", 12),
    ("守护母亲河志愿服务队", "朝阳社区", 10),
    ("乐龄先锋", "金花园社区", 9),
    ("党员先锋队", "民生社区", 10),
]

# category → typical activities with their difficulty code and place
ACTIVITIES = {
    "敬老爱老": [("慰问养老院老人", "normal", "幸福里养老院"), ("独居老人上门探访", "hard", "各网格独居老人家中"),
             ("社区食堂助餐", "normal", "社区老年食堂")],
    "环境卫生": [("环境卫生整治", "normal", "小区公共区域"), ("河道清理", "very_hard", "母亲河沿岸"),
             ("垃圾分类宣传", "normal", "社区广场")],
    "文明创建": [("文明城市创建", "normal", "主干道沿线"), ("交通文明劝导", "hard", "十字路口")],
    "扶贫助困": [("困境儿童帮扶", "hard", "社区服务中心"), ("爱心义卖", "normal", "社区广场")],
    "儿童关爱": [("四点半课堂", "normal", "社区图书室"), ("作业辅导", "normal", "社区图书室"), ("科普活动", "normal", "社区活动室")],
    "安全与宣讲": [("安全隐患排查（敲门行动）", "hard", "老旧小区"), ("政策宣讲", "normal", "党群服务中心"),
              ("食品安全监督检查", "normal", "农贸市场")],
    "文体": [("文艺演出", "normal", "社区文化广场"), ("全民健身运动会", "special", "街道体育场")],
}
TEAM_CATEGORIES = {
    "兰花芬芳志愿服务队": ["敬老爱老", "儿童关爱", "扶贫助困"],
    "守护母亲河志愿服务队": ["环境卫生", "文明创建"],
    "乐龄先锋": ["文体", "敬老爱老", "安全与宣讲"],
    "党员先锋队": ["安全与宣讲", "文明创建", "扶贫助困"],
}
ACTIVITIES_PER_TEAM = 6
REJECT_REASONS = ["签到表上没有这位志愿者，请核对后重新登记", "时长与签到记录不符（签到 1 小时）", "同一时段已在其他活动登记"]

STORE_NAME = "民生社区积分超市"
# name, category, price (points), opening stock, monthly limit per resident
GOODS = [
    ("大米 5kg", "粮油", 35, 40, 1),
    ("食用油 1.8L", "粮油", 30, 30, 1),
    ("挂面", "粮油", 8, 80, None),
    ("鸡蛋 (一盒)", "粮油", 15, 50, 2),
    ("酱油", "调味品", 10, 60, None),
    ("洗衣液", "日用品", 20, 40, None),
    ("洗洁精", "日用品", 8, 60, None),
    ("肥皂", "日用品", 5, 100, None),
    ("牙膏", "日用品", 10, 60, None),
    ("毛巾", "日用品", 12, 50, None),
    ("抽纸", "日用品", 10, 80, None),
    ("保温杯", "生活用品", 40, 15, 1),
    ("雨伞", "生活用品", 30, 20, 1),
    ("理发服务券", "服务券", 20, 30, 2),
    ("社区食堂餐券 (6元/餐)", "服务券", 6, 200, 20),
]
DONOR = "惠民超市（爱心商家）"


class DemoRefused(Exception):
    """A service refused a demo step; carries which step."""


@dataclass
class Street:
    """What was made, for the summary printed at the end."""

    admin: object = None
    auditor: object = None
    keeper: object = None
    leads: list = field(default_factory=list)
    residents: list = field(default_factory=list)
    communities: dict = field(default_factory=dict)
    grids: dict = field(default_factory=dict)
    teams: list = field(default_factory=list)
    activities: int = 0
    hours: dict = field(default_factory=dict)
    store: object = None
    items: dict = field(default_factory=dict)
    redemptions: int = 0
    password_hash: str = ""


def _step(what: str, call, *args, **kwargs):
    """Run one service call; a refusal stops the demo with what was being done."""
    from core.errors import DomainError
    from extensions import db

    try:
        result = call(*args, **kwargs)
    except DomainError as error:
        fields = getattr(error, "fields", None) or {}
        detail = "; ".join(f"{k}: {v}" for k, v in fields.items()) or str(getattr(error, "message", error))
        raise DemoRefused(f"{what}: {getattr(error, 'code', type(error).__name__)} ({detail})") from error
    getattr(result, "id", None)  # load the committed row's columns once...
    db.session.expunge_all()  # ...then drop the identity map, so later commits expire nothing
    return result


def _user(person):
    """The acting User, fresh from the database (services read its roles)."""
    from accounts.models import User
    from extensions import db

    return db.session.get(User, person.id)


def _usernames():
    """Pinyin usernames like wangxiuying, numbered on a clash."""
    from pypinyin import lazy_pinyin

    taken: set[str] = set()

    def make(name: str) -> str:
        base = "".join(lazy_pinyin(name)).lower()
        base = "".join(ch for ch in base if ch.isascii() and (ch.isalnum() or ch in "._-"))[:36] or "user"
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}{n}", n + 1
        taken.add(candidate)
        return candidate

    return make


def _person(faker, make_username, *, roles=("resident",), community_id=None, grid_id=None,
            username=None, password=DEMO_PASSWORD, password_hash=None):
    from accounts.services import NewUser, create_user

    name = faker.name()
    request = NewUser(
        username=username or make_username(name), name=name, password=password, roles=tuple(roles),
        community_id=community_id, grid_id=grid_id, phone=faker.phone_number(),
        password_hash=password_hash,
    )
    return _step(f"creating user {request.username}", create_user, request, actor=None)


def _people(street: Street, faker, rng: random.Random, password: str) -> None:
    from accounts.services import create_community, create_grid

    make_username = _usernames()

    def person(**kwargs):
        return _person(faker, make_username, password=password, password_hash=street.password_hash, **kwargs)

    street.admin = person(roles=("admin", "resident"), username="admin")
    for community_name, grids in COMMUNITIES.items():
        community = _step(f"creating {community_name}", create_community, community_name, _user(street.admin))
        street.communities[community_name] = community.id
        street.grids[community.id] = [
            _step(f"creating {community_name} {g}", create_grid, community.id, g, _user(street.admin)).id
            for g in GRID_NAMES[:grids]
        ]
    minsheng = street.communities["民生社区"]
    street.auditor = person(roles=("auditor",), username="auditor")
    street.keeper = person(roles=("store_keeper", "resident"), username="keeper",
                           community_id=minsheng, grid_id=street.grids[minsheng][0])
    community_ids = list(street.communities.values())
    for n in range(RESIDENTS):
        community_id = community_ids[n % len(community_ids)]
        street.residents.append(person(
            community_id=community_id, grid_id=rng.choice(street.grids[community_id]),
            username="lead" if n == 0 else None,
        ))


def _teams(street: Street, rng: random.Random) -> None:
    """Four teams, each with one lead and members from its community (a few from elsewhere)."""
    from points.teams import add_member, create_team

    pool = street.residents[:]
    by_community: dict[int, list] = {}
    for person in pool:
        by_community.setdefault(person.community_id, []).append(person)
    used_leads: set[int] = set()
    for index, (team_name, community_name, size) in enumerate(TEAMS):
        community_id = street.communities[community_name]
        locals_ = [p for p in by_community[community_id] if p.id not in used_leads]
        lead = street.residents[0] if index == 0 else rng.choice(locals_)
        used_leads.add(lead.id)
        team = _step(f"creating team {team_name}", create_team, team_name, community_id, [lead.id], _user(street.admin))
        candidates = [p for p in locals_ if p.id != lead.id]
        members = rng.sample(candidates, min(size - 2, len(candidates)))
        others = [p for p in pool if p.community_id != community_id and p.id not in used_leads]
        members += rng.sample(others, 2)
        for person in members:
            _step(f"adding a member to {team_name}", add_member, team.id, person.id, _user(street.admin))
        street.leads.append(lead)
        street.teams.append((team.id, team_name, lead, [p.id for p in members]))


def _activities_and_hours(street: Street, rng: random.Random) -> None:
    """~90 days of activities; hours mostly approved, the latest pending, a few rejected, one reversed."""
    from core.timeutil import shanghai_today
    from points.activities import create_activity
    from points.hours import approve_hours, log_hours, reject_hours, reverse_hours

    today = shanghai_today()
    approved, pending, rejected = [], [], []
    for index, (team_id, team_name, lead, member_ids) in enumerate(street.teams):
        # oldest first; the latest a few days ago. The first two teams' latest await approval.
        days = sorted(rng.sample(range(14, 90), ACTIVITIES_PER_TEAM - 1), reverse=True) + [rng.randint(1, 6)]
        for number, days_ago in enumerate(days):
            category = rng.choice(TEAM_CATEGORIES[team_name])
            title, level, place = rng.choice(ACTIVITIES[category])
            activity = _step(
                f"creating activity {title}", create_activity, team_id, title, today - timedelta(days=days_ago),
                level, _user(lead), category=category, place=place,
            )
            street.activities += 1
            awaiting = number == len(days) - 1 and index < 2
            for volunteer_id in rng.sample(member_ids, rng.randint(4, min(8, len(member_ids)))):
                minutes = rng.choice([60, 90, 120, 120, 150, 180, 240])
                record = _step(f"logging hours for {title}", log_hours, activity.id, volunteer_id, minutes, _user(lead))
                (pending if awaiting else approved).append(record.id)
    rng.shuffle(approved)
    for record_id in approved[:len(REJECT_REASONS)]:
        _step("rejecting hours", reject_hours, record_id, REJECT_REASONS[len(rejected)], _user(street.admin))
        rejected.append(record_id)
    approved = approved[len(REJECT_REASONS):]
    for record_id in approved:
        _step("approving hours", approve_hours, record_id, _user(street.admin))
    reversed_id = approved[0]
    _step("reversing hours", reverse_hours, reversed_id, "活动当天因暴雨取消，误登记，予以冲正", _user(street.admin))
    street.hours = {"approved": len(approved) - 1, "pending": len(pending), "rejected": len(rejected),
                    "reversed": 1}


def _awards(street: Street, rng: random.Random) -> None:
    """Two commendations and one manual adjustment, by the admin."""
    from points.awards import adjust_points, grant_commendation

    first, second = street.teams[0][3][0], street.teams[1][3][0]
    _step("granting a commendation", grant_commendation, first, "优秀志愿者",
          "2024年度社区优秀志愿者，常年照顾独居老人", _user(street.admin), key="demo:commendation:1")
    _step("granting a commendation", grant_commendation, second, "优秀志愿者",
          "河道清理活动中表现突出", _user(street.admin), key="demo:commendation:2")
    _step("adjusting points", adjust_points, street.teams[2][3][0], 30,
          "纸质登记册迁移：补录2023年12月敬老活动积分", _user(street.admin), key="demo:adjustment:1")


def _store(street: Street) -> None:
    """The 民生社区 store with its keeper, goods, a donation and a purchase."""
    from redemption.services import NewItem, StockChange, create_item, create_store, move_stock

    store = _step(f"opening {STORE_NAME}", create_store, STORE_NAME, street.communities["民生社区"],
                  [street.keeper.id], _user(street.admin))
    street.store = store
    for number, (name, category, price, stock, limit) in enumerate(GOODS, start=1):
        item = _step(f"adding {name}", create_item, NewItem(
            store_id=store.id, name=name, price=price, stock=stock, monthly_limit=limit, category=category,
        ), _user(street.admin), key=f"demo:item:{number}")
        street.items[name] = item.id
    _step("booking in a donation", move_stock, StockChange(
        item_id=street.items["毛巾"], delta=30, kind="donation", reason="爱心捐赠：毛巾 30 条", donor=DONOR,
        key="demo:donation:1"), _user(street.admin))
    _step("booking in a purchase", move_stock, StockChange(
        item_id=street.items["抽纸"], delta=40, kind="purchase", reason="街道采购补货", key="demo:purchase:1"),
        _user(street.admin))


def _redemptions(street: Street, rng: random.Random) -> None:
    """A handful of baskets at the counter for residents who can afford them; one voided."""
    from points.ledger import user_balance
    from redemption.services import Line, RedeemRequest, redeem, void_redemption

    prices = {name: price for name, _category, price, _stock, _limit in GOODS}
    baskets = [
        [("大米 5kg", 1), ("酱油", 1)],
        [("食用油 1.8L", 1), ("挂面", 2)],
        [("鸡蛋 (一盒)", 2), ("肥皂", 2)],
        [("洗衣液", 1), ("牙膏", 1)],
        [("社区食堂餐券 (6元/餐)", 5)],
        [("毛巾", 1), ("抽纸", 2)],
        [("理发服务券", 1), ("洗洁精", 1)],
    ]
    richest = sorted(
        (p for p in street.residents if p.id not in {lead.id for lead in street.leads}),
        key=lambda p: user_balance(p.id), reverse=True,
    )
    made = []
    for number, basket in enumerate(baskets, start=1):
        total = sum(prices[name] * qty for name, qty in basket)
        buyer = next((p for p in richest if user_balance(p.id) >= total + 10), None)
        if buyer is None:
            continue
        richest.remove(buyer)
        redemption = _step("redeeming at the counter", redeem, RedeemRequest(
            store_id=street.store.id, resident_id=buyer.id,
            lines=tuple(Line(street.items[name], qty) for name, qty in basket), key=f"demo:redeem:{number}",
        ), _user(street.keeper))
        made.append(redemption.id)
    if made:
        _step("voiding a redemption", void_redemption, made[-1], "居民想换成其他商品，作废重开", _user(street.keeper))
    street.redemptions = len(made)


def _print_sign_ins(street: Street, password: str) -> None:
    from extensions import db
    from points.ledger import user_balance
    from points.models import HourRecord

    lead = street.leads[0]
    with_points = [p for p in street.residents if p.id not in {x.id for x in street.leads}]
    with_points.sort(key=lambda p: user_balance(p.id), reverse=True)
    volunteer = with_points[0]
    newcomer = next((p for p in reversed(with_points) if not db.session.execute(
        sa.select(HourRecord.id).where(HourRecord.volunteer_id == p.id)).first()), with_points[-1])
    click.echo("")
    click.echo(f"Demo street ready: {len(street.communities)} communities, "
               f"{sum(len(g) for g in street.grids.values())} grids, {len(street.residents) + 3} people, "
               f"{len(street.teams)} teams, {street.activities} activities, hours "
               f"{street.hours['approved']} approved / {street.hours['pending']} pending / "
               f"{street.hours['rejected']} rejected / {street.hours['reversed']} reversed, "
               f"{len(street.items)} goods in {STORE_NAME}, {street.redemptions} redemptions.")
    click.echo("")
    click.echo(f"Demo sign-ins (every account's password: {password}):")
    rows = [
        ("admin", street.admin, "street office admin"),
        ("auditor", street.auditor, "reads everything, changes nothing"),
        ("team lead", lead, f"leads {street.teams[0][1]}"),
        ("store keeper", street.keeper, f"runs {STORE_NAME}"),
        ("resident", volunteer, f"volunteer, balance {user_balance(volunteer.id)} points"),
        ("resident", newcomer, f"newcomer, balance {user_balance(newcomer.id)} points"),
    ]
    for role, person, note in rows:
        click.echo(f"  {role:<13} {person.username:<16} {person.name:<6}  {note}")
    click.echo(f"  card code of {volunteer.name} ({volunteer.username}), to try at the counter: {volunteer.card_code}")


def _remind_sign_ins(password: str) -> None:
    """On a database demo-data filled earlier, repeat the role sign-ins (if the demo password still works)."""
    from accounts.models import User
    from accounts.passwords import check_password
    from extensions import db

    found = {u.username: u for u in db.session.execute(
        sa.select(User).where(User.username.in_(["admin", "auditor", "lead", "keeper"]))).scalars()}
    admin = found.get("admin")
    if admin is None or not check_password(admin.password_hash, password):
        return
    names = ", ".join(name for name in ("admin", "auditor", "lead", "keeper") if name in found)
    click.echo(f"Demo sign-ins: {names} (password: {password}).")


@click.command("demo-data")
@with_appcontext
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int,
              help="Random seed: the same seed gives the same street.")
@click.option("--password", default=DEMO_PASSWORD, show_default=True,
              help="The password every demo account gets (at least 8 characters).")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (exit 0) when the database already has users, instead of refusing.")
def demo_data_command(seed: int, password: str, if_empty: bool):
    """Fill an EMPTY database with a demo street and print the demo sign-ins."""
    from faker import Faker
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from accounts.models import User
    from accounts.passwords import hash_password
    from extensions import db

    try:
        users = db.session.execute(sa.select(sa.func.count(User.id))).scalar_one()
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        click.echo("demo-data: the database has no schema yet; run `flask --app app init-db` first.", err=True)
        raise SystemExit(1) from None
    if users and if_empty:
        click.echo(f"The database already has {users} user(s); demo data not loaded.")
        _remind_sign_ins(password)
        return
    if users:
        click.echo(f"demo-data: the database already has {users} user(s); demo data only goes into an empty "
                   "database, so nothing was changed. Point DATABASE_URL at a new database to try the demo.",
                   err=True)
        raise SystemExit(1)
    if len(password) < 8:
        click.echo("demo-data: --password must be at least 8 characters.", err=True)
        raise SystemExit(1)

    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    rng = random.Random(seed)
    street = Street()
    click.echo("Creating the demo street (this takes a few seconds)…")
    try:
        street.password_hash = hash_password(password)  # argon2 once, not 60 times
        _people(street, faker, rng, password)
        _teams(street, rng)
        _activities_and_hours(street, rng)
        _awards(street, rng)
        _store(street)
        _redemptions(street, rng)
        __import__("commands.demo_households").demo_households.seed(street, rng)  # households, gifts, a proxy
        __import__("commands.demo_volunteering", fromlist=["seed"]).seed(street, rng)
        from commands.demo_notices import seed as seed_notices  # the 公示 nominations (notices branch)
        seed_notices(street, rng)
        __import__("commands.demo_community").demo_community.seed(street, rng)  # the community's part
        __import__("commands.demo_people", fromlist=["seed"]).seed(street, rng)
        __import__("commands.demo_expiry", fromlist=["seed"]).seed(street, rng)
        __import__("commands.demo_policy", fromlist=["seed"]).seed(street, rng)
    except DemoRefused as error:
        db.session.rollback()
        click.echo(f"demo-data stopped while {error}. The database now holds part of the demo; "
                   "start again with an empty database.", err=True)
        raise SystemExit(1) from None
    _print_sign_ins(street, password)
