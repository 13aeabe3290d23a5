"""Small factories for store rows used across tests."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from account_intel.content import content_root
from account_intel.domain.enums import MeddiccRole, PricingUnit, ProductKind, UserRole
from account_intel.domain.tiering import Thresholds
from account_intel.store.accounts import recalculate_accounts
from account_intel.store.models import Account, Contact, Contract, ContractLine, Product, User

T0 = datetime(2024, 11, 30, 12, tzinfo=UTC)
AS_OF = date(2024, 11, 30)


def add_user(session: Session, user_id: str = "U-AE", role: UserRole = UserRole.AE, name: str | None = None) -> User:
    user = User(id=user_id, name=name or user_id, email=f"{user_id.lower()}@vendor.test", role=role)
    session.add(user)
    return user


def add_account(
    session: Session, account_id: str, *, arr: Decimal, name: str | None = None, ae_id: str | None = None
) -> Account:
    """An account whose ARR comes from one flat contract line of `arr`."""
    if session.get(Product, "PLAT") is None:
        session.add(
            Product(
                id="PLAT",
                name="Platform",
                kind=ProductKind.PLAN,
                pricing_unit=PricingUnit.FLAT,
                list_price=Decimal("1000"),
                tier_rank=1,
            )
        )
    account = Account(
        id=account_id, name=name or account_id, created_at=T0, ae_id=ae_id, customer_since=date(2023, 1, 1)
    )
    session.add(account)
    session.add(
        Contract(id=f"C-{account_id}", account_id=account_id, start_date=date(2024, 1, 1), end_date=date(2025, 12, 31))
    )
    session.add(
        ContractLine(
            id=f"L-{account_id}",
            contract_id=f"C-{account_id}",
            account_id=account_id,
            product_id="PLAT",
            quantity=1,
            unit_price=arr,
            start_date=date(2024, 1, 1),
            end_date=date(2025, 12, 31),
        )
    )
    session.flush()
    recalculate_accounts(session, as_of=AS_OF, thresholds=Thresholds(), at=T0, account_ids=[account_id])
    return account


def add_contact(
    session: Session,
    contact_id: str,
    account_id: str,
    *,
    dnc: bool = False,
    role: MeddiccRole | None = MeddiccRole.CHAMPION,
) -> Contact:
    contact = Contact(
        id=contact_id,
        account_id=account_id,
        name=contact_id,
        email=f"{contact_id.lower()}@cust.test",
        meddicc_role=role,
        do_not_contact=dnc,
    )
    session.add(contact)
    session.flush()
    return contact


def content_with_policy(folder: Path, policy_text: str) -> Path:
    """A user's own copy of the content (ACCOUNT_INTEL_CONTENT_DIR) whose outbound policy is `policy_text`."""
    shutil.copytree(content_root(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "tools" / "outbound-policy.yaml").write_text(policy_text, encoding="utf-8")
    return folder


def sign_in(monkeypatch: pytest.MonkeyPatch, url: str, user_ref: str) -> None:
    """Make the user the signed-in one for every CLI call of the test (their token in ACCOUNT_INTEL_TOKEN)."""
    for name, value in token_env(url, user_ref).items():
        monkeypatch.setenv(name, value)


def token_env(url: str, user_ref: str) -> dict[str, str]:
    """A fresh personal token for the user, as the environment a CLI call proves who it is with."""
    from account_intel.auth.tokens import issue_token
    from account_intel.pipeline.people import find_user
    from account_intel.store.engine import Store

    store = Store(url)
    try:
        with store.transaction() as session:
            _, token = issue_token(
                session, user=find_user(session, user_ref), name="test", at=datetime.now(UTC), created_by="test"
            )
    finally:
        store.dispose()
    return {"ACCOUNT_INTEL_TOKEN": token}
