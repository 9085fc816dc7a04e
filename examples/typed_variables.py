"""Typed variables: a pydantic model in, a pydantic model out.

A parameter annotated with a pydantic model (or a dataclass, or a TypedDict) receives the
job's variables validated into it; the variables to fetch are its fields. Variables that do
not validate fail the job with pydantic's message, so the incident says what was wrong.
Returning a model completes the job with its fields. Needs ``pip install zeebe-router[pydantic]``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from zeebe_router import ZeebeTaskRouter

router = ZeebeTaskRouter()


class Address(BaseModel):
    country: str = Field(min_length=2, max_length=2)
    postcode: str


class Parcel(BaseModel):
    weight_kg: float = Field(gt=0)
    address: Address
    express: bool = False


class Quote(BaseModel):
    carrier: str
    price_eur: float


@router.task("quote-shipping")
async def quote_shipping(parcel: Parcel) -> Quote:
    """Price a parcel; the model has already checked weight and address."""
    base = 4.5 if parcel.address.country == "DE" else 9.0
    price = base + 1.2 * parcel.weight_kg + (7.0 if parcel.express else 0.0)
    return Quote(carrier="courier" if parcel.express else "parcel", price_eur=round(price, 2))
