"""The vendor's product catalog: plans, products, modules and services, and the features they carry."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.domain.enums import FeatureKind, PricingUnit, ProductKind
from account_intel.store.base import Base, enum_column
from account_intel.store.types import Money


class Product(Base):
    """A sellable catalog item with an annual list price per pricing unit."""

    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[ProductKind] = mapped_column(enum_column(ProductKind))
    family: Mapped[str | None] = mapped_column(String(64))
    pricing_unit: Mapped[PricingUnit] = mapped_column(enum_column(PricingUnit))
    list_price: Mapped[Decimal] = mapped_column(Money)
    unit_label: Mapped[str | None] = mapped_column(String(64))
    tier_rank: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)


class Feature(Base):
    """A feature or integration, counted for adoption breadth; `min_tier_rank` is the lowest plan that has it."""

    __tablename__ = "features"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[FeatureKind] = mapped_column(enum_column(FeatureKind))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"))
    min_tier_rank: Mapped[int | None] = mapped_column(Integer)
