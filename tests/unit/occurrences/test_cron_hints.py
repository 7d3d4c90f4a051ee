"""Which cron field is wrong, and how."""

from __future__ import annotations

import pytest

from deployq.occurrences.cronfields import check_cron
from deployq.occurrences.cronhints import field_problem


@pytest.mark.parametrize(
    ("expression", "said"),
    [
        ("61 * * * *", "minute field '61': 61 is out of range (minutes are 0-59)"),
        ("0 25 * * *", "hour field '25': 25 is out of range (hours are 0-23)"),
        ("0 0 0 * *", "day-of-month field '0': 0 is out of range"),
        ("0 0 * 13 *", "month field '13': 13 is out of range"),
        ("0 0 * * 8", "day-of-week field '8': 8 is out of range"),
        ("1,2,99 * * * *", "minute field '1,2,99': 99 is out of range"),
        ("*/0 * * * *", "minute field '*/0': step '0' is not a positive number"),
        ("0 0 * * funday", "'funday' is neither a number nor a name"),
    ],
)
def test_the_wrong_field_is_named(expression: str, said: str) -> None:
    with pytest.raises(ValueError, match="Invalid cron string") as refused:
        check_cron(expression)
    assert said in str(refused.value)


@pytest.mark.parametrize(
    "expression", ["0 9-17/2 * * mon-fri", "0 0 L * *", "0 0 * * 5#2", "*/5 * * jan,jul 0-7"]
)
def test_good_fields_have_no_problem(expression: str) -> None:
    assert field_problem(expression.split()) is None
    assert check_cron(expression) == expression
