"""The demo's orders: varied, reproducible data that sends instances down every path."""

from __future__ import annotations

import random
from typing import Any

from examples.order_fulfillment.inventory import CATALOGUE, POISON_SKU

#: Which order (by index) carries the SKU with a corrupt warehouse record.
POISON_INDEX = 500
#: Cards starting with these digits are declined by the payment provider.
DECLINED_CARD = "4000000000000002"
GOOD_CARD = "4242424242424242"


def make_orders(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` orders: about 5 % invalid, 8 % declined, 10 % with a flaky provider,
    5 % with a flaky carrier, a third express, and one poison order (if ``count`` > 500).
    """
    rng = random.Random(seed)
    skus = sorted(CATALOGUE)
    orders = []
    for index in range(count):
        order: dict[str, Any] = {
            "id": f"O-{index:05d}",
            "customer": f"customer-{rng.randrange(200)}@example.com",
            "sku": rng.choice(skus),
            "quantity": rng.randint(1, 5),
            "amount": round(rng.uniform(5, 500), 2),
            "card": GOOD_CARD,
            "express": rng.random() < 0.35,
            "country": rng.choice(["DE", "DE", "DE", "FR"]),
            "provider_flaky": rng.random() < 0.10,
            "carrier_flaky": rng.random() < 0.05,
        }
        roll = rng.random()
        if roll < 0.05:
            order["quantity"] = 0
        elif roll < 0.13:
            order["card"] = DECLINED_CARD
        if index == POISON_INDEX:
            order.update(sku=POISON_SKU, quantity=1, card=GOOD_CARD)
        orders.append({"order": order})
    return orders
