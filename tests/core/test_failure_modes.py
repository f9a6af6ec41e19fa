"""Recognising what went wrong from how responders write it. Pure."""

import re
from pathlib import Path

import pytest

from bot.config import Policy, load_policy
from bot.errors import ConfigError
from bot.failure_modes import DEFAULT_FAILURE_MODES, FailureMode, modes_in, signs_of

MODES = DEFAULT_FAILURE_MODES


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("Postgres log: 'FATAL: sorry, too many clients already'", "connection pool exhausted"),
        ("PgBouncer max_client_conn reached", "connection pool exhausted"),
        ("ERROR 1040 (HY000): Too many connections", "connection pool exhausted"),
        ("QueuePool limit of size 10 overflow 5 reached", "connection pool exhausted"),
        ("x509: certificate has expired or is not yet valid", "certificate expired"),
        ("NET::ERR_CERT_DATE_INVALID on the login page", "certificate expired"),
        ("Nodes reporting DiskPressure", "disk full"),
        ("write /data: no space left on device", "disk full"),
        ("search pods CrashLoopBackOff, Last State: OOMKilled", "out of memory"),
        ("pods cycling, exit code 137", "out of memory"),
        ("ETL failing: Name or service not known", "dns resolution"),
        ("Read replica 40 min behind", "replication lag"),
        ("Redis restarted: thundering herd of cache misses", "cold cache"),
    ],
)
def test_log_strings_and_plain_words_show_their_failure_mode(text: str, mode: str) -> None:
    assert mode in modes_in(MODES, text)


# One line per mode added to the first thirty, as responders write or paste them.
@pytest.mark.parametrize(
    ("text", "mode"),
    [
        (
            "Large uploads hang over the GRE tunnel, small ones fine: path MTU blackhole",
            "mtu blackhole",
        ),
        (
            "dmesg on ingress nodes: nf_conntrack: table full, dropping packet",
            "conntrack table full",
        ),
        (
            "Traffic to our /22 rerouted via AS 64500: BGP route leak from a transit peer",
            "bgp route leak",
        ),
        (
            "Private subnets lost 0.0.0.0/0 in the route table after the TGW change",
            "route table change",
        ),
        (
            "Workers can't reach Redis since the security group cache-sg was tightened",
            "firewall rule change",
        ),
        (
            "curl: (35) error:1408F10B:SSL routines:ssl3_get_record:wrong version number",
            "tls protocol mismatch",
        ),
        ("nginx: 400 The plain HTTP request was sent to HTTPS port", "tls protocol mismatch"),
        (
            "status.example.io gone: domain expired at the registrar, auto-renew card stale",
            "domain expired",
        ),
        (
            "T-Mobile clients fail: the AAAA record is an IPv6 address the LB doesn't serve",
            "ipv6 dual stack",
        ),
        (
            "netstat -s: 18342 times the listen queue of a socket overflowed",
            "listen backlog overflow",
        ),
        ("kernel: neighbour: arp_cache: neighbor table overflow!", "arp and layer 2"),
        ("Uploads failing with 'Stale file handle' on the shared NFS mount", "network filesystem"),
        (
            "upstream prematurely closed connection while reading response header",
            "keepalive mismatch",
        ),
        ("Kafka producer: RecordTooLargeException, the message is 1.2 MB", "size limit exceeded"),
        ("nginx: 413 Request Entity Too Large on image upload", "size limit exceeded"),
        (
            "Liveness probe failed: Get http://10.0.3.4:8080/healthz: context deadline exceeded",
            "probe misconfiguration",
        ),
        (
            "Rollout stuck: ErrImagePull toomanyrequests: You have reached your pull rate limit",
            "registry pull failure",
        ),
        (
            'Internal error occurred: failed calling webhook "validate.kyverno.svc"',
            "admission webhook",
        ),
        ("3 nodes NotReady: Kubelet stopped posting node status", "node not ready"),
        (
            "App starts before istio-proxy is ready, first requests get connection refused",
            "sidecar proxy",
        ),
        (
            "502s on every rollout: pods exit on SIGTERM before the target is deregistered",
            "graceful shutdown",
        ),
        (
            "First requests after scale-out take 8 s: JVM cold start, no warmup requests",
            "cold start",
        ),
        (
            "p99 spikes, container_cpu_cfs_throttled_periods_total high, node CPU idle",
            "cpu throttling",
        ),
        (
            "AWS Health Dashboard: increased error rates for EC2 APIs in us-east-1",
            "cloud provider outage",
        ),
        (
            "AccessDenied: assumed-role/export is not authorized to perform: s3:PutObject",
            "iam permissions",
        ),
        (
            "Batch workers lost mid-run: EC2 spot interruption notice on 40% of the fleet",
            "spot preemption",
        ),
        ("DB VM slow: CPU ready at 20% on the ESXi host", "noisy neighbour"),
        (
            "RDS write latency up: BurstBalance for the gp2 volume dropped to 0",
            "iops or burst credits",
        ),
        (
            "DB VM froze 40 s during the Veeam backup: VM stun on snapshot consolidation",
            "vm snapshot stun",
        ),
        ("kernel: blk_update_request: I/O error, dev sdb, sector 123456", "storage io errors"),
        ("Host rebooted: watchdog: BUG: soft lockup - CPU#3 stuck for 22s", "kernel panic"),
        ("bash: fork: retry: Resource temporarily unavailable (pids.max reached)", "process limit"),
        ("java.lang.OutOfMemoryError: unable to create new native thread", "process limit"),
        ("Error: ENOSPC: System limit for number of file watchers reached", "inotify watches"),
        ("Order service stalls 3 s every few minutes: G1 Full GC pauses in the logs", "gc pauses"),
        (
            "Node API freezes: event loop lag 2 s while JSON.parse chews a 50 MB body",
            "event loop blocked",
        ),
        (
            "RecursionError: maximum recursion depth exceeded while calling a Python object",
            "infinite recursion",
        ),
        (
            "CPU 100% on all edge proxies: catastrophic backtracking in the new WAF regex",
            "regex backtracking",
        ),
        ("fatal error: concurrent map writes in the session cache", "race condition"),
        (
            "ImportError from markupsafe: an unpinned transitive dependency moved to 2.1",
            "dependency version",
        ),
        ('no matches for kind "Ingress" in version "extensions/v1beta1"', "dependency version"),
        (
            "Web nodes rebooted at 06:25 by unattended-upgrades installing a new kernel",
            "automatic patching",
        ),
        (
            "Users get ChunkLoadError: Loading chunk 412 failed after the frontend release",
            "stale cached assets",
        ),
        ("ERROR: cannot execute INSERT in a read-only transaction", "database failover"),
        (
            'WARNING: database "app" must be vacuumed within 1000000 transactions',
            "vacuum and wraparound",
        ),
        (
            "Inserts failing: ERROR: integer out of range on orders.id (2147483647)",
            "integer overflow",
        ),
        (
            "Incorrect string value: '\\xF0\\x9F\\x98\\x80' for column 'name' at row 1",
            "character encoding",
        ),
        (
            "Hadoop jobs failing: GSS initiate failed, keytab for the hive principal stale",
            "kerberos ldap",
        ),
        (
            "Cassandra reads timing out: Scanned over 100001 tombstones during query",
            "compaction and tombstones",
        ),
        (
            "ClickHouse: Too many parts (300). Merges are processing significantly slower",
            "compaction and tombstones",
        ),
        (
            "Elasticsearch cluster status RED, 14 unassigned shards after node loss",
            "search cluster red",
        ),
        ("Redis: OOM command not allowed when used memory > 'maxmemory'", "cache memory full"),
        ("RabbitMQ memory alarm set, publishers blocked", "broker flow control"),
        ("Kafka: UnderReplicatedPartitions=120 after broker-3 restart", "kafka under replicated"),
        (
            "Consumer stuck on one malformed message, redelivered forever: poison message",
            "poison message",
        ),
        (
            "Pipeline failing since the vendor added a column: schema mismatch in Parquet",
            "schema drift",
        ),
        ("Finance dashboard stale: freshness check failed on the CRM export", "data freshness"),
        (
            "Nightly invoice CronJob did not run: too many missed start times",
            "scheduled job missed",
        ),
        ("Auth overwhelmed after a 2-minute blip: clients retrying with no backoff", "retry storm"),
        (
            "One pod takes 80% of gRPC traffic: long-lived connections, uneven load",
            "load imbalance",
        ),
        (
            "Browser console: blocked by CORS policy: No 'Access-Control-Allow-Origin' header",
            "cors",
        ),
        ("Users randomly logged out: session cookie lacks SameSite=None", "session cookies"),
        (
            "Customers saw other users' account pages: CDN cached responses with Set-Cookie",
            "cross user data",
        ),
        (
            "ERR_TOO_MANY_REDIRECTS on login after switching Cloudflare to Flexible SSL",
            "redirect loop",
        ),
        (
            "JPY refunds off by a factor of 100: zero-decimal currency sent in minor units",
            "money rounding",
        ),
        (
            "Scheduled reports ran twice on Sunday: daylight saving time change at 02:00",
            "time zone dst",
        ),
        ("Billing job crashed on renewals: day is out of range for month", "calendar date bug"),
        (
            "Users in Germany blocked as US: GeoIP database (GeoLite2) not updated since March",
            "geoip data",
        ),
        (
            "Gmail rejects our mail: 550 5.7.26 unauthenticated email, no DKIM signature",
            "email deliverability",
        ),
        (
            "Login OTP SMS not arriving in India, Twilio error 30007 carrier filtering",
            "sms provider",
        ),
        (
            "iOS push notifications failing: APNs returns BadDeviceToken for every device",
            "push notifications",
        ),
        (
            "Android 5.2.0 crashes on login; halted the staged rollout on Google Play",
            "mobile app release",
        ),
        (
            "Partners miss events: webhook deliveries fail signature verification",
            "webhook delivery",
        ),
        (
            "Credential stuffing against /login: 2M attempts from residential proxies",
            "fraud and abuse",
        ),
        (
            "Log4Shell exploitation attempts against the search service, CVE-2021-44228",
            "security vulnerability",
        ),
        (
            "Video uploads stuck: ffmpeg transcoding jobs failing on HEVC input",
            "transcoding failure",
        ),
        (
            "Live stream viewers see rebuffering: HLS playlist m3u8 missing segments",
            "video playback",
        ),
        ("Widevine DRM license requests failing, playback won't start on Chrome", "video playback"),
        (
            "Engineer ran DROP TABLE on production instead of staging, restoring via PITR",
            "accidental deletion",
        ),
        ("Nightly pgBackRest backup failed for 9 days without alerting", "backup failure"),
        (
            "terraform apply replaced the prod load balancer: 'forces replacement' missed",
            "infra as code change",
        ),
        ("All services failing to start: Vault is sealed after the storage outage", "vault or kms"),
        (
            "Decrypt errors: KMS key pending deletion was used by the payments bucket",
            "vault or kms",
        ),
        ("Deploys blocked: jobs waiting for a runner, self-hosted runners offline", "ci runners"),
        ("AWS cost anomaly: NAT gateway data transfer costs tripled overnight", "cloud cost spike"),
        (
            "Datadog log ingestion up 10x: debug log level left on in the API",
            "log or metrics volume",
        ),
        ("Prometheus OOM: cardinality explosion from a user_id label", "log or metrics volume"),
        (
            "Marketing email to 4M users at once; checkout overwhelmed by campaign traffic",
            "planned traffic surge",
        ),
        ("Staging load test pointed at prod by mistake: k6 at 5k rps", "planned traffic surge"),
        # More log strings of the first modes.
        ("accept4() failed (24: Too many open files in system)", "file descriptors exhausted"),
        ("java.lang.OutOfMemoryError: Metaspace", "out of memory"),
        ("Deadlock found when trying to get lock; try restarting transaction", "lock contention"),
        ("Redis: ERR max number of clients reached", "connection pool exhausted"),
        ("0/40 nodes are available: 40 Insufficient cpu", "capacity limit"),
        ("An error occurred (ThrottlingException) when calling DescribeInstances", "rate limited"),
        ("The security token included in the request is expired", "expired credentials"),
        ("x509: certificate signed by unknown authority", "certificate expired"),
        (
            "InsufficientFreeAddressesInSubnet when launching nodes in subnet-0a1",
            "address exhaustion",
        ),
        ("Cassandra: Cannot achieve consistency level QUORUM", "lost quorum"),
        (
            "Emails sent twice: the cron job had concurrencyPolicy Allow and overlapped",
            "overlapping runs",
        ),
        ("DynamoDB ProvisionedThroughputExceededException on one partition key", "hot partition"),
    ],
)
def test_more_failure_modes_are_recognised(text: str, mode: str) -> None:
    assert mode in modes_in(MODES, text)


# Ordinary incident titles and channel chatter: a symptom, a place or a fix, not what
# went wrong.
@pytest.mark.parametrize(
    "text",
    [
        "Checkout 500s after the release",
        "Search slow for EU users",
        "Mobile app crashes on launch",
        "API latency up after deploy",
        "Elevated error rate on the orders service",
        "Upgrade of the orders service failed",
        "Timeouts calling the recommendations service",
        "Dashboard down for all customers",
        "Rolled back the release; root cause under investigation",
        "We failed over to us-west-2, errors stopped",
        "Paged twice overnight; pasted the stack trace in the channel",
    ],
)
def test_symptoms_alone_show_no_failure_mode(text: str) -> None:
    assert modes_in(MODES, text) == frozenset()


GENERIC = {"timeout", "500", "latency", "errors", "error", "down", "slow", "failed", "upgrade"}
GENERIC |= {"deploy", "release", "outage", "crash", "bug", "restart", "rollback", "incident"}


def test_default_modes_are_named_once_with_distinct_signs_none_generic() -> None:
    names = [mode.name for mode in MODES]
    assert len(names) == len(set(names))
    for mode in MODES:
        words = [" ".join(re.findall("[a-z0-9]+", sign.casefold())) for sign in mode.signs]
        assert len(words) == len(set(words)), mode.name
        assert not GENERIC & set(words), mode.name


def test_every_default_sign_shows_its_mode_also_plural_or_camel_case() -> None:
    for mode in MODES:
        for sign in mode.signs:
            words = re.findall("[a-z0-9]+", sign.casefold())
            texts = [sign, "seen: " + " ".join(f"{word}s" for word in words) + "."]
            if all(word.isalpha() and len(word) > 1 for word in words):
                texts.append("".join(word.capitalize() for word in words))
            for text in texts:
                assert mode.name in modes_in(MODES, "intro", text), (mode.name, text)


def test_signs_are_whole_words_in_any_case_punctuation_or_plural() -> None:
    assert modes_in(MODES, "CERTS rotated") >= {"certificate expired"}
    assert "certificate expired" not in modes_in(MODES, "Certification exam portal down")
    assert "disk full" not in modes_in(MODES, "diskful")  # not a word of any sign
    # A phrase never spans two texts.
    assert "connection pool exhausted" not in modes_in(MODES, "too many", "clients")


def test_nothing_shown_is_no_failure_mode() -> None:
    assert modes_in(MODES, "Checkout 500s after the release", "KeyError in the serializer") == (
        frozenset()
    )


def test_signs_of_the_modes_named_each_once_in_order() -> None:
    modes = (
        FailureMode(name="one", signs=("a b", "c d")),
        FailureMode(name="two", signs=("c d", "e f")),
        FailureMode(name="three", signs=("g h",)),
    )
    assert signs_of(modes, {"two", "one"}) == ("a b", "c d", "e f")
    assert signs_of(modes, ()) == ()


def test_a_policy_file_replaces_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[[failure_modes]]\nname = "flaky vendor"\nsigns = ["acme api", "acme"]\n')
    policy = load_policy(path)
    assert [m.name for m in policy.failure_modes] == ["flaky vendor"]
    assert modes_in(policy.failure_modes, "ACME API timing out") == {"flaky vendor"}
    assert Policy().failure_modes == MODES


def test_a_failure_mode_without_signs_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[[failure_modes]]\nname = "empty"\nsigns = []\n')
    with pytest.raises(ConfigError, match="failure_modes"):
        load_policy(path)
