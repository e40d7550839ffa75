"""Domain errors: each carries the API error code, its HTTP status and a message.

Services raise these; the HTML views turn them into flashes or form errors and the
API turns them into {"error": {"code", "message", "fields"}} (see api_errors.py).
"""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A refusal the user can understand; nothing was saved."""

    code = "error"
    status = 400
    default_message = _l("The request could not be completed.")

    def __init__(self, message=None, fields: dict | None = None):
        self.message = message if message is not None else self.default_message
        self.fields = fields
        super().__init__(str(self.code))


def _error(name: str, code: str, status: int, message) -> type[DomainError]:
    return type(name, (DomainError,), {"code": code, "status": status, "default_message": message})


NotSignedIn = _error("NotSignedIn", "not_signed_in", 401, _l("Please sign in."))
InvalidCredentials = _error(
    "InvalidCredentials", "invalid_credentials", 401, _l("Wrong username or password.")
)
Forbidden = _error("Forbidden", "forbidden", 403, _l("You are not allowed to do that."))
NotTeamLead = _error("NotTeamLead", "not_team_lead", 403, _l("You do not lead this team."))
SelfLoggingForbidden = _error(
    "SelfLoggingForbidden", "self_logging_forbidden", 403, _l("Nobody may log their own hours.")
)
VoidWindowClosed = _error(
    "VoidWindowClosed",
    "void_window_closed",
    403,
    _l("A store keeper can only void a redemption on the day it was made; ask an admin."),
)
NotFound = _error("NotFound", "not_found", 404, _l("Not found."))
InvalidCard = _error("InvalidCard", "invalid_card", 404, _l("No resident has this card."))
NotTeamMember = _error(
    "NotTeamMember", "not_team_member", 422, _l("This volunteer is not a member of the team.")
)
DuplicateRecord = _error(
    "DuplicateRecord",
    "duplicate_record",
    409,
    _l("Hours are already recorded for this volunteer on this activity."),
)
DailyLimitExceeded = _error(
    "DailyLimitExceeded",
    "daily_limit_exceeded",
    409,
    _l("This would put the volunteer over 24 hours on one day."),
)
AlreadyDecided = _error(
    "AlreadyDecided", "already_decided", 409, _l("This record has already been decided.")
)
AlreadyReversed = _error(
    "AlreadyReversed", "already_reversed", 409, _l("This has already been reversed.")
)
PointsAlreadySpent = _error(
    "PointsAlreadySpent",
    "points_already_spent",
    409,
    _l("The points have already been spent; deduct what is left with an adjustment."),
)
OutOfStock = _error("OutOfStock", "out_of_stock", 409, _l("Not enough stock."))
MonthlyLimitExceeded = _error(
    "MonthlyLimitExceeded",
    "monthly_limit_exceeded",
    409,
    _l("This exceeds the monthly limit for this item."),
)
InsufficientPoints = _error(
    "InsufficientPoints", "insufficient_points", 409, _l("Not enough points.")
)
AlreadyVoided = _error(
    "AlreadyVoided", "already_voided", 409, _l("This redemption has already been voided.")
)
IdempotencyConflict = _error(
    "IdempotencyConflict",
    "idempotency_conflict",
    409,
    _l("This idempotency key was already used for a different request."),
)
AlreadyClaimed = _error(
    "AlreadyClaimed", "already_claimed", 409, _l("Someone has already claimed this.")
)
InvalidState = _error(
    "InvalidState", "invalid_state", 409, _l("This cannot be done in its current state.")
)
# The street office's rulebook (API.md "Points policy"): redemption gates, checked before stock.
StoreClosedToday = _error(
    "StoreClosedToday", "store_closed_today", 409, _l("Today is not an exchange day.")
)
StarRequired = _error(
    "StarRequired", "star_required", 409, _l("A higher star level is needed before redeeming.")
)
QuarterLimitExceeded = _error(
    "QuarterLimitExceeded",
    "quarter_limit_exceeded",
    409,
    _l("This resident has reached this quarter's number of redemptions."),
)
RateLimited = _error("RateLimited", "rate_limited", 429, _l("Too many attempts; try again later."))


class ValidationFailed(DomainError):
    """Invalid values; fields maps each bad field to its message."""

    code = "validation_failed"
    status = 422
    default_message = _l("Some values are invalid.")

    def __init__(self, fields: dict, message=None):
        super().__init__(message, fields=fields)


# Households, gifts and proxies (API.md "Households, gifts and proxies")
GiftNotAllowed = _error(
    "GiftNotAllowed", "gift_not_allowed", 403,
    _l("Points can only be given to a member of your household or to a resident the office marked in need."),
)
AlreadyInHousehold = _error(
    "AlreadyInHousehold", "already_in_household", 409, _l("This person already belongs to a household.")
)
AlreadyProxy = _error("AlreadyProxy", "already_proxy", 409, _l("This person is already a proxy for the resident."))
# Volunteering (API.md "Volunteering"): sign-ups, attendance codes.
InvalidCode = _error("InvalidCode", "invalid_code", 422, _l("This attendance code is wrong or has expired."))
ActivityFull = _error("ActivityFull", "activity_full", 409, _l("This activity is full."))
AlreadySignedUp = _error("AlreadySignedUp", "already_signed_up", 409, _l("You have already signed up."))
NotCheckedIn = _error("NotCheckedIn", "not_checked_in", 409, _l("Not checked in yet: check in first."))
AlreadyCheckedIn = _error("AlreadyCheckedIn", "already_checked_in", 409, _l("Already checked in."))
AlreadyCheckedOut = _error("AlreadyCheckedOut", "already_checked_out", 409, _l("Already checked out."))

NoticeClosed = _error(
    "NoticeClosed", "notice_closed", 409, _l("The public notice has ended; objections are no longer accepted.")
)
RecordChanged = _error(
    "RecordChanged", "record_changed", 409, _l("This record was changed meanwhile; look at it again.")
)
