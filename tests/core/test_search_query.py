"""Parsing `/incident search`: words and filters, or a friendly UsageError."""

from datetime import date

import pytest

from bot.commands import USAGE, parse
from bot.errors import UsageError
from bot.requests import SearchIncidents
from bot.search_query import MAX_TERMS
from models import Status

SEVERITIES = ["sev1", "sev2", "sev3", "sev4"]


def test_words_and_filters_make_a_search() -> None:
    text = "database timeout service:Checkout sev:2 status:resolved after:2026-01-01"
    assert parse(f"search {text} before:2026-12-31", SEVERITIES) == SearchIncidents(
        terms=("database", "timeout"),
        service="Checkout",
        severity="sev2",
        status=Status.RESOLVED,
        after=date(2026, 1, 1),
        before=date(2026, 12, 31),
        text=f"{text} before:2026-12-31",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("search", "What should I search for?"),
        ("search service:api", "What should I search for?"),
        ("search 🔥 *** \"'", "What should I search for?"),
        ("search db sev:9", "`9` is not a severity"),
        ("search db status:broken", "`broken` is not a status"),
        ("search db after:yesterday", "`yesterday` is not a date"),
        ("search db after:2026-02-01 before:2026-01-01", "is not before"),
        ("search " + "x " * 300, "keep it under 500"),
    ],
)
def test_bad_searches_explain_themselves(text: str, message: str) -> None:
    with pytest.raises(UsageError) as error:
        parse(text, SEVERITIES)
    assert message in str(error.value)
    assert error.value.usage == USAGE["search"]


def test_syntax_and_sql_are_kept_as_words_capped_in_number_and_length() -> None:
    request = parse("search '; DROP TABLE incident; -- NEAR( \"x OR", SEVERITIES)
    assert isinstance(request, SearchIncidents)
    # Words without a letter or digit ("';", "--") find nothing and are left out.
    assert request.terms == ("DROP", "TABLE", "incident;", "NEAR(", '"x', "OR")
    many = parse("search " + " ".join(f"w{n}" for n in range(20)) + " " + "y" * 99, SEVERITIES)
    assert isinstance(many, SearchIncidents) and len(many.terms) == MAX_TERMS
    long = parse("search " + "z" * 99, SEVERITIES)
    assert isinstance(long, SearchIncidents) and long.terms == ("z" * 64,)
