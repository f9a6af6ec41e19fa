"""Failure modes: what went wrong, as opposed to where (the category). Two incidents with
the same failure mode are worth comparing however differently they were worded: "FATAL:
sorry, too many clients already" and "PgBouncer max_client_conn reached" are one failure.

Each mode is recognised by its signs: phrases and log strings responders write. The
defaults cover common failures; a policy file's `[[failure_modes]]` replaces them. Pure:
no I/O."""

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from models import Incident

Sign = Annotated[str, Field(min_length=2, max_length=80)]
_NOT_WORD: Final = re.compile(r"[^a-z0-9]+")
_CAMEL: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class FailureMode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9 _-]{0,39}$")]
    # Phrases, whole words, any case; punctuation counts as a space (`x509: certificate`
    # is `x509 certificate`) and a word may take a plural `s`.
    signs: Annotated[tuple[Sign, ...], Field(min_length=1)]


def _mode(name: str, signs: str) -> FailureMode:
    return FailureMode(name=name, signs=tuple(sign.strip() for sign in signs.split(";")))


DEFAULT_FAILURE_MODES: Final = (
    _mode(
        "disk full",
        "no space left on device; no space left; disk full; disk is full; out of disk; disk "
        "pressure; diskpressure; disk at; disk usage; disk space; low disk space; disk "
        "filling; filling the disk; filling local disk; filled up; filling up; volume full; "
        "volume at; volume is full; log volume; enospc; edquot; disk quota exceeded; errcode "
        "28; inode; inodes; flood stage; watermark; logrotate; log rotation; read only file "
        "system; var log; filesystem full; file system full; partition full; root partition; "
        "out of space; ran out of space; storage full; pvc full",
    ),
    _mode(
        "connection pool exhausted",
        "too many clients; too many connections; connection pool; pool exhausted; pool is "
        "exhausted; pool limit; pool size; pool timeout; max pool size; queuepool; max client "
        "conn; max connections; max user connections; connections maxed; connection slots; "
        "remaining connection slots are reserved; connection limit; cl waiting; pgbouncer; "
        "hikaricp; hikari; connection is not available; could not obtain connection; cannot "
        "get a connection; unable to acquire connection; waiting for a connection; "
        "connections refused; out of connections; all connections in use; leaked connections; "
        "connection leak; max open conns; setmaxopenconns; error 1040",
    ),
    _mode(
        "threads exhausted",
        "thread pool; threadpool; thread pool exhausted; worker threads; all workers busy; no "
        "idle workers; worker pool; max workers; request queue; rejectedexecutionexception; "
        "puma; unicorn; gunicorn workers; php fpm; pm max children; max children; server "
        "reached pm max children",
    ),
    _mode(
        "file descriptors exhausted",
        "too many open files; emfile; file descriptor; file descriptors; ulimit; nofile; open "
        "files limit",
    ),
    _mode(
        "replication lag",
        "replication lag; replica lag; replica lagging; replica behind; replica is; read "
        "replica; replica delay; replica out of sync; standby behind; behind the primary; "
        "behind primary; behind master; seconds behind master; seconds behind source; "
        "replication delay; replication stopped; replication broken; slave lag; slave behind; "
        "lagging replica; lagging behind; stale reads; read after write; wal; binlog; "
        "replication slot; min behind; minutes behind; hours behind",
    ),
    _mode(
        "overlapping runs",
        "ran twice; run twice; twice; double counting; double counted; double charged; "
        "charged twice; processed twice; sent twice; duplicate rows; duplicated rows; "
        "overlap; overlapping; ran concurrently; concurrent runs; same job; before it "
        "finished; still running; previous run; two runs; two scheduler; two instances of the "
        "job; counts doubled; doubled up",
    ),
    _mode(
        "payment provider outage",
        "payment processor; processor; card processor; acquirer; payment gateway; psp; "
        "authorisations failing; authorizations failing; declines; decline rate; payment "
        "webhooks",
    ),
    _mode(
        "identity provider outage",
        "identity provider; idp; okta; auth0; azure ad; entra; sso; saml; token exchange; "
        "token endpoint; oauth callback; sign in with google; nobody can log in; can t log "
        "in; cannot log in; can t sign in",
    ),
    _mode(
        "certificate expired",
        "certificate has expired; certificate expired; cert expired; expired cert; expired "
        "certificate; cert expiry; certificate expiry; cert date invalid; err cert date "
        "invalid; x509; pkix; certificate verify failed; unable to get local issuer "
        "certificate; sslhandshakeexception; handshake failure; ssl handshake failed; bad "
        "certificate; certificate unknown; ssl certificate; tls certificate; client "
        "certificate; mtls; certificate; cert; certs; intermediate ca; ca bundle; ca "
        "certificate; keystore; truststore; auto renew failed; renewal failed; cert manager; "
        "certbot; acme; letsencrypt; let s encrypt; ocsp",
    ),
    _mode(
        "out of memory",
        "oom; oomkilled; oom killed; oom killer; out of memory; outofmemoryerror; cannot "
        "allocate memory; memory exhausted; allowed memory size; heap out of memory; "
        "javascript heap; java heap; heap space; gc overhead; exit code 137; memory limit; "
        "exceeded memory; memory leak; leaking memory; goroutine leak; memory growing; memory "
        "climbing; rss grows; memoryerror; bad alloc; swapping; memory pressure",
    ),
    _mode(
        "edge configuration change",
        "page rule; edge rule; waf rule; custom rule; cache rule; cache everything; edge "
        "config; cdn config; cdn rule; on the edge; at the edge; origin port; origin shield; "
        "zone setting; minimum tls version; edge configuration; vcl; edge worker",
    ),
    _mode(
        "dns resolution",
        "dns; dnssec; could not resolve; can t resolve; cannot resolve; unable to resolve; "
        "name resolution; name or service not known; nxdomain; servfail; resolver; coredns; "
        "kube dns; ndots; no such host; unknown host; unknownhostexception; host not found; "
        "getaddrinfo; enotfound; eai again; lookup timeouts; temporary failure in name "
        "resolution; nameserver; name server; ns record; hosted zone; private zone; route53; "
        "route 53; resolv conf; dns propagation",
    ),
    _mode(
        "denial of service",
        "ddos; dos attack; botnet; syn flood; http flood; udp flood; amplification; "
        "reflection attack; volumetric; l7 attack; layer 7 attack; spoofed; thousands of ips; "
        "from ips; attack traffic; bot traffic; scraper; scraping; post flood; request flood; "
        "flood of requests",
    ),
    _mode(
        "cold cache",
        "cache flush; flushall; flushdb; cache flushed; cache cleared; cache purge; cache "
        "misses; cache miss; cache hit rate; hit ratio; thundering herd; stampede; cold "
        "cache; came back empty; cache empty; expire together; expired together; same ttl; "
        "dogpile; cache warm",
    ),
    _mode(
        "leaked secret",
        "key exposed; exposed key; exposure notice; leaked key; leaked credentials; leaked "
        "token; leaked secret; public repo; public repository; gist; secret key; api key; "
        "access key; credentials in; in build logs; connection string; pasted; posted in; "
        "committed to; secret scanning; password in logs; secrets in logs",
    ),
    _mode(
        "vpn tunnel",
        "ipsec; site to site; tunnel down; tunnel drops; tunnel flapping; rekey; phase 2; "
        "ike; sessions disconnect; dropped from vpn; vpn flapping; vpn tunnel; tunnel; "
        "wireguard",
    ),
    _mode(
        "clock skew",
        "clock skew; clock drift; clock offset; system clock; time drift; time skew; clocks "
        "out of sync; ntp; ntpd; ntp server; chrony; chronyd; time sync; timesync; leap "
        "second; issued in the future; in the future; iat; skew",
    ),
    _mode(
        "rate limited",
        "rate limit; rate limited; rate limiting; ratelimit; rate limit exceeded; too many "
        "requests; http 429; 429; quota exceeded; quota; usage limit; api limit; request "
        "limit; limit exceeded; retry after",
    ),
    _mode(
        "queue backlog",
        "consumer lag; queue backlog; queue depth; queue growing; consumer group; consumers; "
        "rebalance; rebalancing; max poll interval; poll timeout; commitfailedexception; "
        "offset; offsets; messages piling; messages stuck; not consuming; stopped consuming; "
        "ready messages; unacked; dead letter; dlq; redelivery; prefetch",
    ),
    _mode(
        "expired credentials",
        "password expired; expired password; credentials expired; token expired; token has "
        "expired; expired token; expiredtoken; key expired; secret expired; invalid "
        "credentials; bad credentials; invalid grant; invalid client; unauthorized client; "
        "access denied for user; login failed for user; authentication failed; authentication "
        "failure; auth failed; sasl authentication failed; service account key; key revoked; "
        "password rotation",
    ),
    _mode(
        "port exhaustion",
        "ephemeral port; ephemeral ports; source port; port exhaustion; port allocation; "
        "cannot assign requested address; eaddrnotavail; snat port; nat gateway; cloud nat; "
        "time wait; sockets in time wait; conntrack; nf conntrack",
    ),
    _mode(
        "address exhaustion",
        "ip exhaustion; ip address exhaustion; no free ip; no ip addresses; free addresses; "
        "subnet full; subnet exhausted; out of ips; ipam; failed to allocate ip; cidr "
        "exhausted",
    ),
    _mode(
        "lock contention",
        "deadlock; deadlocks; lock wait; lock waits; lock timeout; lock wait timeout; row "
        "locks; lock contention; blocked queries; waiting for lock",
    ),
    _mode(
        "schema migration",
        "alter table; schema migration; schema change; database migration; metadata lock; "
        "table metadata lock; waiting for table metadata lock; ddl; add column; add index; "
        "create index; gh ost; pt online schema change; table lock; locked the table",
    ),
    _mode(
        "slow query",
        "slow query; slow queries; missing index; full table scan; table scan; seq scan; "
        "sequential scan; query plan; unindexed; queries per request; lazy loaded; n plus 1",
    ),
    _mode(
        "feature flag",
        "feature flag; feature flags; flag flip; flag flipped; flag change; flag default; "
        "flag evaluation; targeting rule; rollout percentage; kill switch; launchdarkly; "
        "unleash; flagsmith",
    ),
    _mode(
        "capacity limit",
        "autoscaling; autoscaler; cluster autoscaler; hpa; max replicas; max nodes; scaling "
        "limit; scale up; insufficient capacity; insufficientinstancecapacity; insufficient "
        "cpu; unschedulable; pending pods; node pool; instance limit; vcpu limit; service "
        "quota",
    ),
    _mode(
        "packet loss",
        "packet loss; dropped packets; packets dropped; mtu; fragmentation; jumbo frames; "
        "retransmits; retransmissions; network partition; interface errors; crc errors; link "
        "down; fibre cut; fiber cut",
    ),
    _mode(
        "lost quorum",
        "split brain; leader election; no leader; lost quorum; quorum; zookeeper; etcd; raft",
    ),
    _mode(
        "hot partition",
        "hot key; hot keys; hot partition; hot shard; skewed partition; partition skew",
    ),
    _mode(
        "license expired",
        "license expired; licence expired; license key; licence key; license; licence; "
        "subscription expired; trial expired",
    ),
)


@cache
def _pattern(signs: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of `signs`, each a whole phrase."""
    phrases = (" ".join(rf"{re.escape(w)}(?:e?s)?" for w in _words(s).split()) for s in signs)
    return re.compile(r"(?<!\S)(?:" + "|".join(phrases) + r")(?!\S)")


def _words(text: str) -> str:
    """`limit: max_client_conn` -> `limit max client conn`."""
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def _haystack(texts: Iterable[str]) -> str:
    """The texts' words, also with camel case split (`DiskPressure` is a sign as
    `disk pressure`, `PgBouncer` as `pgbouncer`); lines apart, so no phrase spans two."""
    return "\n".join(_words(form) for text in texts for form in (text, _CAMEL.sub(" ", text)))


def modes_in(modes: Iterable[FailureMode], *texts: str) -> frozenset[str]:
    """The names of the failure modes `texts` show signs of."""
    words = _haystack(texts)
    return frozenset(mode.name for mode in modes if _pattern(mode.signs).search(words))


def modes_of(modes: Iterable[FailureMode], incident: Incident) -> frozenset[str]:
    """The failure modes an incident's own words show: title, description and, once
    resolved, how it was resolved."""
    return modes_in(modes, incident.title, incident.description, incident.resolution_summary)


def signs_of(modes: Sequence[FailureMode], names: Iterable[str]) -> tuple[str, ...]:
    """Every sign of the modes named, in order, each once: what to look for in the past."""
    wanted = set(names)
    signs: dict[str, None] = {}
    for mode in modes:
        if mode.name in wanted:
            signs.update(dict.fromkeys(mode.signs))
    return tuple(signs)
