"""The store's HTML pages (blueprint `redemption`, prefix /store).

Each module registers its routes on the one blueprint defined in blueprint.py:
counter (the keeper's counter), receipts (receipts, voids, my redemptions),
shop (catalogue and item photos), manage (stores, donors), items (items, stock).
"""

from redemption.views import counter, counter_reports, items, manage, receipts, shop  # noqa: F401  (registers the routes)
from redemption.views.blueprint import bp

__all__ = ["bp"]
