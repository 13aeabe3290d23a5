"""The canonical entities: which table each feeds, its upsert key, foreign keys and unique names, in load order."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table

from account_intel.errors import ValidationFailed
from account_intel.importer import schema
from account_intel.store.models import (
    Account,
    Activity,
    ChurnEvent,
    Contact,
    Contract,
    ContractLine,
    Department,
    Feature,
    Geography,
    Opportunity,
    OrgEvent,
    Product,
    SupportTicket,
    SurveyResponse,
    UsageMetric,
    User,
)


@dataclass(frozen=True)
class EntitySpec:
    """One canonical entity: `<name>.csv` feeds `table`, rows are validated by `model` and upserted by `key`."""

    name: str
    table: Table
    model: type[schema.CanonicalRow]
    key: tuple[str, ...] = ("id",)
    references: dict[str, str] = field(default_factory=dict)
    unique: tuple[tuple[str, ...], ...] = ()
    observed_dates: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        """The canonical file name, for example `contract_lines.csv`."""
        return f"{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        """Every canonical column, required ones first as declared."""
        return list(self.model.model_fields)

    @property
    def required(self) -> list[str]:
        """The columns a file must provide (directly, renamed, derived, as a constant or a default)."""
        return [name for name, info in self.model.model_fields.items() if info.is_required()]


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


ACCOUNT = {"account_id": "accounts"}

ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec("users", _table(User), schema.UserRow, references={"manager_id": "users"}, unique=(("email",),)),
    EntitySpec(
        "accounts",
        _table(Account),
        schema.AccountRow,
        references={"ae_id": "users", "csm_id": "users", "am_id": "users"},
        observed_dates=("customer_since", "churned_on"),
    ),
    EntitySpec(
        "departments", _table(Department), schema.DepartmentRow, references=ACCOUNT, unique=(("account_id", "name"),)
    ),
    EntitySpec(
        "geographies",
        _table(Geography),
        schema.GeographyRow,
        references=ACCOUNT,
        unique=(("account_id", "name"),),
        observed_dates=("opened_on",),
    ),
    EntitySpec("products", _table(Product), schema.ProductRow, unique=(("name",),)),
    EntitySpec("features", _table(Feature), schema.FeatureRow, references={"product_id": "products"}),
    EntitySpec("contracts", _table(Contract), schema.ContractRow, references=ACCOUNT, observed_dates=("start_date",)),
    EntitySpec(
        "contract_lines",
        _table(ContractLine),
        schema.ContractLineRow,
        references={
            "contract_id": "contracts",
            "account_id": "accounts",
            "product_id": "products",
            "department_id": "departments",
            "geography_id": "geographies",
        },
        observed_dates=("start_date",),
    ),
    EntitySpec(
        "contacts",
        _table(Contact),
        schema.ContactRow,
        references={"account_id": "accounts", "department_id": "departments"},
        observed_dates=("first_contact_on", "left_on"),
    ),
    EntitySpec(
        "usage",
        _table(UsageMetric),
        schema.UsageRow,
        key=("account_id", "metric", "period_start"),
        references={"account_id": "accounts", "feature_id": "features"},
        observed_dates=("period_start",),
    ),
    EntitySpec(
        "tickets",
        _table(SupportTicket),
        schema.TicketRow,
        references=ACCOUNT,
        observed_dates=("opened_at", "closed_at"),
    ),
    EntitySpec(
        "surveys",
        _table(SurveyResponse),
        schema.SurveyRow,
        references={"account_id": "accounts", "contact_id": "contacts"},
        observed_dates=("responded_on",),
    ),
    EntitySpec(
        "activities",
        _table(Activity),
        schema.ActivityRow,
        references={"account_id": "accounts", "user_id": "users"},
        observed_dates=("occurred_at",),
    ),
    EntitySpec("org_events", _table(OrgEvent), schema.OrgEventRow, references=ACCOUNT, observed_dates=("occurred_on",)),
    EntitySpec(
        "churn_events", _table(ChurnEvent), schema.ChurnEventRow, references=ACCOUNT, observed_dates=("churned_on",)
    ),
    EntitySpec(
        "opportunities",
        _table(Opportunity),
        schema.OpportunityRow,
        references={"account_id": "accounts", "owner_id": "users"},
        observed_dates=("created_at", "closed_on"),
    ),
)

BY_NAME: dict[str, EntitySpec] = {spec.name: spec for spec in ENTITIES}
ENTITY_NAMES: tuple[str, ...] = tuple(BY_NAME)


def entity(name: str) -> EntitySpec:
    """The spec of a canonical entity by name; an unknown name lists the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValidationFailed(f"Unknown entity '{name}'; known entities: {', '.join(ENTITY_NAMES)}.") from None
