"""Contracts and their lines; an account's ARR is the sum of its active lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from account_intel.domain.enums import ContractKind, ContractStatus
from account_intel.store.base import Base, enum_column
from account_intel.store.types import Money


class Contract(Base):
    """An agreement with a customer; its terms feed proposals (payment terms, billing)."""

    __tablename__ = "contracts"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ContractKind] = mapped_column(enum_column(ContractKind), default=ContractKind.NEW)
    status: Mapped[ContractStatus] = mapped_column(enum_column(ContractStatus), default=ContractStatus.ACTIVE)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    payment_terms: Mapped[str | None] = mapped_column(String(64))
    billing_frequency: Mapped[str | None] = mapped_column(String(32))
    auto_renew: Mapped[bool] = mapped_column(default=True)
    is_trial: Mapped[bool] = mapped_column(default=False)
    terms: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list[ContractLine]] = relationship(back_populates="contract", order_by="ContractLine.id")


class ContractLine(Base):
    """One product on a contract: quantity times annual unit price, optionally scoped to a department or geography."""

    __tablename__ = "contract_lines"

    id: Mapped[str] = mapped_column(String(96), primary_key=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"))
    geography_id: Mapped[str | None] = mapped_column(ForeignKey("geographies.id"))
    description: Mapped[str | None] = mapped_column(String(200))

    contract: Mapped[Contract] = relationship(back_populates="lines")

    @property
    def annual_value(self) -> Decimal:
        """Quantity times annual unit price."""
        return self.unit_price * self.quantity
