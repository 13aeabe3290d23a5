"""The JSON form of figures, one for every command: money is a string with two decimals, measures are numbers.

Money (`Money`): a Decimal rounded to cents, written as a string with exactly two decimals ("85000.00"), so no
reader loses a cent to binary floating point. Scores, percentages, probabilities and propensities (`Measure`): a
JSON number
(84.4, 113.8, 0.77, 82.0: a whole value keeps its decimal point). docs/data-model.md ("Figures in JSON") says the same.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import PlainSerializer

CENT = Decimal("0.01")


def money_text(value: Decimal | int) -> str:
    """Money as JSON text: two decimals, half up."""
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def measure_number(value: Decimal | float | int) -> float:
    """A score, percentage or probability as a JSON number, always written with a decimal point (82.0, not 82), so
    its type is the same whether or not it happens to be whole."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return float(number)


Money = Annotated[Decimal, PlainSerializer(money_text, return_type=str, when_used="json")]
Measure = Annotated[Decimal, PlainSerializer(measure_number, when_used="json")]
