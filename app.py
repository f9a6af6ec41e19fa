"""Sitrep's composition root: builds settings, storage, Slack adapters, services and the
Bolt app, then serves it over HTTP (waitress) or Socket Mode.

    python app.py                     run the bot (without Slack tokens: the local sandbox)
    python app.py --sandbox           run the bot in the local sandbox, a Slack in the browser
    python app.py migrate             bring the database schema up to date and exit
    python app.py export 2026-Q3      incidents of a range as CSV or JSON, for BI tools
    python app.py backup export FILE  everything as JSON; `backup import FILE` restores it
"""

import sys

if __name__ == "__main__":
    from bootstrap import ensure_environment

    ensure_environment()

import importlib.metadata
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import anthropic
from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine

import handlers
from bot.action_items import ActionItemService
from bot.adapters import claude
from bot.adapters.charts import MatplotlibCharts
from bot.adapters.db.action_items import SqlActionItemStore
from bot.adapters.db.alerts import SqlAlertStore
from bot.adapters.db.audit import SqlAuditLog
from bot.adapters.db.engine import make_engine, prepare_database
from bot.adapters.db.insights import SqlInsightsStore
from bot.adapters.db.oncall import SqlOverrideStore, SqlRotationStore
from bot.adapters.db.outbox import SqlOutboxStore
from bot.adapters.db.paging import SqlPageStore
from bot.adapters.db.postmortems import SqlPostmortemStore
from bot.adapters.db.problems import SqlProblemStore
from bot.adapters.db.search import SqlSearchIndex
from bot.adapters.db.similar import SqlSimilarIndex
from bot.adapters.db.store import SqlIncidentStore
from bot.adapters.db.tokens import SqlTokenStore
from bot.adapters.db.updates import SqlStatusPageStore, SqlSubscriptionStore
from bot.adapters.db.webhooks import SqlWebhookStore
from bot.adapters.jira import JiraTracker
from bot.adapters.log_format import configure_logging
from bot.adapters.metrics import Metrics
from bot.adapters.runbook_files import read_runbooks, runbooks_folder
from bot.adapters.slack.client import make_client
from bot.adapters.slack.documents import SlackDocuments
from bot.adapters.slack.notifier import SlackNotifier
from bot.adapters.slack.people import SlackPeople
from bot.adapters.slack.rooms import SlackRooms
from bot.adapters.templates import MarkdownRenderer, Templates
from bot.adapters.update_drafts import (
    UPDATE_DRAFT_ENTRIES,
    UPDATE_DRAFT_TIMEOUT,
    ClaudeUpdateDrafter,
)
from bot.adapters.web.statuspage import StatusPageRenderer
from bot.adapters.webhooks import HttpWebhookSender
from bot.alerts.service import AlertService
from bot.api_tokens import TokenService
from bot.audit import AuditService, Surface, via
from bot.category_advice import CategoryAdvisor
from bot.closing import ClosingCheck, ClosingService
from bot.config import Policy, load_policy
from bot.errors import ConfigError
from bot.exports import ExportService
from bot.incidents import ROOM_LEASE, IncidentService
from bot.insights.service import InsightsService
from bot.oncall.load_service import LoadService
from bot.oncall.paging import PagingService
from bot.oncall.service import OncallService
from bot.ports import Clock, Drafter, IssueTracker
from bot.postmortem.service import DRAFT_LEASE, PostmortemService
from bot.problems import ProblemService
from bot.rooms import RoomService
from bot.runbooks import RunbookService
from bot.scheduling.service import SchedulerService
from bot.search import SearchService
from bot.settings import Settings, load_settings
from bot.similar import SimilarService
from bot.statuspage.service import StatusPageService
from bot.timeline import TimelineService
from bot.update_entries import Update
from bot.updates import UpdateService
from bot.webhooks.service import WebhookService
from handlers import cli
from handlers.api import RestApi
from handlers.deps import Background, ContextExecutor, Deps
from handlers.feeds import Feeds, feed_token
from handlers.http import HttpServer, Wsgi, make_wsgi
from handlers.status_page import StatusPageRoute
from handlers.webhooks import Webhooks, secrets_of

if TYPE_CHECKING:
    from sandbox.run import Sandbox

log = logging.getLogger("sitrep")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Sitrep:
    """A built application: what the server, the tests and the benchmarks run."""

    bolt: App
    engine: Engine
    deps: Deps
    executors: tuple[ThreadPoolExecutor, ...]
    webhooks: Webhooks
    status_page: StatusPageRoute
    metrics: Metrics
    # Checks Slack's request signatures (None in Socket Mode, where none come over HTTP).
    signatures: SignatureVerifier | None = None
    feeds: Feeds | None = None
    api: RestApi | None = None
    scheduler: BackgroundScheduler | None = None
    # Incident events out to the policy's endpoints (None when it names none).
    outgoing: WebhookService | None = None

    def wsgi(self, *, slack: bool = True) -> Wsgi:
        """The HTTP face: Slack's requests (unless they come by Socket Mode), alert
        webhooks, the status page, the calendar feeds, the health check."""
        return make_wsgi(
            self.bolt,
            self.engine,
            self.webhooks,
            slack=self.signatures if slack else None,
            status_page=self.status_page,
            feeds=self.feeds,
            api=self.api,
            metrics=self.metrics,
        )

    def recover(self, grace: timedelta = ROOM_LEASE) -> None:
        """Finishes what a process that died after acknowledging left undone: rooms not
        opened, changes not posted."""
        with via(Surface.SCHEDULER):
            self.deps.rooms.open_missing_rooms(grace)
            self.deps.rooms.post_missing_entries(grace)

    def draft_missing(self) -> None:
        """Drafts the post-mortems a process that died after a resolution left undrafted."""
        with via(Surface.SCHEDULER):
            self.deps.postmortems.draft_missing()

    def tick(self) -> None:
        """Queues the notices now due and sends those queued, each once."""
        with via(Surface.SCHEDULER):
            self.deps.schedule.tick()

    def send_webhooks(self) -> None:
        """Plans the events each outgoing webhook is owed and sends them, at least once."""
        if self.outgoing is not None:
            self.outgoing.tick()

    def close(self, timeout: float | None = None) -> bool:
        """Stops gracefully: the periodic jobs finish the sends they claimed, the workers
        the work started after acknowledgements. False when that outlasted `timeout`
        seconds (what was left is recovered by another replica, or this one restarted)."""
        done = threading.Event()

        def finish() -> None:
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=True)
            for executor in self.executors:
                executor.shutdown(wait=True)
            done.set()

        threading.Thread(target=finish, name="sitrep-close", daemon=True).start()
        if not done.wait(timeout):
            return False
        self.engine.dispose()
        return True


def build(settings: Settings, policy: Policy, *, clock: Clock = utc_now) -> Sitrep:
    """Wires every concrete class together: the only place that knows them all. A setting
    that keeps Sitrep from working raises ConfigError naming it."""
    settings.require_slack()
    assert settings.slack_bot_token is not None
    # Request, worker and scheduler threads each hold one connection at a time.
    connections = settings.sitrep_http_threads + settings.sitrep_worker_threads + 2
    engine = make_engine(
        settings.database_url,
        connections=connections,
        connect_timeout=settings.sitrep_db_connect_timeout,
        answer_timeout=settings.sitrep_db_answer_timeout,
    )
    metrics = Metrics()
    try:
        prepare_database(engine, migrate_schema=settings.sitrep_migrate_on_start)
        client = make_client(
            settings.slack_bot_token.get_secret_value(),
            settings.slack_api_url,
            on_error=metrics.slack_api_error,
            timeout=settings.sitrep_slack_timeout,
        )
        store = SqlIncidentStore(engine)
        item_store = SqlActionItemStore(engine)
        postmortem_store = SqlPostmortemStore(engine)
        closing_check = ClosingCheck(postmortem_store, item_store, policy)
        incidents = IncidentService(store, policy, clock, checklist=closing_check)
        documents = SlackDocuments(client)
        audit = AuditService(
            SqlAuditLog(engine),
            incidents.permissions,
            clock,
            documents=documents,
            zone=ZoneInfo(policy.timezone),
        )
        problems = ProblemService(
            SqlProblemStore(engine),
            incidents,
            clock,
            {s.name: s.team for s in policy.services},
        )
        similar = SimilarService(SqlSimilarIndex(engine), incidents, policy)
        templates = Templates(policy.timezone)
        # Drafting with Claude and exporting to Jira can take minutes: their own threads, so
        # acknowledged work (channels, announcements) never waits behind them, and enough
        # of them that an export rarely waits behind a draft.
        drafting = ContextExecutor(max_workers=4, thread_name_prefix="sitrep-slow")
        advisor = CategoryAdvisor(incidents, _classifier(settings, templates), policy)

        def advise_later(incident_id: int) -> None:
            """The model's category, off the room's opening: a model call takes seconds.
            Posted by a refresh once the room is open (else by the recovery job)."""

            def advise() -> None:
                if advisor.advise(incident_id) and incidents.get(incident_id).room_opened_at:
                    rooms.refresh(incident_id)

            Background(drafting).run(advise, f"suggesting a category for incident {incident_id}")

        oncall = OncallService(
            SqlOverrideStore(engine),
            SqlRotationStore(engine),
            SlackPeople(client),
            policy,
            clock,
        )
        # Its own client, as the scheduler's: a page is sent by whoever holds its lease.
        notifier = SlackNotifier(
            make_client(
                settings.slack_bot_token.get_secret_value(),
                settings.slack_api_url,
                wait_out_rate_limits=False,
                on_error=metrics.slack_api_error,
                timeout=settings.sitrep_slack_timeout,
            ),
            policy,
            clock,
        )

        page_store = SqlPageStore(engine)
        paging = PagingService(
            page_store,
            incidents,
            oncall,
            notifier,
            policy,
            clock,
            invite=lambda incident_id, user: rooms.invite(incident_id, user),
            # Pages go out at once rather than at the next tick (the outbox sends each once).
            send=lambda: schedule.send(),
            refresh=lambda incident_id: rooms.refresh(incident_id),
        )
        rooms = RoomService(
            incidents,
            SlackRooms(client, policy, clock),
            policy,
            greeters=(problems.check_recurrence, similar.suggest, paging.page_incident)
            + ((advise_later,) if advisor.enabled else ()),
            # The channel's change posts go through the outbox, sent at once.
            send=lambda: schedule.send(),
        )
        postmortems = PostmortemService(
            incidents,
            rooms,
            postmortem_store,
            drafter=_drafter(settings, templates),
            renderer=MarkdownRenderer(templates),
            documents=documents,
            policy=policy,
            clock=clock,
            prompt_tokens=settings.sitrep_ai_prompt_tokens,
            # A claim outlives the longest model call, with its retries.
            lease=max(
                DRAFT_LEASE,
                timedelta(seconds=settings.sitrep_ai_timeout * (settings.sitrep_ai_max_retries + 1))
                + timedelta(minutes=1),
            ),
            items=item_store,
            similar=similar.find,
            checklist=closing_check,
        )
        action_items = ActionItemService(item_store, incidents, postmortem_store, policy, clock)
        insights_store = SqlInsightsStore(engine)
        load = LoadService(page_store, insights_store, oncall, policy, clock)
        insights = InsightsService(
            insights_store,
            lambda: action_items.report(None),
            MatplotlibCharts(),
            documents,
            policy,
            clock,
            oncall=load.between,
        )
        alert_store = SqlAlertStore(engine)
        runbooks = RunbookService(
            incidents,
            policy.runbooks,
            read_runbooks(policy, runbooks_folder(policy, settings.sitrep_config)),
            lambda incident_id: [
                row.labels.get("alertname", "") for row in alert_store.alerts(incident_id)
            ],
            policy.categories,
        )
        alerts = AlertService(alert_store, incidents, policy, clock, runbooks=runbooks)
        outbox = SqlOutboxStore(engine)
        metrics.watch_outbox(outbox.backlog, clock)
        schedule = SchedulerService(
            outbox,
            incidents,
            # Its own client: a sender holds a lease and must not sleep through a 429.
            notifier,
            policy,
            clock,
            lease=timedelta(seconds=settings.sitrep_outbox_lease_seconds),
            insights=insights,
            triage=alerts.pending_triage,
            paging=paging,
            burnout=load.burnout_due,
        )
        executor = ContextExecutor(
            max_workers=settings.sitrep_worker_threads, thread_name_prefix="sitrep-worker"
        )
        status_page = StatusPageService(SqlStatusPageStore(engine), policy, clock)
        deps = Deps(
            audit=audit,
            incidents=incidents,
            timeline=TimelineService(store, clock),
            rooms=rooms,
            postmortems=postmortems,
            schedule=schedule,
            background=Background(drafting),
            after_ack=Background(executor),
            action_items=action_items,
            exports=ExportService(action_items, incidents, _tracker(settings)),
            insights=insights,
            search=SearchService(SqlSearchIndex(engine), incidents, policy.timezone),
            runbooks=runbooks,
            similar=similar,
            problems=problems,
            closing=ClosingService(incidents, closing_check, problems, policy),
            oncall=oncall,
            paging=paging,
            load=load,
            updates=UpdateService(
                incidents,
                SqlSubscriptionStore(engine),
                clock,
                drafter=_update_drafter(settings, templates, incidents),
            ),
            status_page=status_page,
            tokens=TokenService(SqlTokenStore(engine), clock, incidents.permissions),
            policy=policy,
            clock=clock,
        )
        webhooks = Webhooks(deps, alerts, secrets_of(policy), client)
        outgoing = _outgoing(engine, policy, clock)
        feeds = Feeds(deps.oncall, feed_token(policy))
        bolt = _bolt_app(settings, client, executor)
    except ConfigError:
        engine.dispose()
        raise
    handlers.register(bolt, deps, alerts)
    route = StatusPageRoute(
        status_page.page,
        StatusPageRenderer(),
        policy.status_page.title,
        policy.status_page.cache_seconds,
    )
    return Sitrep(
        bolt=bolt,
        engine=engine,
        deps=deps,
        executors=(executor, drafting),
        webhooks=webhooks,
        feeds=feeds,
        status_page=route,
        outgoing=outgoing,
        api=RestApi(deps, deps.tokens, _version()),
        metrics=metrics,
        signatures=_signatures(settings),
    )


def _signatures(settings: Settings) -> SignatureVerifier | None:
    secret = settings.slack_signing_secret
    if settings.socket_mode or secret is None:
        return None
    return SignatureVerifier(secret.get_secret_value())


def _version() -> str:
    try:
        return importlib.metadata.version("sitrep")
    except importlib.metadata.PackageNotFoundError:
        return "unreleased"


def _claude(
    settings: Settings, *, timeout: float | None = None, max_retries: int | None = None
) -> anthropic.Anthropic | None:
    """A client of Claude's API when a key is set (the settings' timeout and retries unless
    given); None without one."""
    key = settings.anthropic_api_key
    if key is None or not key.get_secret_value().strip():
        return None
    return claude.make_client(
        key.get_secret_value(),
        settings.anthropic_base_url,
        timeout=settings.sitrep_ai_timeout if timeout is None else timeout,
        max_retries=settings.sitrep_ai_max_retries if max_retries is None else max_retries,
    )


def _drafter(settings: Settings, templates: Templates) -> Drafter | None:
    """Claude writes post-mortem narratives when a key is set; without one, the template."""
    client = _claude(settings)
    if client is None:
        return None
    return claude.ClaudeDrafter(
        client,
        templates,
        model=settings.sitrep_ai_model,
        max_tokens=settings.sitrep_ai_output_tokens,
    )


def _classifier(settings: Settings, templates: Templates) -> claude.ClaudeClassifier | None:
    """Claude suggests categories too when a key is set; without one, keywords alone."""
    client = _claude(settings) if settings.sitrep_ai_categories else None
    if client is None:
        return None
    return claude.ClaudeClassifier(client, templates, model=settings.sitrep_ai_model)


def _update_drafter(
    settings: Settings, templates: Templates, incidents: IncidentService
) -> Callable[[int], Update | None] | None:
    """With a key, Claude drafts status updates from the latest timeline. A draft must
    arrive while the person is still at the form: a short timeout, no retries."""
    client = _claude(
        settings, timeout=min(settings.sitrep_ai_timeout, UPDATE_DRAFT_TIMEOUT), max_retries=0
    )
    if client is None:
        return None
    drafter = ClaudeUpdateDrafter(client, templates, model=settings.sitrep_ai_model)
    return lambda incident_id: drafter.draft(
        incidents.get(incident_id), incidents.timeline(incident_id, limit=UPDATE_DRAFT_ENTRIES)
    )


def _outgoing(engine: Engine, policy: Policy, clock: Clock) -> WebhookService | None:
    """Outgoing webhooks, when the policy names endpoints; their secrets are read now, so a
    missing environment variable stops start-up."""
    settings = policy.outgoing_webhooks
    if not settings.endpoints:
        return None
    secrets = {e.name: e.read_secret(os.environ) for e in settings.endpoints}
    sender = HttpWebhookSender(timeout=settings.timeout_seconds)
    outgoing = WebhookService(SqlWebhookStore(engine), sender, policy, secrets, clock)
    outgoing.register()
    return outgoing


def _tracker(settings: Settings) -> IssueTracker | None:
    """Jira, when it is configured: action items can then be exported as issues."""
    if not settings.jira_configured:
        return None
    assert settings.jira_url and settings.jira_email and settings.jira_project
    assert settings.jira_api_token is not None
    return JiraTracker(
        settings.jira_url,
        settings.jira_email,
        settings.jira_api_token.get_secret_value(),
        settings.jira_project,
        settings.jira_issue_type,
    )


def _bolt_app(settings: Settings, client: WebClient, executor: ThreadPoolExecutor) -> App:
    """The Bolt app; it checks the token with auth.test, so Slack problems show here."""
    secret = settings.slack_signing_secret
    try:
        return App(
            client=client,
            signing_secret=secret.get_secret_value() if secret else None,
            request_verification_enabled=not settings.socket_mode,
            # Listeners finish their (fast) database write before Slack gets its 200, so an
            # acknowledged event is a stored event; slow work runs in lazy listeners.
            process_before_response=True,
            listener_executor=executor,
        )
    except (BoltError, SlackApiError, OSError) as error:
        raise ConfigError(_slack_problem(error)) from None


def _slack_problem(error: Exception) -> str:
    text = str(error)
    if isinstance(error, OSError):
        return f"SLACK_API_URL: can't reach Slack: {text}"
    for code in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        if code in text:
            return f"SLACK_BOT_TOKEN: Slack rejected it ({code})."
    return f"SLACK_BOT_TOKEN: Slack refused to start: {text.splitlines()[0] if text else error!r}"


def main(argv: list[str]) -> int:
    args = cli.arguments(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        if args.command is not None and args.command != "run":
            return cli.run_tool(args, settings)
        # `python app.py` with no Slack token tries Sitrep out; `app.py run` (production,
        # the container) means Slack, and stops naming what is missing.
        if args.sandbox or (args.command is None and settings.slack_bot_token is None):
            return _run_sandbox(settings, demo=args.demo)
        if args.demo:
            raise ConfigError("--demo goes with the sandbox: add --sandbox.")
        sitrep = build(settings, load_policy(settings.sitrep_config))
    except ConfigError as error:
        print(f"sitrep: {error}", file=sys.stderr)
        return 2
    if settings.sitrep_scheduler:
        sitrep.scheduler = _start_scheduler(sitrep, settings)
    return _serve(sitrep, settings)


def _start_scheduler(sitrep: Sitrep, settings: Settings) -> BackgroundScheduler:
    """Short periodic ticks in every replica; what is due is decided from the database, so
    nothing durable lives in the scheduler and replicas never double up."""
    scheduler = BackgroundScheduler(timezone=UTC)

    def started(event: JobSubmissionEvent) -> None:
        late = utc_now() - max(event.scheduled_run_times)
        sitrep.metrics.job_started(event.job_id, late.total_seconds())

    scheduler.add_listener(started, EVENT_JOB_SUBMITTED)
    scheduler.add_job(
        sitrep.tick,
        "interval",
        seconds=settings.sitrep_tick_seconds,
        id="send-due-notices",
        max_instances=1,
        coalesce=True,
    )
    if sitrep.outgoing is not None:
        # Its own job: a slow receiver never holds Slack notices or pages back.
        scheduler.add_job(
            sitrep.send_webhooks, "interval", seconds=settings.sitrep_tick_seconds,
            id="outgoing-webhooks", max_instances=1, coalesce=True,
        )  # fmt: skip
    for job, name in ((sitrep.recover, "open-missing-rooms"), (sitrep.draft_missing, "drafts")):
        # A draft may wait minutes on Claude: its own job, so rooms are never held up.
        scheduler.add_job(
            job, "interval", minutes=1, id=name, next_run_time=utc_now(), max_instances=1,
            coalesce=True,
        )  # fmt: skip
    scheduler.start()
    return scheduler


def _serve(sitrep: Sitrep, settings: Settings) -> int:
    if settings.socket_mode:
        return _run_socket_mode(sitrep, settings)
    limit = settings.sitrep_shutdown_seconds
    server = HttpServer(
        sitrep.wsgi(),
        settings.host,
        settings.port,
        threads=settings.sitrep_http_threads,
        drain_seconds=limit,
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.stop())
    log.info("Sitrep is listening on http://%s:%s/slack/events", settings.host, server.port)
    warming = threading.Thread(target=_warm_up, args=(sitrep,), name="sitrep-warm-up")
    warming.start()
    server.serve()
    warming.join(timeout=limit)  # not cut short mid-import by the interpreter's exit
    # Then the work started after acknowledgements and the claimed sends, within the limit.
    left = limit - (time.monotonic() - (server.stopped_at or time.monotonic()))
    return _stopped(sitrep.close(timeout=max(0.0, left)), limit)


def _warm_up(sitrep: Sitrep) -> None:
    """Done while the first requests are served, so the first `/incident stats` after a
    start answers as fast as the next: the recent incidents read, the chart library loaded."""
    began = time.monotonic()
    try:
        read = sitrep.deps.insights.warm_up()
    except Exception:  # the first answer reads and draws for itself
        log.exception("warming up the insights failed")
        return
    log.info("warmed up in %.1f s (%d incidents read ahead)", time.monotonic() - began, read)


def _stopped(finished: bool, limit: float) -> int:
    """0 when everything under way was finished; otherwise exits at once with 1, leaving
    the unfinished work (threads still in Slack calls) to recovery."""
    if finished:
        log.info("Sitrep stopped")
        return 0
    log.warning(
        "Sitrep stopped after SITREP_SHUTDOWN_SECONDS=%s with work unfinished: the recovery "
        "jobs of the next replica to run finish it",
        limit,
    )
    logging.shutdown()
    os._exit(1)


def _run_sandbox(settings: Settings, *, demo: bool = False) -> int:
    """The bot against a local Slack-compatible API, with a page that plays Slack's client."""
    from sandbox.run import Sandbox

    box = Sandbox.for_settings(settings).start()
    try:
        settings = box.settings(settings)
        policy = box.policy(load_policy(settings.sitrep_config))
        sitrep = build(settings, policy)
        load_demo = sandbox_demo(settings, policy, box, sitrep)
        if demo:
            print("Sitrep sandbox: loading the demo data…", flush=True)
            log.info("sandbox: %d demo incidents loaded", load_demo())
    except ConfigError:
        box.stop()
        raise
    if settings.sitrep_scheduler:
        sitrep.scheduler = _start_scheduler(sitrep, settings)
    limit = settings.sitrep_shutdown_seconds
    server = HttpServer(
        box.wsgi(sitrep.wsgi(), demo=load_demo),
        settings.host,
        settings.port,
        threads=settings.sitrep_http_threads,
        drain_seconds=limit,
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.stop())
    print(f"Sitrep sandbox (no Slack needed): open {box.listening(server.port)}", flush=True)
    server.serve()
    # Bounded as in production: a model call can outlast any patience.
    left = limit - (time.monotonic() - (server.stopped_at or time.monotonic()))
    finished = sitrep.close(timeout=max(0.0, left))
    box.stop()
    return _stopped(finished, limit)


def sandbox_demo(
    settings: Settings, policy: Policy, box: "Sandbox", sitrep: Sitrep
) -> Callable[[], int]:
    """Loads the sandbox's demo data (returning how many incidents it added): through the
    bot built again on the same database and sandbox, its clock set back to each incident's
    moment, without a model (post-mortems from the template). The running bot's periodic
    jobs wait meanwhile, so none acts on a half-told incident."""
    from sandbox.demo import DemoClock, DemoLoader

    quiet = settings.model_copy(update={"anthropic_api_key": None, "sitrep_scheduler": False})

    def load() -> int:
        clock = DemoClock()
        demo = build(quiet, policy, clock=clock)
        if sitrep.scheduler is not None:
            sitrep.scheduler.pause()
        try:
            return DemoLoader(demo.deps, box.slack, clock, policy).load()
        finally:
            if sitrep.scheduler is not None:
                sitrep.scheduler.resume()
            demo.close()

    return load


def _run_socket_mode(sitrep: Sitrep, settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert settings.slack_app_token is not None
    handler = SocketModeHandler(
        sitrep.bolt, settings.slack_app_token.get_secret_value(), web_client=sitrep.bolt.client
    )
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    log.info("Sitrep is connecting to Slack in Socket Mode")
    handler.connect()  # type: ignore[no-untyped-call]
    # The status page, alert webhooks, calendar feeds and the health check still come over
    # HTTP; Slack's requests don't.
    server = HttpServer(sitrep.wsgi(slack=False), settings.host, settings.port, threads=4)
    threading.Thread(target=server.serve, name="sitrep-http", daemon=True).start()
    log.info("status page and webhooks on http://%s:%s", settings.host, server.port)
    stopping.wait()
    stopped = time.monotonic()
    server.stop()
    handler.close()  # type: ignore[no-untyped-call]
    limit = settings.sitrep_shutdown_seconds
    left = limit - (time.monotonic() - stopped)
    return _stopped(sitrep.close(timeout=max(0.0, left)), limit)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
