"""`python app.py <command>`: the arguments, and the commands that need only the database
(migrate, export, audit, backup, token). Running the bot itself is app.py's."""

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.adapters.db import backup
from bot.adapters.db.audit import SqlAuditLog
from bot.adapters.db.engine import make_engine, prepare_database
from bot.adapters.db.insights import SqlInsightsStore
from bot.adapters.db.tokens import SqlTokenStore
from bot.api_tokens import TokenService
from bot.audit import AuditService, Surface, via
from bot.audit import as_csv as audit_csv
from bot.config import Policy, load_policy
from bot.errors import ConfigError, IncidentError
from bot.insights.periods import parse_range
from bot.insights.service import as_csv, as_json, export_rows
from bot.permissions import Permissions
from bot.settings import Settings
from models import TokenScope


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="app.py", description="Sitrep: incidents in Slack.")
    parser.add_argument(
        "--sandbox", action="store_true", help="run against a local Slack in the browser"
    )
    parser.add_argument(
        "--demo", action="store_true", help="sandbox: load six months of demo incidents first"
    )
    commands = parser.add_subparsers(
        dest="command", metavar="{run,migrate,export,audit,backup,token}"
    )
    commands.add_parser("run", help="run the bot against Slack (never the sandbox)")
    commands.add_parser("migrate", help="bring the database schema up to date and exit")
    export = commands.add_parser("export", help="incidents of a range as CSV or JSON")
    export.add_argument("range", nargs="?", default="30d", help="7d, 90d, 2026-Q3…")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--output", type=Path, help="a file (default: standard output)")
    audit = commands.add_parser("audit", help="the audit log of a range as CSV or JSON")
    audit.add_argument("range", nargs="?", default="30d", help="7d, 90d, 2026-Q3, INC-…, PRB-…")
    audit.add_argument("--format", choices=["csv", "json"], default="csv")
    audit.add_argument("--output", type=Path, help="a file (default: standard output)")
    backups = commands.add_parser("backup", help="everything, to JSON and back")
    backups.add_argument("action", choices=["export", "import"])
    backups.add_argument(
        "file", type=Path, nargs="?", help="export: default standard output; import: required"
    )
    tokens = commands.add_parser("token", help="API tokens: create, revoke, list")
    tokens.add_argument("action", choices=["create", "revoke", "list"])
    tokens.add_argument("name", nargs="?", default="")
    tokens.add_argument("--scope", choices=[s.value for s in TokenScope], default="read")
    tokens.add_argument("--private", action="store_true", help="may see private incidents")
    args = parser.parse_args(argv)  # no command: run the bot, or without Slack the sandbox
    if args.command == "token" and args.action != "list" and not args.name:
        parser.error(f"token {args.action} needs a token name")
    if args.command == "backup" and args.action == "import" and args.file is None:
        parser.error("backup import needs the FILE to restore")
    return args


def run_tool(args: argparse.Namespace, settings: Settings) -> int:
    """Runs a command other than `run`; raises ConfigError with one line to show."""
    if args.command == "migrate":
        with database(settings, migrate_schema=True):
            return 0
    policy = load_policy(settings.sitrep_config)
    tools = {"export": _export, "audit": _audit, "backup": _backup, "token": _tokens}
    with database(settings) as engine:
        try:
            return tools[args.command](engine, policy, args)
        except IncidentError as error:
            raise ConfigError(f"{args.command}: {error}") from None


@contextmanager
def database(settings: Settings, *, migrate_schema: bool | None = None) -> Iterator[Engine]:
    """The database, migrated as `run` would (so one no replica has migrated yet has no
    incidents rather than no tables), disposed of afterwards."""
    engine = make_engine(settings.database_url)
    try:
        migrating = settings.sitrep_migrate_on_start if migrate_schema is None else migrate_schema
        prepare_database(engine, migrate_schema=migrating)
        yield engine
    finally:
        engine.dispose()


def _export(engine: Engine, policy: Policy, args: argparse.Namespace) -> int:
    """Every incident declared in the range, with its timestamps and durations, as CSV or
    JSON, for BI tools."""
    period = parse_range(args.range, _now(), ZoneInfo(policy.timezone))
    incidents, roles = SqlInsightsStore(engine).declared_between(period.start, period.end)
    rows = export_rows(incidents, roles, viewer=None)
    text = as_json(rows) if args.format == "json" else as_csv(rows)
    return _write(text, args.output, f"{len(rows)} incidents")


def _audit(engine: Engine, policy: Policy, args: argparse.Namespace) -> int:
    """The audit log of a range, or of one incident, oldest first, as CSV or JSON."""
    permissions, zone = Permissions(policy.permissions), ZoneInfo(policy.timezone)
    audit = AuditService(SqlAuditLog(engine), permissions, _now, zone=zone)
    rows = audit.export(None, audit.query(args.range))
    text = as_json(rows) if args.format == "json" else audit_csv(rows)
    return _write(text, args.output, f"{len(rows)} audit entries")


def _backup(engine: Engine, policy: Policy, args: argparse.Namespace) -> int:
    """Every table to a JSON document, or one restored into an empty database."""
    if args.action == "export":
        return _write(backup.dumps(backup.export_all(engine, _now())), args.file, "the backup")
    try:
        document = json.loads(args.file.read_text(encoding="utf-8"))
        counts = backup.import_all(engine, document)
    except (OSError, ValueError, backup.BackupError) as error:
        raise ConfigError(f"backup import: {error}") from None
    restored = ", ".join(f"{n} {table}" for table, n in counts.items() if n)
    print(f"sitrep: restored {restored or 'nothing'} from {args.file}", file=sys.stderr)
    return 0


def _tokens(engine: Engine, policy: Policy, args: argparse.Namespace) -> int:
    """API tokens for the operator, who has the database: the first one before any admin
    is configured, or one for a system while Slack is away."""
    tokens = TokenService(SqlTokenStore(engine), _now, Permissions(policy.permissions))
    if args.action == "create":
        with via(Surface.CLI):  # audited as the operator's, from the command line
            issued = tokens.create(args.name, TokenScope(args.scope), args.private, None)
        print(issued.secret)
        print(f"sitrep: token {issued.token.name} ({args.scope}), shown this once", file=sys.stderr)
    elif args.action == "revoke":
        with via(Surface.CLI):
            revoked = tokens.revoke(args.name, None)
        print(f"sitrep: revoked {revoked.name}", file=sys.stderr)
    else:
        for token in tokens.live(None):
            print(f"{token.name}\t{token.scope.value}\tprivate={token.private}")
    return 0


def _write(text: str, output: Path | None, what: str) -> int:
    """An export to standard output, or to a file (saying so on standard error)."""
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"sitrep: wrote {what} to {output}", file=sys.stderr)
    return 0


def _now() -> datetime:
    return datetime.now(UTC)
