"""On-call overrides on real storage (SQLite and PostgreSQL): made once however often the
request comes, cancelled by the right people, and history as it was."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from bot.adapters.db.engine import MIGRATIONS, make_engine
from bot.adapters.db.oncall import SqlOverrideStore, SqlRotationStore
from bot.config import Policy
from bot.errors import IncidentError, NothingChanged, UnknownSchedule, UsageError
from bot.oncall.service import OncallService
from bot.requests import AddOverride, LocalMoment
from tests.storage.test_incident_store import Clock


class People:
    """The chat platform's directory, as far as these tests need it."""

    def timezone(self, user: str) -> str | None:
        return {"U_ALICE": "Europe/London", "U_BOB": "America/New_York"}.get(user)

    def name(self, user: str) -> str:
        return user.removeprefix("U_").title()


POLICY = Policy.model_validate(
    {
        "services": [{"name": "checkout-api", "schedule": "payments"}],
        "oncall": {
            "schedules": [
                {
                    "name": "payments",
                    "owner": "U_OWNER",
                    "timezone": "Europe/London",
                    "layers": [
                        {"name": "primary", "members": ["U_ALICE", "U_BOB"], "start": "2026-11-16"},
                        {"name": "secondary", "members": ["U_CAROL"], "start": "2026-11-16"},
                    ],
                },
                {
                    "name": "search",
                    "layers": [{"name": "primary", "members": ["U_DAVE"], "start": "2026-11-16"}],
                },
            ]
        },
    }
)


@pytest.fixture
def oncall(engine: Engine, clock: Clock) -> OncallService:
    stores = SqlOverrideStore(engine), SqlRotationStore(engine)
    return OncallService(*stores, People(), POLICY, clock)


def at(day: date | int, hour: int, minute: int = 0) -> LocalMoment:
    return LocalMoment(day, time(hour, minute))


def cover(user: str, starts: LocalMoment, ends: LocalMoment, **more: str) -> AddOverride:
    return AddOverride(user, starts, ends, more.get("schedule", "payments"), more.get("layer"))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_an_override_is_read_in_the_askers_timezone_and_changes_who_is_on_call(
    oncall: OncallService, clock: Clock
) -> None:
    # Now: Sunday 22 November 2026, 09:00 UTC; Alice has the week (London, GMT).
    request = cover("U_DAVE", at(date(2026, 11, 22), 18), at(1, 9))  # 18:00 today - 09:00 tomorrow
    made = oncall.override(request, "U_BOB", "key-1")  # Bob is in New York (UTC-5)
    assert (made.starts_at, made.ends_at) == (utc(2026, 11, 22, 23), utc(2026, 11, 23, 14))
    assert made.covers == "U_ALICE" and made.layer == "primary" and made.created_by == "U_BOB"
    payments = oncall.schedule("checkout-api")  # a service names its schedule
    assert [(t.layer, t.user) for t in oncall.on_call_at([payments], utc(2026, 11, 23))] == [
        ("primary", "U_DAVE"),
        ("secondary", "U_CAROL"),
    ]
    status = oncall.now_and_next(payments).layers[0]
    assert status.now is not None and status.now.user == "U_ALICE"
    assert status.next is not None and status.next.user == "U_DAVE"


def test_a_repeated_or_racing_request_makes_one_override(
    oncall: OncallService, engine: Engine
) -> None:
    request = cover("U_DAVE", at(0, 18), at(1, 9))
    with ThreadPoolExecutor(4) as pool:
        made = list(pool.map(lambda _: oncall.override(request, "U_ALICE", "same"), range(6)))
    assert len({m.id for m in made}) == 1
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM oncall_override")).scalar() == 1


@pytest.mark.parametrize(
    ("request_", "error", "says"),
    [
        (cover("U_DAVE", at(1, 9), at(0, 18)), UsageError, "end after it starts"),
        (cover("U_DAVE", at(-2, 9), at(-1, 9)), UsageError, "already over"),
        (cover("U_DAVE", at(0, 18), at(40, 9)), UsageError, "at most 31 days"),
        (cover("U_DAVE", at(0, 18), at(1, 9), schedule="billing"), UnknownSchedule, "`payments`"),
        (cover("U_DAVE", at(0, 18), at(1, 9), layer="tertiary"), UsageError, "`secondary`"),
        (AddOverride("U_DAVE", at(0, 18), at(1, 9), None, None), UsageError, "Which schedule?"),
    ],
)
def test_bad_overrides_are_refused_and_change_nothing(
    oncall: OncallService, request_: AddOverride, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        oncall.override(request_, "U_ALICE", "bad")
    assert oncall.upcoming(None) == []


def test_only_the_people_concerned_may_cancel(oncall: OncallService, clock: Clock) -> None:
    made = oncall.override(cover("U_DAVE", at(0, 18), at(1, 9)), "U_BOB", "k")
    assert made.id is not None and made.covers == "U_ALICE"
    with pytest.raises(IncidentError, match="Only whoever made"):
        oncall.cancel(made.id, "U_CAROL")
    assert oncall.cancel(made.id, "U_BOB").cancelled_at == clock.now
    for who in ("U_BOB", "U_ALICE", "U_DAVE", "U_OWNER"):  # maker, covered, covering, owner
        again = oncall.override(cover("U_DAVE", at(0, 18), at(1, 9)), "U_BOB", f"k-{who}")
        assert again.id is not None
        assert oncall.cancel(again.id, who).cancelled_by == who
    with pytest.raises(NothingChanged, match="already cancelled"):
        oncall.cancel(made.id, "U_OWNER")
    with pytest.raises(IncidentError, match="no override #999"):
        oncall.cancel(999, "U_OWNER")
    assert oncall.upcoming("payments") == []


def test_a_cancelled_override_held_until_it_was_cancelled(
    oncall: OncallService, clock: Clock
) -> None:
    payments = oncall.schedule("payments")
    made = oncall.override(cover("U_DAVE", at(0, 10), at(0, 20)), "U_ALICE", "k")
    assert made.id is not None
    clock.advance(hours=5)  # 14:00: Dave has covered since 10:00
    oncall.cancel(made.id, "U_ALICE")
    primary = {t.layer: t.user for t in oncall.on_call_at([payments], utc(2026, 11, 22, 12))}
    assert primary["primary"] == "U_DAVE"  # it happened
    later = {t.layer: t.user for t in oncall.on_call_at([payments], utc(2026, 11, 22, 15))}
    assert later["primary"] == "U_ALICE"  # it stopped at 14:00


def test_taking_a_shift_covers_the_rest_of_the_current_one(
    oncall: OncallService, clock: Clock
) -> None:
    # Alice is on call (her week runs to Monday 23 November 09:00): taking a shift on her
    # own schedule takes Bob's next week.
    mine = oncall.take("payments", "primary", "U_ALICE", "take-1")
    assert (mine.covers, mine.starts_at, mine.ends_at) == (
        "U_BOB",
        utc(2026, 11, 23, 9),
        utc(2026, 11, 30, 9),
    )
    taken = oncall.take("payments", None, "U_CAROL", "take-2")
    assert (taken.user, taken.covers) == ("U_CAROL", "U_ALICE")
    assert (taken.starts_at, taken.ends_at) == (clock.now, utc(2026, 11, 23, 9))
    with pytest.raises(IncidentError, match="no shift of someone else"):
        oncall.take("payments", "secondary", "U_CAROL", "take-3")  # she is the only member


def test_a_persons_next_shifts_and_the_feed(oncall: OncallService, clock: Clock) -> None:
    oncall.override(cover("U_DAVE", at(0, 18), at(1, 9)), "U_ALICE", "k")
    daves = oncall.next_shifts_of("U_DAVE", count=3)
    assert [(s.schedule, s.source[0]) for s in daves][:2] == [("search", "r"), ("payments", "o")]
    shifts = oncall.feed(oncall.schedule("payments"))
    assert shifts[0].start == utc(2026, 11, 16, 9)  # the rotation began within the two weeks
    assert shifts[-1].end >= clock.now + timedelta(weeks=12)
    assert {s.user for s in oncall.feed(oncall.schedule("payments"), "U_BOB")} == {"U_BOB"}


def test_migration_0011_up_and_down(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0010")
            command.upgrade(config, "0011")
            names = "schedule layer user starts_at ends_at created_by created_at request_key"
            table = sa.table("oncall_override", *(sa.column(n) for n in names.split()))
            row = {
                "schedule": "payments", "layer": "primary", "user": "U_DAVE",
                "starts_at": utc(2026, 12, 1), "ends_at": utc(2026, 12, 2),
                "created_by": "U_ALICE", "created_at": utc(2026, 11, 30), "request_key": "k",
            }  # fmt: skip
            connection.execute(sa.insert(table).values(row))
            with pytest.raises(sa.exc.IntegrityError), connection.begin_nested():
                connection.execute(sa.insert(table).values(row))  # one per request key
            command.downgrade(config, "0010")
            tables = set(sa.inspect(connection).get_table_names())
            command.upgrade(config, "head")
        assert "oncall_override" not in tables
    finally:
        engine.dispose()


def test_an_override_already_over_cannot_be_cancelled(oncall: OncallService, clock: Clock) -> None:
    made = oncall.override(cover("U_DAVE", at(0, 10), at(0, 12)), "U_ALICE", "k")
    assert made.id is not None
    clock.advance(hours=4)
    with pytest.raises(NothingChanged, match="already over"):
        oncall.cancel(made.id, "U_ALICE")
    payments = oncall.schedule("payments")
    then = {t.layer: t.user for t in oncall.on_call_at([payments], utc(2026, 11, 22, 11))}
    assert then["primary"] == "U_DAVE"  # it stands in history
