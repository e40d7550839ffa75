"""The store's use cases (see docs/INTERFACES.md "redemption"); each commits once via run_write.

The code lives in small modules; this one is the stable import path other areas use.
"""

from redemption.catalogue import UNCHANGED, create_item, create_store, keeper_store_ids, update_item
from redemption.redeem import check_can_void, monthly_allowance, receipt_number, redeem, void_redemption
from redemption.requests import Line, NewItem, RedeemRequest, StockChange, keeps_store
from redemption.stock import move_stock

__all__ = [
    "UNCHANGED", "Line", "check_can_void", "NewItem", "RedeemRequest", "StockChange", "create_item", "create_store",
    "keeper_store_ids", "keeps_store", "monthly_allowance", "move_stock",
    "receipt_number", "redeem", "update_item", "void_redemption",
]
