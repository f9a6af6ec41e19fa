"""Rotation edits on real storage (SQLite and PostgreSQL): in force from the next handoff
for every replica, history answered with the members of its time, made once however often
the request comes, racing edits each applied, and admins only once admins are configured."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from bot.adapters.db.engine import MIGRATIONS, make_engine
from bot.adapters.db.oncall import SqlOverrideStore, SqlRotationStore
from bot.config import Policy
from bot.oncall.service import OncallService
from bot.permissions import NotPermitted
from bot.requests import EditRotation
from tests.storage.test_incident_store import Clock
from tests.storage.test_oncall import POLICY, People, utc


def service(engine: Engine, clock: Clock, policy: Policy = POLICY) -> OncallService:
    stores = SqlOverrideStore(engine), SqlRotationStore(engine)
    return OncallService(*stores, People(), policy, clock)


@pytest.fixture
def oncall(engine: Engine, clock: Clock) -> OncallService:
    return service(engine, clock)


def edit(action: str, *users: str, position: int | None = None) -> EditRotation:
    return EditRotation("payments", None, action, users, position)


def who(oncall: OncallService, *parts: int) -> str:
    [found] = [o.user for o in oncall.on_call_at([oncall.schedule("payments")], utc(*parts))
               if o.layer == "primary"]  # fmt: skip
    return found


def test_an_edit_holds_from_the_next_handoff_and_history_keeps_its_members(
    oncall: OncallService, engine: Engine, clock: Clock
) -> None:
    # Now: Sunday 22 November 2026; weekly from Monday 16th 09:00 London: Alice, then Bob.
    made = oncall.edit_rotation(edit("add", "U_CAROL"), "U_OWNER", "k1")
    assert made.effective_at == utc(2026, 11, 23, 9) and made.members == ["U_ALICE", "U_BOB",
                                                                          "U_CAROL"]  # fmt: skip
    assert who(oncall, 2026, 11, 22, 12) == "U_ALICE"  # the shift under way stays
    other = service(engine, clock)  # another replica sees it at once
    assert [who(other, 2026, 11, d, 12) for d in (24, 30)] + [who(other, 2026, 12, 8)] == [
        "U_BOB", "U_CAROL", "U_ALICE"
    ]  # fmt: skip

    clock.now = utc(2026, 12, 2, 12)  # Carol's week: Alice leaves from the next handoff
    oncall.edit_rotation(edit("remove", "U_ALICE"), "U_OWNER", "k2")
    assert who(oncall, 2026, 11, 20) == "U_ALICE"  # history: the members of that time
    assert who(oncall, 2026, 12, 1) == "U_CAROL"
    assert [who(oncall, 2026, 12, d, 12) for d in (8, 15, 22)] == ["U_BOB", "U_CAROL", "U_BOB"]
    status = oncall.now_and_next(oncall.schedule("payments")).layers[0]
    assert status.members == ("U_ALICE", "U_BOB", "U_CAROL")
    assert status.pending is not None and status.pending.members == ("U_BOB", "U_CAROL")
    feed = [s for s in oncall.feed(oncall.schedule("payments")) if s.layer == "primary"]
    assert [s.user for s in feed][:4] == ["U_ALICE", "U_BOB", "U_CAROL", "U_BOB"]
    assert feed[0].start == utc(2026, 11, 23, 9) - timedelta(weeks=1)


def test_a_retried_edit_is_made_once_and_racing_edits_each_apply(
    oncall: OncallService, engine: Engine
) -> None:
    with ThreadPoolExecutor(4) as pool:
        asked = edit("add", "U_CAROL")
        made = list(pool.map(lambda _: oncall.edit_rotation(asked, "U_X", "same"), range(6)))
    assert len({m.id for m in made}) == 1
    asks = [("U_DAVE", "a"), ("U_ERIN", "b"), ("U_FRANK", "c")]
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda a: oncall.edit_rotation(edit("add", a[0]), "U_X", a[1]), asks))
    [*_, last] = SqlRotationStore(engine).of_schedule("payments")
    assert last.version == 4
    assert sorted(last.members) == ["U_ALICE", "U_BOB", "U_CAROL", "U_DAVE", "U_ERIN", "U_FRANK"]


def test_only_admins_edit_rotations_once_admins_are_configured(
    engine: Engine, clock: Clock
) -> None:
    strict = POLICY.model_copy(update={"permissions": POLICY.permissions.model_copy(
        update={"admins": ("U_OWNER",)})})  # fmt: skip
    oncall = service(engine, clock, strict)
    with pytest.raises(NotPermitted, match="only Sitrep's admins may edit on-call rotations"):
        oncall.edit_rotation(edit("swap", "U_ALICE", "U_BOB"), "U_ALICE", "k")
    assert SqlRotationStore(engine).of_schedule("payments") == []
    swapped = oncall.edit_rotation(edit("swap", "U_ALICE", "U_BOB"), "U_OWNER", "k")
    assert swapped.members == ["U_BOB", "U_ALICE"] and swapped.members[swapped.cursor] == "U_ALICE"


def test_migration_0017_up_and_down(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0016")
            command.upgrade(config, "0017")
            names = "schedule layer version action users members cursor effective_at created_by"
            columns = [*names.split(), "created_at", "request_key"]
            json = {"users", "members"}
            table = sa.table(
                "rotation_edit", *(sa.column(n, sa.JSON if n in json else None) for n in columns)
            )
            row = {
                "schedule": "payments", "layer": "primary", "version": 1, "action": "add",
                "users": ["U_DAVE"], "members": ["U_ALICE", "U_DAVE"],
                "cursor": 0, "effective_at": utc(2026, 12, 1), "created_by": "U_ALICE",
                "created_at": utc(2026, 11, 30), "request_key": "k",
            }  # fmt: skip
            connection.execute(sa.insert(table).values(row))
            with pytest.raises(sa.exc.IntegrityError), connection.begin_nested():
                connection.execute(sa.insert(table).values(row | {"request_key": "other"}))
            command.downgrade(config, "0016")
            tables = set(sa.inspect(connection).get_table_names())
            command.upgrade(config, "head")
        assert "rotation_edit" not in tables
    finally:
        engine.dispose()
