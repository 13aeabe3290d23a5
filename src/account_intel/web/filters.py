"""The Jinja2 filters of the pages: money, percent and labels, in the product's own formats."""

from __future__ import annotations

from decimal import Decimal

from fastapi.templating import Jinja2Templates
from jinja2.utils import htmlsafe_json_dumps

from account_intel.auth.permissions import Action, may
from account_intel.deliverables.whitespace_text import short_money
from account_intel.domain.wording import label
from account_intel.web.charts import Chart, signed_money


def percent(value: Decimal | float | None) -> str:
    """A probability 0-1 as a whole percent: '18%'."""
    return "-" if value is None else f"{Decimal(str(value)) * 100:.0f}%"


def chart_json(chart: Chart) -> str:
    """A chart as JSON for a single-quoted `data-chart='...'` attribute: <, >, & and ' are written as JSON escapes,
    so nothing in a label can end the attribute or open a tag (marked safe: it is not escaped again)."""
    return htmlsafe_json_dumps(chart.model_dump(mode="json"))


def install(templates: Jinja2Templates) -> None:
    """Autoescape everything, and register the filters (and the permission check `may(user, Action.X, account)`,
    so a page offers only what its viewer may do)."""
    templates.env.autoescape = True
    templates.env.filters["money"] = lambda v: "-" if v is None else short_money(v)
    templates.env.filters["percent"] = percent
    templates.env.filters["signed_money"] = signed_money
    templates.env.filters["label"] = lambda v: label(str(getattr(v, "value", v)))
    templates.env.globals["may"] = may
    templates.env.globals["Action"] = Action
    templates.env.filters["chart"] = chart_json
