"""The city's two years, day by day, in the order a street office lives them.

Each day: decisions on hours logged a few days before (09:00), reversals (10:00),
commendations and adjustments (12:00), redemptions at the counters with restocking and
the odd void (14:00), the day's activities and their hours (18:00). Points move through
the in-memory Ledger, so a resident never spends what they do not have, and stock never
goes below zero; an hour record is written once, in its final state.
"""

import random
from datetime import UTC, datetime, time, timedelta

from commands.bench_city import ACTIVITIES, City
from commands.bench_counter import run_counter
from commands.bench_writer import BulkWriter, Chain, Ledger
from core.timeutil import SHANGHAI
from points.ledger_models import ISSUER_ACCOUNT_ID
from points.rules import MINUTES_PER_DAY, compute_points

REJECT_REASONS = ["签到表上没有这位志愿者，请核对后重新登记", "时长与签到记录不符（签到 1 小时）", "同一时段已在其他活动登记"]
REVERSE_REASONS = ["活动当天因暴雨取消，误登记，予以冲正", "重复登记，予以冲正", "志愿者未实际到场，经核实冲正"]
TOP_UPS = ["纸质登记册迁移：补录敬老活动积分", "补录四点半课堂志愿老师积分", "认领微心愿：一副老花镜", "双报到在职党员办理实事"]
DEDUCTIONS = [("无故缺席 (报名后未到场)", -5), ("违反居民公约", -5), ("乱堆乱放", -2), ("乱搭乱建", -10),
              ("服务中索要报酬", -20)]
VOID_REASONS = ["居民想换成其他商品，作废重开", "录错商品，作废重开", "居民临时改变主意"]
MINUTES = [60, 90, 120, 120, 150, 180, 240, 300, 480]


def _snapshot(rec: dict) -> dict:
    """points.hours.record_snapshot's fields; the day and multiplier already as canonical_json writes them."""
    snapshot = {key: rec[key] for key in ("activity_id", "volunteer_id", "minutes", "points", "points_per_hour",
                                          "rule_version", "status", "reason")}
    snapshot["service_date"], snapshot["multiplier"] = rec["day_text"], rec["multiplier_text"]
    return snapshot


class Timeline:
    def __init__(self, w: BulkWriter, ledger: Ledger, chain: Chain, rng: random.Random, city: City, *, setup):
        self.w, self.ledger, self.chain, self.rng, self.city = w, ledger, chain, rng, city
        self.levels = setup["levels"]  # code → (id, multiplier)
        self.rule_id, self.points_per_hour = setup["rule"]
        self.commendation_types = setup["commendation_types"]  # (id, code, points, name)
        self.admin = city.admin_ids
        self.due: dict[int, list[dict]] = {}
        self.reversals: dict[int, list[dict]] = {}
        self.earners: list[int] = []
        self.earning: set[int] = set()
        self.stock = dict(city.stock)
        self.month_used: dict[tuple[int, int], int] = {}
        self.month = None
        self._day_minutes: dict[int, int] = {}
        self.made = dict.fromkeys(("activities", "hours", "approved", "pending", "rejected", "reversed",
                                   "commendations", "adjustments", "redemptions", "voided", "restocks"), 0)

    # ------------------------------------------------------------ helpers
    def account_of(self, user_id: int) -> int:
        return self.city.first_resident_account + (user_id - self.city.first_resident)

    def community_of(self, user_id: int) -> int:
        return self.city.resident_community[user_id - self.city.first_resident]

    def credit(self, user_id: int, amount: int, kind: str, key: str, body: dict, actor_id, memo: str,
               source_type: str, source_id: int, at) -> int:
        if user_id not in self.earning:
            self.earning.add(user_id)
            self.earners.append(user_id)
        return self.ledger.post(key=key, body=body, debit=ISSUER_ACCOUNT_ID, credit=self.account_of(user_id),
                                amount=amount, kind=kind, actor_id=actor_id, memo=memo, source_type=source_type,
                                source_id=source_id, at=at)

    # ------------------------------------------------------------ the days
    def run(self, *, days: int, last_day, activities: int, hours: int, redemptions: int) -> None:
        first_day = last_day - timedelta(days=days - 1)
        per_day = [0] * days
        for _ in range(activities):
            per_day[self.rng.randrange(days)] += 1
        extras = max(2, len(self.city.resident_community) // 100)
        left = {"activities": activities, "hours": hours, "redemptions": redemptions}
        for index in range(days):
            day = first_day + timedelta(days=index)
            start = datetime.combine(day, time(9, 0), SHANGHAI).astimezone(UTC)
            if day.month != self.month:
                self.month, self.month_used = day.month, {}
            self._decide(index, start)
            self._reverse(index, start + timedelta(hours=1))
            self._awards(index, day, extras, days, start + timedelta(hours=3))
            # redemptions follow the points: a share of what is left, once people have earned some
            wanted = round(left["redemptions"] / (days - index)) if self.earners else 0
            left["redemptions"] -= run_counter(self, wanted, start + timedelta(hours=5))
            for _ in range(per_day[index]):
                share = max(1, round(left["hours"] / max(1, left["activities"])))
                logged = self._activity(index, day, days, share, start + timedelta(hours=9))
                left["activities"] -= 1
                left["hours"] -= logged
            self._day_minutes = {}
        for bucket in (self.due, self.reversals):
            for records in bucket.values():
                for rec in records:
                    self.made["pending" if rec["status"] == "pending" else "approved"] += 1
                    self._write_record(rec)

    def _activity(self, index: int, day, days: int, share: int, at) -> int:
        rng, city = self.rng, self.city
        team_id, leads, members, categories = rng.choice(city.teams)
        category = rng.choice(categories)
        title, level, place = rng.choice(ACTIVITIES[category])
        level_id, multiplier = self.levels[level]
        logger = rng.choice(leads)
        activity_id = self.w.new_id("activities")
        self.w.add("activities", {"id": activity_id, "team_id": team_id, "title": title, "date": day, "place": place,
                                  "category": category, "difficulty_id": level_id, "created_by_id": logger,
                                  "created_at": at})
        self.chain.record("activity.created", actor_id=logger, subject_type="activities", subject_id=activity_id,
                          at=at, after={"team_id": team_id, "title": title, "date": day, "place": place,
                                        "category": category, "difficulty_id": level_id})
        self.made["activities"] += 1
        eligible = [m for m in members if m != logger] + [lead for lead in leads if lead != logger]
        count = min(len(eligible), rng.randint(max(1, share // 2), share + share // 2))
        logged = 0
        for volunteer in rng.sample(eligible, count):
            minutes = rng.choice(MINUTES)
            served = self._day_minutes.get(volunteer, 0)
            if served + minutes > MINUTES_PER_DAY:  # the 24-hour cap, per person and day
                continue
            self._day_minutes[volunteer] = served + minutes
            rec = {"id": self.w.new_id("hour_records"), "activity_id": activity_id, "volunteer_id": volunteer,
                   "minutes": minutes, "service_date": day, "points": compute_points(minutes, self.points_per_hour,
                                                                                      multiplier),
                   "points_per_hour": self.points_per_hour, "multiplier": multiplier, "rule_version": self.rule_id,
                   "status": "pending", "note": "", "logged_by_id": logger, "logged_at": at, "decided_by_id": None,
                   "decided_at": None, "reason": None, "transfer_id": None, "reversal_transfer_id": None,
                   "title": title, "day_text": day.isoformat(), "multiplier_text": str(multiplier)}
            self.chain.record("hours.logged", actor_id=logger, subject_type="hour_records", subject_id=rec["id"],
                              at=at, after=_snapshot(rec))
            decide_on = index + rng.randint(1, 4) if rng.random() > 0.005 else days  # a few wait for ever
            self.due.setdefault(decide_on, []).append(rec)
            logged += 1
            self.made["hours"] += 1
        return logged

    def _write_record(self, rec: dict) -> None:
        for helper in ("title", "day_text", "multiplier_text"):
            rec.pop(helper, None)
        self.w.add("hour_records", rec)

    def _decide(self, index: int, at) -> None:
        rng = self.rng
        for rec in self.due.pop(index, []):
            admin = rng.choice(self.admin)
            before = _snapshot(rec)
            rec.update(decided_by_id=admin, decided_at=at)
            if rng.random() < 0.04:
                rec.update(status="rejected", reason=rng.choice(REJECT_REASONS))
                self.chain.record("hours.rejected", actor_id=admin, subject_type="hour_records", subject_id=rec["id"],
                                  at=at, before=before, after=_snapshot(rec))
                self.made["rejected"] += 1
                self._write_record(rec)
                continue
            rec["status"] = "approved"
            rec["transfer_id"] = self.credit(
                rec["volunteer_id"], rec["points"], "hours_award", f"hours:{rec['id']}",
                {"hours": rec["id"], "points": rec["points"]}, admin, rec["title"], "hour_records", rec["id"], at)
            self.chain.record("hours.approved", actor_id=admin, subject_type="hour_records", subject_id=rec["id"],
                              at=at, before=before, after=_snapshot(rec))
            if rng.random() < 0.01:
                self.reversals.setdefault(index + rng.randint(1, 20), []).append(rec)
            else:
                self.made["approved"] += 1
                self._write_record(rec)
            at += timedelta(milliseconds=50)

    def _reverse(self, index: int, at) -> None:
        for rec in self.reversals.pop(index, []):
            account = self.account_of(rec["volunteer_id"])
            if self.ledger.balance(account) >= rec["points"]:  # already spent: the reversal is refused
                admin, reason = self.rng.choice(self.admin), self.rng.choice(REVERSE_REASONS)
                before = _snapshot(rec)
                rec["reversal_transfer_id"] = self.ledger.post(
                    key=f"hours-reversal:{rec['id']}", body={"reverses": rec["transfer_id"]}, debit=account,
                    credit=ISSUER_ACCOUNT_ID, amount=rec["points"], kind="reversal", actor_id=admin, memo=reason,
                    source_type="hour_records", source_id=rec["id"], at=at, reverses_id=rec["transfer_id"])
                rec.update(status="reversed", reason=reason)
                self.chain.record("hours.reversed", actor_id=admin, subject_type="hour_records", subject_id=rec["id"],
                                  at=at, before=before, after=_snapshot(rec))
                self.made["reversed"] += 1
            else:
                self.made["approved"] += 1
            self._write_record(rec)

    def _awards(self, index: int, day, extras: int, days: int, at) -> None:
        """Commendations and adjustments, spread evenly: about one of each per 100 / 150 residents."""
        rng = self.rng
        for _ in range(extras * (index + 1) // days - extras * index // days):
            if not self.earners:
                break
            user_id, admin = rng.choice(self.earners), rng.choice(self.admin)
            type_id, code, points, name = rng.choice(self.commendation_types)
            record_id = self.w.new_id("commendations")
            reason = f"{day.year}年度{name}"
            transfer = self.credit(user_id, points, "commendation", f"bench:commendation:{record_id}",
                                   {"user_id": user_id, "type": code, "reason": reason}, admin, reason,
                                   "commendations", record_id, at)
            self.w.add("commendations", {"id": record_id, "user_id": user_id, "type_id": type_id, "points": points,
                                         "reason": reason, "granted_by_id": admin, "transfer_id": transfer,
                                         "created_at": at})
            self.chain.record("commendation.granted", actor_id=admin, subject_type="commendations",
                              subject_id=record_id, at=at, after={
                                  "user_id": user_id, "type": code, "points": points, "reason": reason,
                                  "transfer_id": transfer,
                                  "balance_after": self.ledger.balance(self.account_of(user_id))})
            self.made["commendations"] += 1
        for _ in range(extras * 2 * (index + 1) // (3 * days) - extras * 2 * index // (3 * days)):
            if self.earners:
                self._adjustment(rng.choice(self.earners), at)

    def _adjustment(self, user_id: int, at) -> None:
        rng, account = self.rng, self.account_of(user_id)
        if rng.random() < 0.3:
            reason, points = rng.choice(DEDUCTIONS)
            if self.ledger.balance(account) < -points:
                return
        else:
            reason, points = rng.choice(TOP_UPS), rng.randrange(10, 60, 5)
        admin, record_id = rng.choice(self.admin), self.w.new_id("adjustments")
        key, body = f"bench:adjustment:{record_id}", {"user_id": user_id, "points": points, "reason": reason}
        if points > 0:
            transfer = self.credit(user_id, points, "adjustment", key, body, admin, reason, "adjustments",
                                   record_id, at)
        else:
            transfer = self.ledger.post(key=key, body=body, debit=account, credit=ISSUER_ACCOUNT_ID,
                                        amount=-points, kind="adjustment", actor_id=admin, memo=reason,
                                        source_type="adjustments", source_id=record_id, at=at)
        self.w.add("adjustments", {"id": record_id, "user_id": user_id, "points": points, "reason": reason,
                                   "made_by_id": admin, "transfer_id": transfer, "created_at": at})
        self.chain.record("points.adjusted", actor_id=admin, subject_type="adjustments", subject_id=record_id, at=at,
                          after={"user_id": user_id, "points": points, "reason": reason, "transfer_id": transfer,
                                 "balance_after": self.ledger.balance(account)})
        self.made["adjustments"] += 1
