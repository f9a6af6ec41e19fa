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

from bot.categories import CAMEL_HUMPS
from models import Incident

Sign = Annotated[str, Field(min_length=2, max_length=80)]
_NOT_WORD: Final = re.compile(r"[^a-z0-9]+")


class FailureMode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9 _-]{0,39}$")]
    # Phrases, whole words, any case; punctuation counts as a space (`x509: certificate`
    # is `x509 certificate`) and a word may take a plural `s`.
    signs: Annotated[tuple[Sign, ...], Field(min_length=1)]


def _mode(name: str, signs: str) -> FailureMode:
    return FailureMode(name=name, signs=tuple(sign.strip() for sign in signs.split(";")))


DEFAULT_FAILURE_MODES: Final = (
    # Common to every stack: resources, data stores, credentials and providers
    _mode(
        "disk full",
        "no space left on device; no space left; disk full; disk is full; out of disk; disk "
        "pressure; diskpressure; disk at; disk usage; disk space; low disk space; disk filling; "
        "filling the disk; filling local disk; filled up; filling up; volume full; volume at; "
        "volume is full; log volume; enospc; edquot; disk quota exceeded; errcode 28; inode; "
        "inodes; flood stage; watermark; logrotate; log rotation; read only file system; var "
        "log; filesystem full; file system full; partition full; root partition; out of space; "
        "ran out of space; storage full; pvc full; datastore full; thin provisioned; the table "
        "is full; error 1114; could not extend file; temp file limit; read only allow delete; "
        "index read only; cluster create index block; freestoragespace; free storage space; "
        "ephemeral storage; imagefs; nodefs; var lib docker; overlay2; deleted files held open; "
        "deleted but still open; archive command failed; archive command failing; pg wal; mvcc "
        "database space exceeded; df h; df i",
    ),
    _mode(
        "connection pool exhausted",
        "too many clients; too many connections; connection pool; pool exhausted; pool is "
        "exhausted; pool limit; pool size; pool timeout; max pool size; queuepool; max client "
        "conn; max connections; max user connections; connections maxed; connection slots; "
        "remaining connection slots are reserved; connection limit; cl waiting; pgbouncer; "
        "hikaricp; hikari; connection is not available; could not obtain connection; cannot get "
        "a connection; unable to acquire connection; waiting for a connection; connections "
        "refused; out of connections; all connections in use; leaked connections; connection "
        "leak; max open conns; setmaxopenconns; error 1040; timeout waiting for connection from "
        "pool; timeout waiting for idle object; cannot get jdbc connection; could not get jdbc "
        "connection; maximum number of connections; max number of clients reached; maxclients; "
        "max clients; pool overflow; idle in transaction; prepared statement does not exist",
    ),
    _mode(
        "threads exhausted",
        "thread pool; threadpool; thread pool exhausted; worker threads; all workers busy; no "
        "idle workers; worker pool; max workers; request queue; rejectedexecutionexception; "
        "puma; unicorn; gunicorn workers; php fpm; pm max children; max children; server "
        "reached pm max children; sync over async; thread starvation; executor queue full; "
        "worker timeout; worker connections are not enough; maxthreads; max threads; all "
        "threads busy; tomcat threads; passenger queue; rejected execution; sidekiq "
        "concurrency; celery concurrency",
    ),
    _mode(
        "file descriptors exhausted",
        "too many open files; emfile; file descriptor; file descriptors; ulimit; nofile; open "
        "files limit; enfile; limitnofile; file max; max open files; fd leak; fd limit; socket "
        "leak; leaking sockets",
    ),
    _mode(
        "replication lag",
        "replication lag; replica lag; replica lagging; replica behind; replica is; read "
        "replica; replica delay; replica out of sync; standby behind; behind the primary; "
        "behind primary; behind master; seconds behind master; seconds behind source; "
        "replication delay; replication stopped; replication broken; slave lag; slave behind; "
        "lagging replica; lagging behind; stale reads; read after write; wal; binlog; "
        "replication slot; min behind; minutes behind; hours behind; relay log; gtid; slave io "
        "running; slave sql running; replica io running; replica sql running; last sql error; "
        "last io error; replication error; conflict with recovery; hot standby feedback; replay "
        "lag; pg stat replication; logical replication; cdc lag; debezium lag; oplog lag; "
        "secondary lag; secondaries lagging",
    ),
    _mode(
        "overlapping runs",
        "ran twice; run twice; double counting; double counted; double charged; charged twice; "
        "processed twice; sent twice; duplicate rows; duplicated rows; overlap; overlapping; "
        "ran concurrently; concurrent runs; same job; before it finished; previous run; two "
        "runs; two scheduler; two instances of the job; counts doubled; doubled up; executed "
        "twice; billed twice; emailed twice; delivered twice; imported twice; ran two times; "
        "duplicate job; duplicate execution; concurrencypolicy; concurrency policy; flock; "
        "distributed lock; lock expired; lease expired; not idempotent; idempotency; exactly "
        "once; at least once delivery; double processing; double processed; double booking; "
        "double booked; duplicate charges; duplicate payments; duplicate emails; duplicate "
        "notifications; duplicate orders",
    ),
    _mode(
        "payment provider outage",
        "payment processor; card processor; acquirer; payment gateway; psp; authorisations "
        "failing; authorizations failing; declines; decline rate; payment webhooks; stripe; "
        "adyen; braintree; paypal; worldpay; checkout com; klarna; 3d secure; 3ds; 3ds2; issuer "
        "unavailable; card network; authorisation rate; authorization rate; approval rate; do "
        "not honor; do not honour; payment intents; paymentintent; payment provider",
    ),
    _mode(
        "identity provider outage",
        "identity provider; idp; okta; auth0; azure ad; entra; sso; saml; token exchange; token "
        "endpoint; oauth callback; sign in with google; nobody can log in; can t log in; cannot "
        "log in; can t sign in; oidc; openid connect; jwks; invalid audience; redirect uri "
        "mismatch; invalid redirect uri; scim; onelogin; pingfederate; ping identity; cognito; "
        "keycloak; aadsts; duo; mfa; 2fa; login loop",
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
        "certbot; acme; letsencrypt; let s encrypt; ocsp; signed by unknown authority; missing "
        "intermediate; incomplete chain; chain of trust; root ca; trust store; hostname "
        "mismatch; subject alternative name; san mismatch; sni; server name indication; ssl "
        "pinning; certificaterequest; curl error 60; crl",
    ),
    _mode(
        "out of memory",
        "oom; oomkilled; oom killed; oom killer; out of memory; outofmemoryerror; cannot "
        "allocate memory; memory exhausted; allowed memory size; heap out of memory; javascript "
        "heap; java heap; heap space; gc overhead; exit code 137; memory limit; exceeded "
        "memory; memory leak; leaking memory; goroutine leak; memory growing; memory climbing; "
        "rss grows; memoryerror; bad alloc; swapping; memory pressure; metaspace; permgen; "
        "direct buffer memory; compressed class space; container killed by yarn; reached heap "
        "limit; outofmemoryexception; low on resource memory; memorypressure; heap dump; "
        "heapdump; high memory usage; memory spike",
    ),
    _mode(
        "edge configuration change",
        "page rule; edge rule; waf rule; custom rule; cache rule; cache everything; edge "
        "config; cdn config; cdn rule; on the edge; at the edge; origin port; origin shield; "
        "zone setting; minimum tls version; edge configuration; vcl; edge worker; transform "
        "rule; redirect rule; origin rule; cache key rule; cloudflare worker; lambda edge; "
        "lambda at edge; cloudfront function; cloudfront behavior; cloudfront behaviour; cdn "
        "configuration; edge dictionary; waf managed rule; managed rules; waf false positive; "
        "waf blocking; blocked by waf",
    ),
    _mode(
        "dns resolution",
        "dns; dnssec; could not resolve; can t resolve; cannot resolve; unable to resolve; name "
        "resolution; name or service not known; nxdomain; servfail; resolver; coredns; kube "
        "dns; ndots; no such host; unknown host; unknownhostexception; host not found; "
        "getaddrinfo; enotfound; eai again; lookup timeouts; temporary failure in name "
        "resolution; nameserver; name server; ns record; hosted zone; private zone; route53; "
        "route 53; resolv conf; dns propagation; cname; aaaa record; still resolving to; "
        "resolving to the old; nslookup; nodelocaldns; single request reopen; dnsmasq; bind9; "
        "systemd resolved; zone file; glue record; lame delegation",
    ),
    _mode(
        "denial of service",
        "ddos; dos attack; botnet; syn flood; http flood; udp flood; amplification; reflection "
        "attack; volumetric; l7 attack; layer 7 attack; spoofed; thousands of ips; from ips; "
        "attack traffic; bot traffic; scraper; scraping; post flood; request flood; flood of "
        "requests; crawler; gptbot; bytespider; ccbot; bad bots; under attack mode; shield "
        "advanced; cloud armor; slowloris; syn flooding; traffic from a single asn; abusive "
        "traffic",
    ),
    _mode(
        "cold cache",
        "cache flush; flushall; flushdb; cache flushed; cache cleared; cache purge; cache "
        "misses; cache miss; cache hit rate; hit ratio; thundering herd; stampede; cold cache; "
        "came back empty; cache empty; expire together; expired together; same ttl; dogpile; "
        "cache warm; purge all; purge everything; purged everything; cdn purge; purged the cdn; "
        "full purge; cloudfront invalidation; origin offload; hit rate dropped; cache warming; "
        "warm the cache; cache node replaced; cache restarted",
    ),
    _mode(
        "leaked secret",
        "key exposed; exposed key; exposure notice; leaked key; leaked credentials; leaked "
        "token; leaked secret; public repo; public repository; gist; secret key; api key; "
        "access key; credentials in; in build logs; connection string; secret scanning; "
        "password in logs; secrets in logs; trufflehog; gitleaks; akia; exposed credentials; "
        "exposed secret; secret leaked; credential leak; leaked password; hardcoded secret; "
        "hardcoded credentials; hard coded password; secret in git; in git history; env file "
        "committed; key in a public",
    ),
    _mode(
        "vpn tunnel",
        "ipsec; site to site; tunnel down; tunnel drops; tunnel flapping; rekey; phase 2; ike; "
        "sessions disconnect; dropped from vpn; vpn flapping; vpn tunnel; tunnel; wireguard; "
        "dead peer detection; dpd; strongswan; libreswan; openvpn; globalprotect; anyconnect; "
        "vpn gateway; vpn concentrator; customer gateway",
    ),
    _mode(
        "clock skew",
        "clock skew; clock drift; clock offset; system clock; time drift; time skew; clocks out "
        "of sync; ntp; ntpd; ntp server; chrony; chronyd; time sync; timesync; leap second; "
        "issued in the future; iat; chronyc; ntpdate; timesyncd; time went backwards; clock "
        "jumped; clock jump; clock went backwards; stratum; ptp; signature expired; request "
        "time too skewed; requesttimetooskewed; difference between the request time and the "
        "current time; token used before issued; nbf; not before claim",
    ),
    _mode(
        "rate limited",
        "rate limit; rate limited; rate limiting; ratelimit; rate limit exceeded; too many "
        "requests; http 429; 429; quota exceeded; quota; usage limit; api limit; request limit; "
        "limit exceeded; retry after; throttlingexception; throttling exception; rate exceeded; "
        "requestlimitexceeded; please reduce your request rate; "
        "provisionedthroughputexceededexception; ratelimitexceeded; toomanyrequests; throttled "
        "by the api; api throttling",
    ),
    _mode(
        "queue backlog",
        "consumer lag; queue backlog; queue depth; queue growing; consumer group; consumers; "
        "rebalance; rebalancing; max poll interval; poll timeout; commitfailedexception; "
        "offset; offsets; messages piling; messages stuck; not consuming; stopped consuming; "
        "ready messages; unacked; dead letter; dlq; redelivery; prefetch; records lag; kafka "
        "lag; burrow; sqs backlog; approximatenumberofmessagesvisible; approximate number of "
        "messages visible; age of oldest message; approximateageofoldestmessage; messages "
        "ready; job backlog; jobs piling up; backlog of jobs; sidekiq queue; sidekiq latency; "
        "celery queue; queue latency; enqueued jobs; unprocessed messages",
    ),
    _mode(
        "expired credentials",
        "password expired; expired password; credentials expired; token expired; token has "
        "expired; expired token; expiredtoken; key expired; secret expired; invalid "
        "credentials; bad credentials; invalid grant; invalid client; unauthorized client; "
        "access denied for user; login failed for user; authentication failed; authentication "
        "failure; auth failed; sasl authentication failed; service account key; key revoked; "
        "password rotation; invalidclienttokenid; security token included in the request is "
        "expired; security token included in the request is invalid; expiredtokenexception; "
        "signaturedoesnotmatch; invalid api key; revoked key; rotated the key; rotated the "
        "password; secret rotation; rotated secret; password changed; vault lease; token "
        "revoked; invalid refresh token; client secret; personal access token; pat expired; "
        "deploy key; service principal secret; app password",
    ),
    _mode(
        "port exhaustion",
        "ephemeral port; ephemeral ports; source port; port exhaustion; port allocation; cannot "
        "assign requested address; eaddrnotavail; snat port; nat gateway; cloud nat; time wait; "
        "sockets in time wait; conntrack; nf conntrack; snat; allocatedports; local port range; "
        "tw reuse",
    ),
    _mode(
        "address exhaustion",
        "ip exhaustion; ip address exhaustion; no free ip; no ip addresses; free addresses; "
        "subnet full; subnet exhausted; out of ips; ipam; failed to allocate ip; cidr "
        "exhausted; insufficientfreeaddressesinsubnet; failed to assign an ip address; failed "
        "to assign ip; aws cni; ipamd; no available ip; ip pool exhausted; dhcp pool; dhcp "
        "exhausted; no free leases; dhcp lease; pod cidr; ip addresses available; "
        "availableipaddresscount; available ip address count; warm ip target; prefix "
        "delegation; subnet too small; cidr too small",
    ),
    _mode(
        "lock contention",
        "deadlock; deadlocks; lock wait; lock waits; lock timeout; lock wait timeout; row "
        "locks; lock contention; blocked queries; waiting for lock; try restarting transaction; "
        "error 1213; error 1205; could not obtain lock; could not serialize access; "
        "serialization failure; lockacquisitionexception; cannot acquire lock; access exclusive "
        "lock; accessexclusivelock; sharelock; blocking queries; blocked by pid; pg locks; pg "
        "blocking pids; innodb lock; lock queue; mutex contention; monitor contention; blocked "
        "threads; threads blocked; lock convoy; advisory lock; select for update",
    ),
    _mode(
        "schema migration",
        "alter table; schema migration; schema change; database migration; metadata lock; table "
        "metadata lock; waiting for table metadata lock; ddl; add column; add index; create "
        "index; gh ost; pt online schema change; table lock; locked the table; migration lock; "
        "migration locked; flyway; liquibase; alembic; django migration; rails migration; "
        "pending migrations; migration stuck; table rewrite; rewriting the table; algorithm "
        "inplace; pt osc",
    ),
    _mode(
        "slow query",
        "slow query; slow queries; missing index; full table scan; table scan; seq scan; "
        "sequential scan; query plan; unindexed; queries per request; lazy loaded; n plus 1; "
        "explain analyze; query planner; plan regression; plan flip; planner chose; stale "
        "statistics; statistics stale; outdated statistics; analyze table; index not used; not "
        "using the index; n 1 query; n 1 queries; slow log; slowlog; pg stat statements; long "
        "running query; long running queries; statement timeout; max execution time; query "
        "timeout; expensive query; expensive queries; heavy query; cartesian join",
    ),
    _mode(
        "feature flag",
        "feature flag; feature flags; flag flip; flag flipped; flag change; flag default; flag "
        "evaluation; targeting rule; rollout percentage; kill switch; launchdarkly; unleash; "
        "flagsmith; split io; optimizely; statsig; configcat; growthbook; flipt; feature "
        "toggle; toggle flipped; flag targeting; flag misconfigured; percentage rollout; a b "
        "test; ab test; experiment assignment; flag service",
    ),
    _mode(
        "capacity limit",
        "autoscaling; autoscaler; cluster autoscaler; hpa; max replicas; max nodes; scaling "
        "limit; scale up; insufficient capacity; insufficientinstancecapacity; insufficient "
        "cpu; unschedulable; pending pods; node pool; instance limit; vcpu limit; service "
        "quota; zone resource pool exhausted; stockout; allocationfailed; skunotavailable; sku "
        "not available; nodes are available; didn t match node selector; too many pods; max "
        "pods; maxpods; insufficient memory; vcpulimitexceeded; instancelimitexceeded; "
        "limitexceeded; cpus quota; regional quota; lambda throttles; concurrent executions; "
        "reserved concurrency; account concurrency; concurrency limit; out of capacity; no "
        "capacity; capacity reservation; failedscheduling",
    ),
    _mode(
        "packet loss",
        "packet loss; dropped packets; packets dropped; mtu; fragmentation; jumbo frames; "
        "retransmits; retransmissions; network partition; interface errors; crc errors; link "
        "down; fibre cut; fiber cut; packet drops; rx drops; tx drops; rx errors; ring buffer; "
        "softnet; nic errors; interface flapping; link flapping; port flapping; sfp; "
        "transceiver; optic; duplex mismatch; half duplex; crc; input errors; output drops; "
        "mtr; traceroute; lossy link",
    ),
    _mode(
        "lost quorum",
        "split brain; leader election; no leader; lost quorum; quorum; zookeeper; etcd; raft; "
        "two primaries; two masters; dual primary; multiple primaries; multiple leaders; two "
        "leaders; not enough members; consul leader; election storm; frequent elections; "
        "mnesia; pause minority; autoheal; partitioned network; cannot achieve consistency "
        "level; not enough replicas available; unavailableexception; redis sentinel; sentinel "
        "failover; odown; etcdserver; leader changed; leader lost; lost leader",
    ),
    _mode(
        "hot partition",
        "hot key; hot keys; hot partition; hot shard; skewed partition; partition skew; big "
        "key; bigkey; large key; hot row; hot spot; hotspot; hot spotting; hotspotting; hot "
        "tablet; key skew; data skew; skewed key; skewed join; uneven partition; uneven shard; "
        "single partition; monotonically increasing key; sequential keys; partition key; shard "
        "key; provisionedthroughputexceededexception; throttled partition; adaptive capacity; "
        "wide partition; large partition",
    ),
    _mode(
        "license expired",
        "license expired; licence expired; license key; licence key; license; licence; "
        "subscription expired; trial expired; flexlm; seats exceeded; unlicensed; evaluation "
        "expired; trial ended; grace period ended; subscription lapsed",
    ),
    # Networking
    _mode(
        "mtu blackhole",
        "pmtu; pmtud; black hole router; mss clamping; clamp mss; mss clamp; tcp mss; "
        "fragmentation needed; frag needed; icmp type 3 code 4; packet too big; don t fragment; "
        "df bit; large packets; large responses hang; small requests work; jumbo frames; mtu",
    ),
    _mode(
        "conntrack table full",
        "table full dropping packet; conntrack",
    ),
    _mode(
        "bgp route leak",
        "bgp; route leak; prefix hijack; route hijack; rpki; roa; as path; prefixes withdrawn; "
        "withdrew routes; routes withdrawn; more specific prefix; upstream transit; transit "
        "provider; anycast prefix; bfd",
    ),
    _mode(
        "route table change",
        "route table; routing table; static route; blackhole route; blackholed; missing route; "
        "wrong route; route propagation; transit gateway; tgw; vpc peering; peering connection; "
        "direct connect; expressroute; cloud interconnect; cloud router; asymmetric routing; "
        "next hop; overlapping cidr",
    ),
    _mode(
        "firewall rule change",
        "security group; firewall rule; firewall change; firewall policy; nacl; network acl; "
        "egress rule; ingress rule; network policy; networkpolicy; iptables rule; ufw; ip "
        "allowlist; ip whitelist; nsg; cloud armor rule; blocked by firewall; firewall "
        "blocking; port not open",
    ),
    _mode(
        "tls protocol mismatch",
        "wrong version number; http request sent to https port; plain http request was sent to "
        "https port; unknown protocol; protocol mismatch; alpn; h2c; http 0 9; unsupported "
        "protocol; no protocols available; protocol version; no shared cipher; cipher suite; "
        "tls 1 0; tls 1 1; tls 1 2; tls 1 3; tlsv1 2; first record does not look like a tls "
        "handshake; proxy protocol; broken header; plaintext to a tls port; tls to a plaintext "
        "port; record layer failure",
    ),
    _mode(
        "domain expired",
        "domain expired; domain expiry; expired domain; domain expiration; registrar; domain "
        "renewal; whois; domain registration; registry lock; domain suspended; clienthold; "
        "serverhold; parked domain; domain lapsed; auto renew for the domain",
    ),
    _mode(
        "ipv6 dual stack",
        "ipv6; aaaa record; dual stack; happy eyeballs; nat64; dns64; ipv4 only; v6 address; "
        "link local address",
    ),
    _mode(
        "listen backlog overflow",
        "listen queue; listen overflows; listenoverflows; listendrops; syn backlog; somaxconn; "
        "accept queue; syn cookies; possible syn flooding; listen backlog",
    ),
    _mode(
        "arp and layer 2",
        "neighbour table overflow; neighbor table overflow; arp table; arp cache; gc thresh; gc "
        "thresh3; arp storm; gratuitous arp; duplicate ip; ip conflict; ip address conflict; "
        "mac flapping; mac flap; spanning tree; stp; broadcast storm; switching loop; network "
        "loop; layer 2 loop",
    ),
    _mode(
        "network filesystem",
        "stale file handle; estale; nfs; efs; filestore; azure files; cifs; smb share; hung "
        "mount; mount hung; df hangs; d state; uninterruptible sleep",
    ),
    _mode(
        "keepalive mismatch",
        "idle timeout; upstream prematurely closed connection; server closed idle connection; "
        "keepalive; keep alive; connection reuse; stale pooled connection; stale connection; "
        "connection closed before message completed",
    ),
    _mode(
        "size limit exceeded",
        "recordtoolargeexception; message too large; message size too large; max message bytes; "
        "message max bytes; max request size; payload too large; http 413; client max body "
        "size; maximum payload exceeded; max payload; entity too large; body too large; message "
        "size limit; upstream sent too big header; proxy buffer size; proxy buffers; large "
        "client header buffers; header too large; cookie too large; max header size; http 431; "
        "request header fields too large; cookie size; grpc message size; received message "
        "larger than max; resourceexhausted message larger; status 413; status 431",
    ),
    # Kubernetes and platform
    _mode(
        "probe misconfiguration",
        "liveness probe; readiness probe; startup probe; liveness check; readiness check; probe "
        "failed; probe timeout; failurethreshold; initialdelayseconds; periodseconds; "
        "timeoutseconds; health check path; health check misconfigured; healthcheck path; "
        "health check endpoint; killed by liveness; target group health check; unhealthy "
        "threshold; healthy threshold",
    ),
    _mode(
        "registry pull failure",
        "imagepullbackoff; errimagepull; image pull; failed to pull image; back off pulling "
        "image; pull access denied; manifest unknown; image not found; toomanyrequests; pull "
        "rate limit; docker hub; dockerhub; image registry; container registry; ecr; gcr; ghcr; "
        "quay; artifact registry; artifactory; nexus; jfrog; npm registry; pypi; maven central; "
        "package registry; registry mirror; pull through cache; invalidimagename; image tag",
    ),
    _mode(
        "admission webhook",
        "admission webhook; mutating webhook; validating webhook; mutatingwebhookconfiguration; "
        "validatingwebhookconfiguration; failed calling webhook; failurepolicy; gatekeeper; "
        "kyverno; opa; sidecar injector; admission controller",
    ),
    _mode(
        "node not ready",
        "notready; node not ready; kubelet stopped posting node status; pleg; docker daemon; "
        "runtime not ready; node lost; nodelost; node unreachable; node problem detector",
    ),
    _mode(
        "sidecar proxy",
        "sidecar; istio proxy; istiod; xds; pilot push; holdapplicationuntilproxystarts; envoy "
        "not ready; linkerd; service mesh; mesh config; virtualservice; destinationrule; "
        "peerauthentication; mtls permissive; mtls strict; istio upgrade; envoy config",
    ),
    _mode(
        "graceful shutdown",
        "graceful shutdown; sigterm; prestop; pre stop hook; terminationgraceperiodseconds; "
        "termination grace period; deregistration delay; connection draining; in flight "
        "requests; shutdown hook; drain timeout; not draining; draining connections",
    ),
    _mode(
        "cold start",
        "cold start; jit warmup; provisioned concurrency; init duration; class loading; slow "
        "start; min instances; minimum instances; scale from zero; scaled to zero; scale to "
        "zero; jvm warmup; jit warm up; app warmup; warmup requests",
    ),
    _mode(
        "cpu throttling",
        "cpu throttling; cpu throttled; throttled cpu; cfs quota; cfs throttling; cfs period; "
        "nr throttled; throttled periods; cfs throttled; cpu limit; cpu quota; cpu shares; "
        "throttling on cpu",
    ),
    # Cloud and virtualisation
    _mode(
        "cloud provider outage",
        "aws outage; aws health dashboard; personal health dashboard; aws health event; gcp "
        "outage; google cloud outage; google cloud status; azure outage; azure status; azure "
        "service health; regional outage; zonal outage; az outage; availability zone outage; "
        "provider outage; cloud provider incident; cdn outage; cloudflare outage; fastly "
        "outage; akamai outage; cloudfront outage; upstream provider incident; provider status "
        "page",
    ),
    _mode(
        "iam permissions",
        "accessdenied; not authorized to perform; unauthorizedoperation; iam permission; iam "
        "policy; iam role; missing permission; assumerole; does not have permission; "
        "insufficient permissions; requires permission; service control policy; bucket policy; "
        "role binding; rolebinding; clusterrolebinding; rbac; forbidden user system "
        "serviceaccount; cannot list resource; permission denied on resource; "
        "authorizationfailed; does not have authorization; workload identity; irsa",
    ),
    _mode(
        "spot preemption",
        "spot instance; spot interruption; spot termination; preemptible; preempted; "
        "preemption; spot reclaim; capacity rebalance; interruption notice; spot vm; low "
        "priority vm; spot node; reclaimed by the provider",
    ),
    _mode(
        "noisy neighbour",
        "noisy neighbour; noisy neighbor; steal time; cpu steal; stolen cpu; cpu ready; "
        "ballooning; balloon driver; host overcommit; overcommitted; shared tenancy; co tenant",
    ),
    _mode(
        "iops or burst credits",
        "burst balance; burstbalance; burst credits; io credits; iops; io throttled; ebs "
        "throttling; volume queue length; volumequeuelength; iowait; io wait; disk queue depth; "
        "disk saturated; disk saturation; throughput limit; ebs throughput; gp2; gp3; cpu "
        "credits; cpu credit balance; cpucreditbalance; t2 unlimited; t3 unlimited; burstable",
    ),
    _mode(
        "vm snapshot stun",
        "vmotion; vm stun; stun time; snapshot consolidation; consolidate snapshots; "
        "consolidation needed; delta disk; vm snapshot; snapshot removal",
    ),
    _mode(
        "storage io errors",
        "i o error; input output error; eio; blk update request; medium error; smartctl; smart "
        "errors; reallocated sectors; bad sectors; bad blocks; disk failure; failed disk; "
        "failing disk; raid degraded; degraded array; mdadm; raid rebuild; ext4 fs error; fsck; "
        "filesystem corruption; corrupted filesystem; remounted read only; all paths down; "
        "permanent device loss; multipath; multipathd; iscsi; fibre channel; hba; lun; san "
        "outage; storage array; nvme timeout",
    ),
    # Linux and runtimes
    _mode(
        "kernel panic",
        "kernel panic; soft lockup; hard lockup; hung task; blocked for more than 120 seconds; "
        "task blocked for more than; rcu stall; rcu sched self detected stall; kernel bug; "
        "general protection fault; kernel regression; kernel upgrade; kernel version; kdump; "
        "kernel oops; call trace; watchdog bug",
    ),
    _mode(
        "process limit",
        "pid limit; pid max; pid exhaustion; fork failed; cannot fork; fork retry; can t fork; "
        "fork resource temporarily unavailable; unable to create new native thread; unable to "
        "create native thread; threads max; max user processes; nproc; ulimit u; tasksmax; "
        "pidspressure; pid pressure",
    ),
    _mode(
        "inotify watches",
        "inotify; max user instances; user watches; file watchers",
    ),
    _mode(
        "gc pauses",
        "gc pause; garbage collection; garbage collector; full gc; stop the world; long gc; gc "
        "thrashing; g1 humongous; humongous allocation; promotion failed; concurrent mode "
        "failure; to space exhausted; safepoint; gc assist; gogc; gomemlimit; mark sweep; gen 2 "
        "gc; gen2 gc; large object heap; loh; server gc; gc logs; gc time",
    ),
    _mode(
        "event loop blocked",
        "event loop; readfilesync; sync io; synchronous io; gil; global interpreter lock; "
        "asyncio blocked; blocking call; slow callback; executing took; loop blocked; libuv "
        "threadpool; uv threadpool size",
    ),
    _mode(
        "infinite recursion",
        "stackoverflowerror; recursionerror; maximum call stack size exceeded; infinite "
        "recursion; infinite loop; goroutine stack exceeds; stack exhausted; stack level too "
        "deep; systemstackerror; runaway loop; tight loop; recursion depth; overflowed its "
        "stack",
    ),
    _mode(
        "regex backtracking",
        "redos; regular expression denial; regex cpu; pathological regex; backtracking; "
        "pathological input; cpu spent in regex; re2",
    ),
    _mode(
        "race condition",
        "concurrent map writes; concurrent map read and map write; "
        "concurrentmodificationexception; thread safety; not thread safe; thread unsafe; check "
        "then act; toctou; lost update; race",
    ),
    _mode(
        "dependency version",
        "dependency upgrade; dependency bump; dependabot; renovate; package lock; version "
        "pinning; unpinned; transitive dependency; semver; yanked; nosuchmethoderror; "
        "classnotfoundexception; noclassdeffounderror; modulenotfounderror; no module named; "
        "cannot find module; importerror; abstractmethoderror; incompatibleclasschangeerror; "
        "linkageerror; glibc; cannot open shared object file; shared library; undefined symbol; "
        "dependency conflict; breaking change in the library; base image; yarn lock; poetry "
        "lock; gemfile lock; go sum; lockfile drift; deprecation; sunset; sunsetted; end of "
        "life; eol; deprecated api; api version retired; retired api; no matches for kind; "
        "removed in v1; removed apis; extensions v1beta1; policy v1beta1; decommissioned; end "
        "of support; no longer supported; unsupported version",
    ),
    _mode(
        "automatic patching",
        "unattended upgrade; automatic updates; auto patching; automatic patching; patch "
        "tuesday; windows update; yum update; apt upgrade; apt get upgrade; dnf update; kernel "
        "update; rebooted for patching; ssm patch; patch manager; maintenance window; minor "
        "version upgrade; os patching; security patches applied",
    ),
    _mode(
        "stale cached assets",
        "stale assets; old assets; old version served; cached old version; not purged; cache "
        "not invalidated; cache busting; cache buster; asset fingerprint; asset hash; "
        "chunkloaderror; loading chunk failed; failed to fetch dynamically imported module; "
        "stale service worker; opcache; stale bundle; old bundle; stale javascript; mixed "
        "versions; service worker cache",
    ),
    # Databases
    _mode(
        "database failover",
        "read only transaction; read only option; notwritableprimary; not writable primary; "
        "notprimary; not primary; notmaster; not master; stepped down; stepdown; writer "
        "endpoint; reader endpoint; stale primary; old primary; db failover; database failover; "
        "rds failover; aurora failover; multi az failover; patroni; repmgr; promoted replica; "
        "replica promoted; switchover",
    ),
    _mode(
        "vacuum and wraparound",
        "wraparound; must be vacuumed; autovacuum; vacuum; not accepting commands; table bloat; "
        "index bloat; dead tuples; dead rows; n dead tup; idle in transaction; long running "
        "transaction; multixact; datfrozenxid; relfrozenxid; history list length; purge lag; "
        "undo log; pg repack",
    ),
    _mode(
        "integer overflow",
        "integer overflow; int overflow; 2147483647; 4294967295; 32 bit; int32; int4; out of "
        "range for type integer; integer out of range; value out of range; arithmetic overflow; "
        "arithmeticexception; auto increment; autoincrement; max int; maxint; ran out of ids; "
        "id exhaustion; id space; sequence exhausted; reached maximum value of sequence; "
        "bigint; int max; signed int; unsigned int; out of range value for column; 32767; "
        "smallint",
    ),
    _mode(
        "character encoding",
        "utf8mb4; incorrect string value; mojibake; character encoding; text encoding; encoding "
        "error; collation; unicodedecodeerror; unicodeencodeerror; codec can t decode; codec "
        "can t encode; invalid byte sequence; malformed input; byte order mark; latin1; latin "
        "1; iso 8859 1; windows 1252; emoji; garbled characters; garbled text; non ascii; "
        "accented characters; invalid utf 8",
    ),
    _mode(
        "kerberos ldap",
        "kerberos; krb5; kinit; keytab; kdc; ticket granting ticket; tgt; spn; service "
        "principal name; clock skew too great; gssapi; gss failure; spnego; krb ap err; pre "
        "authentication failed; kvno; ldap; active directory; domain controller; sssd; ad bind",
    ),
    _mode(
        "compaction and tombstones",
        "tombstone; tombstoneoverwhelmingexception; gc grace; read repair; compaction; zombie "
        "data; deleted data reappeared; too many parts; merges are processing significantly "
        "slower than inserts; write stall; stalling writes; l0 files; level0; memtable flush; "
        "sstable; nodetool repair",
    ),
    _mode(
        "search cluster red",
        "cluster red; cluster status red; cluster health red; red cluster; cluster yellow; "
        "yellow cluster; unassigned shard; shard allocation; primary shard; shard failed; too "
        "many shards; max shards per node; circuitbreakingexception; data too large; parent "
        "circuit breaker; fielddata; search rejected; bulk rejected; cluster block; master not "
        "discovered; no master; master not elected; elasticsearch cluster; opensearch cluster",
    ),
    _mode(
        "cache memory full",
        "maxmemory; oom command not allowed; eviction policy; noeviction; allkeys lru; volatile "
        "lru; evicted keys; key evictions; redis eviction; memcached evictions; cache full; "
        "cache memory; bgsave; can t save in background; misconf; fork cannot allocate memory; "
        "rdb snapshot; aof rewrite; redis memory; memcached memory; cache evictions",
    ),
    # Message brokers and data pipelines
    _mode(
        "broker flow control",
        "memory alarm; mem alarm; memory high watermark; disk alarm; disk free limit; flow "
        "control; publisher blocked; blocking publishers; resource alarm; credit flow; flow "
        "state; slow consumer; max pending; produce throttle; producer throttled; quota "
        "throttle; bufferexhaustedexception; buffer exhausted; channel flow; jetstream limit; "
        "maximum messages exceeded",
    ),
    _mode(
        "kafka under replicated",
        "under replicated; underreplicatedpartitions; isr; not enough replicas; "
        "notenoughreplicasexception; min insync replicas; offline partitions; "
        "offlinepartitionscount; leader not available; not leader for partition; "
        "notleaderforpartitionexception; unclean leader election; controller election; "
        "preferred replica election",
    ),
    _mode(
        "poison message",
        "poison message; poison pill; malformed message; stuck message; stuck on a message; "
        "head of line; redelivery loop; retried forever; retrying forever; infinite retries; "
        "maxreceivecount; max receive count; visibility timeout; nack loop; requeue loop; "
        "requeued; could not deserialize; failed to deserialize; deserialization error; "
        "deserialization exception; deserialisation error; serializationexception; one bad "
        "message; bad record; corrupt record",
    ),
    _mode(
        "schema drift",
        "schema drift; schema mismatch; schema change upstream; upstream schema change; "
        "unexpected column; unknown column; column not found; missing column; no such column; "
        "column does not exist; type mismatch; incompatible schema; schema registry; avro "
        "schema; protobuf schema; incompatible types; could not deserialize; failed to "
        "deserialize; deserialization error; unknown field; field removed; renamed column; "
        "column renamed; field renamed; breaking api change; api contract; contract change; "
        "backward incompatible; not backwards compatible; schema evolution; parquet schema; "
        "mapping explosion; total fields limit; limit of total fields; mapper parsing "
        "exception; mapping conflict; dynamic mapping",
    ),
    _mode(
        "data freshness",
        "data freshness; freshness check; freshness sla; late arriving data; late data; data "
        "arrived late; missing partition; partition missing; sla miss; sla missed; upstream "
        "data late; data not landed; file not landed; no data landed; stale dashboard; data "
        "delayed; pipeline delayed; dag delayed; sensor timed out; sensor timeout; data not "
        "refreshed",
    ),
    _mode(
        "scheduled job missed",
        "cron didn t run; job didn t run; missed run; missed schedule; scheduler stopped; cron "
        "stopped; cron not running; startingdeadlineseconds; too many missed start times; "
        "cannot determine if job needs to be started; cron expression; crontab; cron schedule; "
        "job skipped; skipped run; scheduled job never ran; scheduler down; airflow scheduler; "
        "scheduler heartbeat; cloud scheduler; eventbridge rule",
    ),
    # Application behaviour
    _mode(
        "retry storm",
        "retry storm; retries amplified; retry amplification; no backoff; without backoff; "
        "exponential backoff; no jitter; retry budget; clients retrying; synchronized retries; "
        "reconnect storm; reconnection storm; retry loop; aggressive retries; retrying "
        "immediately; retries multiplied; metastable failure; request amplification; connection "
        "storm",
    ),
    _mode(
        "load imbalance",
        "load imbalance; uneven load; unevenly distributed; unbalanced load; imbalanced; one "
        "pod taking all; one pod getting all; hot node; hot instance; hot pod; lopsided; sticky "
        "load balancing; goaway; too many pings; enhance your calm; grpc keepalive; max "
        "concurrent streams; grpc load balancing; connection level load balancing; long lived "
        "connections; client side load balancing; rst stream",
    ),
    _mode(
        "cors",
        "cors; cross origin; preflight request; options request; allowed origins; allow origin",
    ),
    _mode(
        "session cookies",
        "samesite; third party cookies; cookie domain; cookie path; session cookie; sticky "
        "session; session affinity; session stickiness; csrf verification failed; csrf token; "
        "users logged out; logged out users; randomly logged out; session lost; secret key "
        "base; session secret; session store; secure cookie; httponly",
    ),
    _mode(
        "cross user data",
        "cache poisoning; cached private; cached personal data; cached user data; another user "
        "s data; other users data; other user s data; seeing other users; saw other users; "
        "someone else s; wrong user s data; wrong account; other customers data; another "
        "customer s data; vary header; vary cookie; cache control private; set cookie cached; "
        "cached set cookie; cached authenticated; cache leak; cross user; cross tenant; tenant "
        "isolation; tenant leak; idor; insecure direct object reference; broken access control; "
        "authorization bypass; authz bypass; data exposure; missing permission check; not in "
        "the cache key; missing from the cache key; cache control public",
    ),
    _mode(
        "redirect loop",
        "too many redirects; redirect loop; redirected you too many times; infinite redirect; "
        "redirect chain; flexible ssl; http to https redirect",
    ),
    _mode(
        "money rounding",
        "rounding; floating point; float precision; decimal precision; precision loss; loss of "
        "precision; minor units; zero decimal currency; exchange rate; fx rate; currency "
        "conversion; factor of 100; cents; amounts wrong; wrong amount; wrong currency",
    ),
    _mode(
        "time zone dst",
        "daylight saving; summer time; clocks changed; clocks went forward; clocks went back; "
        "clocks go forward; clocks go back; clock change; time zone; timezone; tz database; "
        "tzdata; utc offset; nonexistenttimeerror; ambiguoustimeerror; non existent time; "
        "ambiguous time; off by one hour; an hour off; one hour off; naive datetime; dst "
        "change; dst transition; dst switch",
    ),
    _mode(
        "calendar date bug",
        "leap year; leap day; feb 29; february 29; 29 february; 29 feb; 29th of february; day "
        "366; day of year; y2038; 2038; year rollover; year boundary; year end rollover; yyyy; "
        "week year; iso week; week 53; invalid date; date out of range; day is out of range for "
        "month; month out of range; gps week rollover; epoch rollover; 30 february; date "
        "parsing; date format; two digit year",
    ),
    _mode(
        "geoip data",
        "geoip; geo ip; geolite; geolite2; maxmind; geo database; geolocation; wrong country; "
        "geoblocking; geo blocking; geofencing; geo fence; ip to country; mmdb; country lookup; "
        "ip database; region detection",
    ),
    # Providers and clients
    _mode(
        "email deliverability",
        "spf; dkim; dmarc; p reject; spam folder; going to spam; landing in spam; junk folder; "
        "hard bounces; spamhaus; spam blocklist; email blocklist; mail blocklist; rbl; dnsbl; "
        "deliverability; sender reputation; 550 5 7 1; 5 7 26; 421 4 7 0; bulk sender; one "
        "click unsubscribe; list unsubscribe; sendgrid; mailgun; postmark; ses; sparkpost; "
        "mandrill; mailchimp; smtp; mail queue; postfix; emails not delivered; emails not "
        "arriving; emails delayed; email delays; transactional email; email bounces; soft "
        "bounces",
    ),
    _mode(
        "sms provider",
        "sms; twilio; vonage; nexmo; messagebird; sinch; plivo; otp; one time password; "
        "verification code; 10dlc; a2p; short code; sender id; carrier filtering; carrier "
        "blocked; 30007; 30003; 30005; 21610; toll fraud; text messages",
    ),
    _mode(
        "push notifications",
        "push notification; apns; fcm; firebase cloud messaging; baddevicetoken; invalid "
        "registration; mismatchsenderid; p8; push certificate; notifications not delivered; "
        "device token; onesignal; push delivery; push provider; push send failures",
    ),
    _mode(
        "mobile app release",
        "app store; play store; google play; play console; app review; testflight; phased "
        "release; staged rollout; expedited review; force update; forced update; minimum "
        "supported version; min app version; old app versions; older app versions; older "
        "clients; codepush; ota update; app binary; ios build; android build; ios release; "
        "android release; halted the rollout; apple review",
    ),
    _mode(
        "webhook delivery",
        "webhook delivery; webhook deliveries; webhooks failing; webhook failures; webhook "
        "signature; signature verification failed; webhook secret; webhook backlog; webhook "
        "retries; missed webhooks; webhook events; webhook endpoint; webhooks disabled; webhook "
        "queue",
    ),
    _mode(
        "fraud and abuse",
        "credential stuffing; account takeover; ato; brute force; password spraying; fake "
        "signups; signup spam; bot signups; carding; card testing; promo abuse; coupon abuse; "
        "spam accounts; fraudulent; fraud; chargeback; account enumeration; scalping; scalpers",
    ),
    _mode(
        "security vulnerability",
        "cve; zero day; 0day; log4shell; log4j; rce; remote code execution; vulnerability; "
        "vulnerable; exploit; exploited; security patch; emergency patch; heartbleed; "
        "shellshock; spring4shell; regresshion; compromised; cryptominer; cryptomining; crypto "
        "miner; xmrig; coin miner; malware; ransomware; backdoor; rootkit; intrusion; "
        "exfiltration; data breach; supply chain attack; malicious package; typosquatting; "
        "ssrf; sql injection; xss; security incident; security breach",
    ),
    _mode(
        "transcoding failure",
        "transcoding; transcode; transcoder; ffmpeg; mediaconvert; elemental; codec; hevc; h "
        "264; h264; h 265; av1; vp9; encoding ladder; bitrate ladder; thumbnail generation; "
        "video processing; media pipeline; encoding queue; encoding jobs",
    ),
    _mode(
        "video playback",
        "hls; m3u8; dash manifest; mpd; segments missing; missing segments; rtmp; srt; live "
        "ingest; ingest point; stream key; rebuffering; rebuffer; video buffering; video start "
        "failures; cmaf; drm; widevine; fairplay; playready; content key; eme; live stream; "
        "livestream; playback",
    ),
    # Operations
    _mode(
        "accidental deletion",
        "accidentally deleted; deleted by mistake; drop table; dropped the table; dropped the "
        "wrong; truncate table; truncated the table; rm rf; deleted the bucket; bucket deleted; "
        "lifecycle rule; lifecycle policy; retention policy; wrong database; wrong environment; "
        "ran against production; against prod; pitr; point in time recovery; accidental "
        "deletion; deleted the wrong; deleted production; wiped",
    ),
    _mode(
        "backup failure",
        "backup failed; backups failing; backup job; snapshot failed; snapshots failing; "
        "restore failed; backups not running; no backups; backup missing; missing backups; wal "
        "g; pgbackrest; barman; xtrabackup; velero; mysqldump; pg dump; restore test; backup "
        "verification; backup retention; untested backups",
    ),
    _mode(
        "infra as code change",
        "tfstate; state lock; cloudformation; update rollback failed; pulumi; crossplane; "
        "config drift; infrastructure drift; out of band change; clickops; forces replacement; "
        "must be replaced; destroy and recreate; resource recreated; argocd; argo cd; auto "
        "sync; pruned resources; another operation install upgrade rollback is in progress; "
        "helm release; helm rollback; terraform; auto prune",
    ),
    _mode(
        "vault or kms",
        "vault sealed; vault is sealed; vault unavailable; unseal; sealed vault; secrets "
        "manager unavailable; kms; key disabled; pending deletion; kmsaccessdenied; decrypt "
        "failed; key vault; hsm; cloudhsm; envelope encryption; data key; key scheduled for "
        "deletion",
    ),
    _mode(
        "ci runners",
        "build agent; runner offline; no available runners; waiting for a runner; queued "
        "builds; builds queued; jenkins executors; executor starvation; ci queue; ci minutes; "
        "actions minutes; build queue; ci runner; build runner; github runner; gitlab runner; "
        "self hosted runner; actions runner",
    ),
    _mode(
        "cloud cost spike",
        "cost spike; cost anomaly; unexpected bill; billing spike; billing alert; budget alert; "
        "aws bill; cloud bill; spend spike; egress costs; nat gateway costs; data transfer "
        "costs; runaway query costs; bigquery bill; snowflake credits; warehouse credits; slot "
        "usage; bigquery slots; cloud spend; cost overrun; billing anomaly; surprise bill",
    ),
    _mode(
        "log or metrics volume",
        "log volume; log spam; log flood; logging costs; log ingestion; ingestion spike; ingest "
        "volume; excessive logging; verbose logging; chatty logging; log explosion; log storm; "
        "logs per second; log sampling; log quota; daily ingest; ingestion quota; log pipeline "
        "backed up; fluentd buffer; fluent bit; log shipper; vector buffer; logs dropped; "
        "dropped logs; cardinality; too many time series; series limit; active series; tsdb "
        "head; metric explosion; sample limit; label values; unbounded labels; prometheus "
        "memory; prometheus oom; custom metrics bill",
    ),
    _mode(
        "planned traffic surge",
        "marketing email; marketing campaign; email campaign; push campaign; flash sale; ticket "
        "sale; product launch; tv ad; tv spot; went viral; hacker news; front page of; hug of "
        "death; black friday; cyber monday; sale traffic; launch traffic; load test; load "
        "testing; stress test; synthetic traffic; k6; locust; gatling; jmeter; test traffic in "
        "production; campaign traffic; newsletter",
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
    return "\n".join(_words(form) for text in texts for form in (text, CAMEL_HUMPS.sub(" ", text)))


@cache
def _by_key(signs: tuple[str, ...]) -> dict[str, tuple[frozenset[str], ...]] | None:
    """Each of `signs`' words, filed under its longest word (None when a sign has no
    word: the pattern alone decides)."""
    index: dict[str, tuple[frozenset[str], ...]] = {}
    for sign in signs:
        words = _words(sign).split()
        if not words:
            return None
        key = max(words, key=len)
        index[key] = (*index.get(key, ()), frozenset(words))
    return index


def _may_show(signs: tuple[str, ...], stems: frozenset[str]) -> bool:
    """Whether every word of one of `signs` is among `stems`: none is shown otherwise, and
    a few set lookups spare most modes their pattern."""
    index = _by_key(signs)
    return index is None or any(
        words <= stems for key in index.keys() & stems for words in index[key]
    )


def _stems(words: str) -> frozenset[str]:
    """Every word of `words`, also without a plural `s` or `es`: what a sign's words may be
    when it is shown."""
    found = set(words.split())
    found.update([w[:-1] for w in found if w.endswith("s")])
    found.update([w[:-2] for w in found if w.endswith("es")])
    return frozenset(found)


def modes_in(modes: Iterable[FailureMode], *texts: str) -> frozenset[str]:
    """The names of the failure modes `texts` show signs of."""
    words = _haystack(texts)
    stems = _stems(words)
    return frozenset(
        mode.name
        for mode in modes
        if _may_show(mode.signs, stems) and _pattern(mode.signs).search(words)
    )


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
