"""Demo data for the community around the store: three co-building units with contacts, party members
with partial "四个一" progress, a needs list, wishes in every state and suggestions (demo-vocabulary.md)."""

import random

UNITS = ["市税务局", "区人民医院", "第三中学"]
WISHES = [  # title, details (private: only admins read them), how far it goes
    ("一副老花镜", "独居老人，眼睛不好，网格员上门核实", "closed"),
    ("冬季棉被", "低保户，家中被褥单薄，已电话核实", "closed"),
    ("轮椅维修", "轮子松动，刹车失灵", "fulfilled"),
    ("陪同就医（陪诊）", "每月一次去区人民医院复查", "claimed"),
    ("学习用品一套", "困境儿童，三年级", "claimed"),
    ("智能手机使用教学", "想学会视频通话和扫码", "published"),
    ("换一个楼道灯泡", "3号楼2单元楼道灯坏了", "published"),
    ("上门助浴", "行动不便，需两人协助", "published"),
    ("一次理发", "卧床老人，需上门理发", "submitted"),
]
NEEDS = [  # title, community, details, how far it goes
    ("楼道灯维修", "民生社区", "老旧小区3栋楼道灯损坏", "confirmed"),
    ("防诈骗宣讲", "朝阳社区", "面向老年人的防电信诈骗讲座", "completed"),
    ("4点半课堂志愿老师", "民生社区", "每周二、四下午辅导作业", "claimed"),
    ("老旧小区适老化改造", "金花园社区", "加装扶手、坡道", "open"),
    ("健身器材更新", "朝阳社区", "小广场健身器材老化", "open"),
    ("困难家庭结对帮扶", "民生社区", "结对帮扶5户困难家庭", "open"),
]
SUGGESTIONS = ["建议在小区门口增设快递柜，方便老人取件", "建议社区食堂增加低糖餐", "建议每月固定一天为积分兑换日并提前公示"]


def seed(street, rng: random.Random) -> None:
    """Add the community part of the demo street; every step through the services, audited."""
    from accounts import services as people
    from commands.demo_data import _step, _user  # a refusal stops the demo as any other step's does
    from community import needs, party, units, wishes

    admin = lambda: _user(street.admin)  # noqa: E731  (fresh each time: _step clears the session)
    team_members = [pid for _tid, _name, _lead, members in street.teams for pid in members]
    pool = [p for p in street.residents if p.id in team_members] or street.residents[:]
    rng.shuffle(pool)
    contacts = {name: pool[2 * i:2 * i + 2] for i, name in enumerate(UNITS)}
    unit_ids = {}
    for name in UNITS:
        unit = _step(f"registering the unit {name}", units.create_unit,
                     {"name": name, "contact_ids": [p.id for p in contacts[name]]}, admin())
        unit_ids[name] = unit.id

    # Party members reporting to the community (双报到): the contacts and a few more, each with an employer.
    members = pool[:9]
    for index, person in enumerate(members):
        user = _user(person)
        _step(f"marking {user.name} as a party member", people.update_user, people.EditUser(
            user_id=user.id, name=user.name, roles=tuple(user.roles), active=user.active,
            community_id=user.community_id, grid_id=user.grid_id, phone=user.phone, id_number=user.id_number,
            party_member=True, set_unit=True, unit_id=unit_ids[UNITS[index % len(UNITS)]]), admin())

    wishers = [p for p in street.residents if p.id not in {m.id for m in members}]
    for index, (title, details, goal) in enumerate(WISHES):
        wisher = wishers[index % len(wishers)]
        claimer = members[index % len(members)]
        # The admin posts the first wish for an elderly resident without a phone.
        body = {"title": title, "details": details} | ({"for_user_id": wisher.id} if index == 0 else {})
        wish = _step(f"posting the wish {title}", wishes.post_wish, body, admin() if index == 0 else _user(wisher))
        if goal == "submitted":
            continue
        _step(f"publishing {title}", wishes.publish_wish, wish.id, admin())
        if goal == "published":
            continue
        _step(f"claiming {title}", wishes.claim_wish, wish.id, _user(claimer))
        if goal == "claimed":
            continue
        _step(f"fulfilling {title}", wishes.fulfil_wish, wish.id, {"note": "已上门送达，老人很满意"}, _user(claimer))
        if goal == "fulfilled":
            continue
        confirm = {"commendation_type": "好人好事"} if index == 0 else {}
        _step(f"confirming {title}", wishes.confirm_wish, wish.id, confirm, admin(), key=f"wish:{wish.id}")

    for index, (title, community, details, goal) in enumerate(NEEDS):
        need = _step(f"adding the need {title}", needs.create_need,
                     {"title": title, "community_id": street.communities[community], "details": details}, admin())
        if goal == "open":
            continue
        unit = UNITS[index % len(UNITS)]
        contact = contacts[unit][0]
        _step(f"claiming {title}", needs.claim_need, need.id, {"unit_id": unit_ids[unit]}, _user(contact))
        if goal == "claimed":
            continue
        _step(f"completing {title}", needs.complete_need, need.id, {"note": "已按清单完成，居民验收"}, _user(contact))
        if goal == "completed":
            continue
        _step(f"confirming {title}", needs.confirm_need, need.id, admin())

    for person, text in zip(members[:3], SUGGESTIONS, strict=False):
        _step("making a suggestion", party.make_suggestion, {"text": text}, _user(person))
