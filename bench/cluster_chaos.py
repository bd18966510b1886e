#!/usr/bin/env python3
"""Chaos run of a linkly cluster on this machine (docs/CLUSTER.md).

Starts 3 nats-servers (one JetStream cluster, R3 streams) and 3 linkly nodes
on 127.0.0.1, puts mixed load on every node (creates and updates of codes
owned by writer threads, redirects with a unique User-Agent each, a
Last-Event-ID client on /events, a freshness probe), SIGKILLs a random
nats-server every --nats-kill-every seconds and a random linkly node every
--node-kill-every seconds (each restarted), then stops the load, lets the
clicks drain, stops the nodes and checks, offline on every node's data:

  * the three nodes' links logs are identical (each is the links stream);
  * every acknowledged create and update is in it, in acknowledgement order
    (an op acknowledged before another was sent has the lower seq), and
    every code has exactly one LinkCreated;
  * clicks: every answered 302 is in each node's clicks replica exactly once
    (its User-Agent), nothing is left unpublished, and the only clicks
    without an answered 302 are redirects cut off by a node kill;
  * `linkly replay --verify` passes on every node;
  * the /events client saw every seq once, without a gap.

It prints, and writes with --out, the figures: failover time after each
nats-server kill (first write acknowledged among those sent after it),
redirects failed on live nodes during kills, freshness p50/p99 (PUT
acknowledged on node A until node B redirects to the new url).

  bench/cluster_chaos.py --linkly build/app/linkly --seconds 120 \\
      --out bench/results/cluster.md
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def now():
    return time.monotonic()


class Nats:
    """One nats-server of a 3-server JetStream cluster."""

    def __init__(self, binary, root, k, ports):
        self.binary = binary
        self.dir = os.path.join(root, "nats", f"n{k}")
        os.makedirs(self.dir, exist_ok=True)
        self.port = ports[k]["client"]
        routes = ",".join(
            f'"nats-route://127.0.0.1:{p["route"]}"' for j, p in enumerate(ports) if j != k
        )
        self.conf = os.path.join(self.dir, "nats.conf")
        with open(self.conf, "w") as f:
            f.write(
                f'server_name: n{k}\nlisten: "127.0.0.1:{self.port}"\n'
                f'log_file: "{self.dir}/nats.log"\n'
                f'jetstream {{ store_dir: "{self.dir}/js" }}\n'
                f'cluster {{ name: chaos\n listen: "127.0.0.1:{ports[k]["route"]}"\n'
                f" routes: [{routes}] }}\n"
            )
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.binary, "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class Node:
    """One linkly node."""

    def __init__(self, linkly, root, k, urls):
        self.linkly = linkly
        self.name = f"node{k}"
        self.data = os.path.join(root, self.name)
        self.port = free_port()
        self.log = open(os.path.join(root, f"{self.name}.log"), "ab")
        self.env = dict(os.environ, LINKLY_CLUSTER_NATS_URLS=urls, LINKLY_CLUSTER_NODE=self.name,
                        LINKLY_DATA=self.data, LINKLY_LISTEN=f"127.0.0.1:{self.port}")
        self.proc = None
        self.up = False

    def start(self, ready_seconds=60):
        self.proc = subprocess.Popen([self.linkly, "serve"], env=self.env, stdout=self.log,
                                     stderr=self.log)
        deadline = now() + ready_seconds
        while now() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start (see {self.log.name})")
            try:
                status, _, _ = request(self.port, "GET", "/healthz", timeout=1)
                if status == 200:
                    self.up = True
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not ready after {ready_seconds} s")

    def kill(self):
        self.up = False
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.up = False
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def request(port, method, path, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        return resp.status, resp.getheader("Location"), payload
    finally:
        conn.close()


class Run:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.ops = []  # acknowledged writes: (sent, acked, code, url)
        self.attempts = []  # every write: (sent, answered, status, node, method, code)
        self.write_failures = 0
        self.answered = set()  # User-Agents of answered 302s
        self.redirect_fail_live = []  # (time, node, error) on a node that was up
        self.redirect_fail_down = 0
        self.kills = []  # ("nats"|"node", index, time killed, time restarted)
        self.lookups = {}  # redirect misses asked of the stream, per result
        self.freshness = []
        self.events_seen = 0
        self.events_errors = []
        self.codes = []  # created codes redirects may use
        self.created_at = {}  # code -> (time its create was answered, node)
        self.started = now()  # when the load began
        self.load_end = now()  # when it stopped

    # Load -----------------------------------------------------------------

    def live_node(self, nodes, avoid=None):
        up = [n for n in nodes if n.up and n is not avoid]
        return random.choice(up) if up else None

    def writer(self, nodes, w):
        rng = random.Random(w)
        created = []
        n = 0
        while not self.stop.is_set():
            node = self.live_node(nodes)
            if node is None:
                time.sleep(0.05)
                continue
            n += 1
            if not created or rng.random() < 0.3:
                code = f"w{w}c{len(created)}"
                method, path = "POST", "/links"
                url = f"https://example.com/{code}/0"
                body = {"url": url, "code": code}
            else:
                code = rng.choice(created)
                method, path = "PUT", f"/links/{code}"
                url = f"https://example.com/{code}/{n}"
                body = {"url": url}
            sent = now()
            try:
                status, _, _ = request(node.port, method, path, body, timeout=15)
            except OSError:
                status = 0
            acked = now()
            with self.lock:
                self.attempts.append((sent, acked, status, node.name, method, code))
            if method == "POST" and status in (201, 409):
                # 409: an earlier create of ours whose answer was lost got in.
                if code not in created:
                    created.append(code)
                    with self.lock:
                        self.codes.append(code)
                        self.created_at[code] = (acked, node.name)
            if 200 <= status < 300:
                with self.lock:
                    self.ops.append((sent, acked, code, url))
            elif not (method == "POST" and status == 409):
                with self.lock:
                    self.write_failures += 1
                time.sleep(0.02)

    def redirector(self, nodes, r):
        n = 0
        while not self.stop.is_set():
            with self.lock:
                code = random.choice(self.codes) if self.codes else None
            node = self.live_node(nodes)
            if code is None or node is None:
                time.sleep(0.01)
                continue
            n += 1
            ua = f"chaos/{r}/{n}"
            started = now()
            try:
                status, _, _ = request(node.port, "GET", f"/s/{code}",
                                       headers={"User-Agent": ua}, timeout=10)
                error = None if status == 302 else f"status {status}"
            except OSError as e:
                status, error = 0, str(e)
            if status == 302:
                with self.lock:
                    self.answered.add(ua)
            elif error:
                with self.lock:
                    if self.node_was_down(node, started, now()):
                        self.redirect_fail_down += 1
                    else:
                        # How fresh the code was, and where it was made: a
                        # node reads its own writes, others follow.
                        made, where = self.created_at.get(code, (None, "?"))
                        if made is not None:
                            error += (f" for {code}, created {1000 * (started - made):.0f} ms "
                                      f"before on {where}")
                        self.redirect_fail_live.append((started, node.name, error))
            time.sleep(self.args.redirect_pause)

    def node_was_down(self, node, started, ended):
        """Whether a kill of `node` overlapped [started, ended]."""
        if not node.up:
            return True
        for kind, idx, killed, restarted in self.kills:
            if kind == "node" and f"node{idx}" == node.name and killed <= ended and (
                    restarted is None or restarted >= started):
                return True
        return False

    def freshness_probe(self, nodes):
        code = "fresh"
        while not self.stop.is_set():
            a = self.live_node(nodes)
            if a is None:
                time.sleep(0.1)
                continue
            try:
                if request(a.port, "POST", "/links", {"url": "https://example.com/f/0",
                                                      "code": code})[0] in (201, 409):
                    break
            except OSError:
                time.sleep(0.1)
        n = 0
        while not self.stop.is_set():
            a = self.live_node(nodes)
            b = self.live_node(nodes, avoid=a)
            if a is None or b is None:
                time.sleep(0.1)
                continue
            n += 1
            url = f"https://example.com/f/{n}"
            try:
                if request(a.port, "PUT", f"/links/{code}", {"url": url})[0] != 200:
                    continue
                acked = now()
                deadline = acked + 10
                poll = 0
                while now() < deadline and b.up:
                    poll += 1
                    ua = f"fresh/{n}/{poll}"
                    status, location, _ = request(b.port, "GET", f"/s/{code}",
                                                  headers={"User-Agent": ua})
                    if status == 302:
                        with self.lock:
                            self.answered.add(ua)
                        if location == url:
                            with self.lock:
                                self.freshness.append(now() - acked)
                            break
                    time.sleep(0.001)
            except OSError:
                pass
            time.sleep(0.05)

    def events_client(self, nodes):
        last = 0
        while not self.stop.is_set():
            node = self.live_node(nodes)
            if node is None:
                time.sleep(0.1)
                continue
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=5)
            try:
                conn.request("GET", "/events", headers={"Last-Event-ID": str(last)})
                resp = conn.getresponse()
                while not self.stop.is_set():
                    line = resp.fp.readline()
                    if not line:
                        break
                    if line.startswith(b"id: "):
                        seq = int(line[4:].strip())
                        if seq != last + 1:
                            with self.lock:
                                self.events_errors.append(f"after {last} came {seq}")
                        last = seq
                        with self.lock:
                            self.events_seen += 1
            except (OSError, ValueError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        self.events_last = last

    # Chaos ----------------------------------------------------------------

    def tally_lookups(self, node):
        for result, n in miss_lookups(node.port).items():
            self.lookups[result] = self.lookups.get(result, 0) + n

    def chaos(self, nats, nodes):
        start = now()
        next_nats = start + self.args.nats_kill_every
        next_node = start + self.args.node_kill_every
        end = start + self.args.seconds
        while now() < end:
            t = min(next_nats, next_node)
            if t > end:
                break
            time.sleep(max(0, t - now()))
            if t == next_nats:
                k = random.randrange(len(nats))
                killed = now()
                entry = ["nats", k, killed, None]
                with self.lock:
                    self.kills.append(entry)
                nats[k].kill()
                print(f"  {killed - start:6.1f} s  SIGKILL nats-server n{k}", flush=True)
                time.sleep(self.args.nats_down_seconds)
                nats[k].start()
                entry[3] = now()
                next_nats += self.args.nats_kill_every
            else:
                k = random.randrange(len(nodes))
                killed = now()
                entry = ["node", k, killed, None]
                with self.lock:
                    self.kills.append(entry)
                self.tally_lookups(nodes[k])  # its counters die with it
                nodes[k].kill()
                print(f"  {killed - start:6.1f} s  SIGKILL linkly node{k}", flush=True)
                time.sleep(1)
                nodes[k].start()
                entry[3] = now()
                next_node += self.args.node_kill_every


def dump(linkly, data, log):
    out = subprocess.run([linkly, "--data", data, "log", "dump", log], capture_output=True,
                         check=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def metric(port, name):
    try:
        _, _, body = request(port, "GET", "/metrics", timeout=5)
    except OSError:
        return None
    for line in body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


MISS_LOOKUPS = "linkly_cluster_miss_lookups_total"


def miss_lookups(port):
    """A node's redirect misses asked of the links stream since it started,
    per result ({} when /metrics cannot be read)."""
    try:
        _, _, body = request(port, "GET", "/metrics", timeout=5)
    except OSError:
        return {}
    out = {}
    for line in body.decode().splitlines():
        if line.startswith(MISS_LOOKUPS + "{"):
            result = line.split('result="', 1)[1].split('"', 1)[0]
            out[result] = int(float(line.rsplit(" ", 1)[1]))
    return out


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))]


def print_trace(run, nats_kills):
    """Per nats-server kill: the writes in flight or sent until the first
    acknowledged write sent after it (times in seconds from the kill)."""
    wall_offset = time.time() - now()
    slow = [a for a in sorted(run.attempts) if a[1] - a[0] >= 2]
    print(f"writes answered after 2 s or more: {len(slow)}")
    for sent, answered, status, node, method, code in slow:
        wall = time.strftime("%H:%M:%S", time.gmtime(sent + wall_offset))
        print(f"    sent at {sent - run.started:6.1f} s ({wall}) took {answered - sent:5.2f} s: "
              f"{status:3d} {node} {method} {code}")
    for _, k, killed, restarted in nats_kills:
        after = [a for a in run.attempts if a[0] >= killed and 200 <= a[2] < 300]
        until = min(a[1] for a in after) if after else run.load_end
        wall = time.strftime("%H:%M:%S", time.gmtime(killed + wall_offset))
        print(f"kill of n{k} at {killed - run.started:.1f} s ({wall} UTC; restarted after "
              f"{(restarted or killed) - killed:.1f} s); first write sent after it acknowledged "
              f"at +{until - killed:.2f} s")
        for sent, answered, status, node, method, code in sorted(run.attempts):
            if answered >= killed and sent <= until:
                print(f"    sent {sent - killed:+7.2f} answered {answered - killed:+7.2f} "
                      f"({answered - sent:6.2f} s) {status:3d} {node} {method} {code}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--linkly", default="build/app/linkly")
    ap.add_argument("--nats-server", default=shutil.which("nats-server") or "/usr/sbin/nats-server")
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--nats-kill-every", type=float, default=20)
    ap.add_argument("--nats-down-seconds", type=float, default=3)
    ap.add_argument("--node-kill-every", type=float, default=30)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--redirectors", type=int, default=4)
    ap.add_argument("--redirect-pause", type=float, default=0.002)
    ap.add_argument("--keep", action="store_true", help="keep the data directory")
    ap.add_argument("--trace", action="store_true",
                    help="print, per nats-server kill, every write sent or answered from the "
                         "kill until the first acknowledged write sent after it (times from "
                         "the kill, status, node): where a failover's seconds went")
    ap.add_argument("--out", help="write the results as markdown here")
    args = ap.parse_args()
    linkly = os.path.abspath(args.linkly)

    root = tempfile.mkdtemp(prefix="linkly-chaos-")
    ports = [{"client": free_port(), "route": free_port()} for _ in range(3)]
    urls = ",".join(f"nats://127.0.0.1:{p['client']}" for p in ports)
    nats = [Nats(args.nats_server, root, k, ports) for k in range(3)]
    nodes = [Node(linkly, root, k, urls) for k in range(3)]
    run = Run(args)
    threads = []
    failures = []
    try:
        for n in nats:
            n.start()
        env = dict(os.environ, LINKLY_CLUSTER_NATS_URLS=urls, LINKLY_CLUSTER_NODE="init")
        deadline = now() + 60
        while True:
            init = subprocess.run([linkly, "cluster", "init"], env=env, capture_output=True,
                                  text=True)
            if init.returncode == 0:
                break
            if now() > deadline:
                raise RuntimeError("cluster init failed: " + init.stderr)
            time.sleep(0.5)
        for n in nodes:
            n.start()
        print(f"cluster up in {root}; load for {args.seconds:.0f} s", flush=True)
        run.started = now()

        targets = [lambda w=w: run.writer(nodes, w) for w in range(args.writers)]
        targets += [lambda r=r: run.redirector(nodes, r) for r in range(args.redirectors)]
        targets += [lambda: run.freshness_probe(nodes), lambda: run.events_client(nodes)]
        threads = [threading.Thread(target=t, daemon=True) for t in targets]
        for t in threads:
            t.start()
        run.chaos(nats, nodes)
        run.load_end = now()
        run.stop.set()
        for t in threads:
            t.join(30)

        # Drain: nothing unpublished, every replica at the same clicks head.
        drained = False
        deadline = now() + 120
        while now() < deadline:
            backlog = [metric(n.port, "linkly_cluster_clicks_unpublished") for n in nodes]
            heads = [metric(n.port, "linkly_cluster_clicks_replica_head") for n in nodes]
            if all(b == 0 for b in backlog) and None not in heads and len(set(heads)) == 1:
                drained = True
                break
            time.sleep(0.5)
        if not drained:
            failures.append(f"clicks did not drain: unpublished {backlog}, replica heads {heads}")
        for n in nodes:
            run.tally_lookups(n)
            n.stop()

        # Links: identical replicas; acknowledged ops present, in order.
        links = [dump(linkly, n.data, "links") for n in nodes]
        if not (links[0] == links[1] == links[2]):
            failures.append("the nodes' links logs differ")
        seq_of = {}
        created = {}
        for e in links[0]:
            ev = e.get("event", {})
            if e["type"] in ("LinkCreated", "LinkUpdated") and "url" in ev:
                seq_of[(e["key"], ev["url"])] = e["seq"]
            if e["type"] == "LinkCreated":
                created[e["key"]] = created.get(e["key"], 0) + 1
        missing = [op for op in run.ops if (op[2], op[3]) not in seq_of]
        if missing:
            failures.append(f"{len(missing)} acknowledged writes missing, e.g. {missing[0]}")
        twice = [c for c, k in created.items() if k != 1]
        if twice:
            failures.append(f"codes created more than once: {twice[:5]}")
        # An op acknowledged before another was sent must have the lower seq.
        by_sent = sorted((op for op in run.ops if (op[2], op[3]) in seq_of), key=lambda o: o[0])
        by_acked = sorted(by_sent, key=lambda o: o[1])
        order_errors, highest, j = 0, 0, 0
        for op in by_sent:
            while j < len(by_acked) and by_acked[j][1] < op[0]:
                highest = max(highest, seq_of[(by_acked[j][2], by_acked[j][3])])
                j += 1
            if seq_of[(op[2], op[3])] <= highest:
                order_errors += 1
        if order_errors:
            failures.append(f"{order_errors} writes stored before a write acknowledged earlier")

        # Clicks: each answered 302 once in every replica.
        click_logs = [dump(linkly, n.data, "clicks") for n in nodes]
        uas = [[e["event"].get("user_agent", "") for e in log if e["type"] == "ClickRecorded"]
               for log in click_logs]
        if not (uas[0] == uas[1] == uas[2]):
            failures.append("the nodes' clicks replicas differ")
        counted = {}
        for ua in uas[0]:
            counted[ua] = counted.get(ua, 0) + 1
        duplicated = [ua for ua, k in counted.items() if k > 1]
        lost = [ua for ua in run.answered if ua not in counted]
        unanswered = len(counted) - len(run.answered & set(counted))
        if duplicated:
            failures.append(f"{len(duplicated)} clicks stored twice, e.g. {duplicated[0]}")
        if lost:
            failures.append(f"{len(lost)} answered redirects have no click, e.g. {lost[0]}")

        verify = []
        for n in nodes:
            v = subprocess.run([linkly, "--data", n.data, "replay", "--verify"],
                               capture_output=True, text=True)
            verify.append(v.returncode)
            if v.returncode != 0:
                failures.append(f"replay --verify failed on {n.name}: {v.stdout[-500:]}")
        if run.events_errors:
            failures.append(f"/events gaps or repeats: {run.events_errors[:5]}")

        # Figures.
        nats_kills = [k for k in run.kills if k[0] == "nats"]
        failover = []
        load_end = run.load_end
        for _, _, killed, _ in nats_kills:
            after = [op[1] - killed for op in run.ops if op[0] >= killed]
            if after:
                failover.append(min(after))
            elif load_end - killed > 15:  # writes were tried long enough
                failover.append(float("inf"))
        live_fail_in_kills = [f for f in run.redirect_fail_live
                              if any(k[2] <= f[0] <= (k[3] or now()) + 10 for k in nats_kills)]
        lines = [
            f"- load: {args.seconds:.0f} s, {args.writers} writers, {args.redirectors} "
            f"redirect threads; {len(nats_kills)} nats-server kills (down "
            f"{args.nats_down_seconds:.0f} s each), "
            f"{len(run.kills) - len(nats_kills)} linkly node kills",
            f"- writes acknowledged: {len(run.ops)}, failed or unknown: {run.write_failures}; "
            f"links stream: {len(links[0])} events, {len(created)} codes",
            f"- missing acknowledged writes: {len(missing)}; out of order: {order_errors}; "
            f"codes with more than one LinkCreated: {len(twice)}",
            f"- redirects answered: {len(run.answered)}; clicks in every replica: "
            f"{len(uas[0])}; answered without a click: {len(lost)}; stored twice: "
            f"{len(duplicated)}; clicks without an answered 302 (cut off by a node kill): "
            f"{unanswered}",
            f"- redirects failed on a live node: {len(run.redirect_fail_live)} "
            f"({len(live_fail_in_kills)} within a nats-server kill + 10 s); on a killed "
            f"node: {run.redirect_fail_down}"
            # Those within a kill first: they are what the goal counts.
            + "".join(f"\n  - at {t - run.started:.1f} s on {node}: {err}"
                      for t, node, err in (live_fail_in_kills + [
                          f for f in run.redirect_fail_live if f not in live_fail_in_kills
                      ])[:12]),
            "- failover after each nats-server kill (first acknowledged write sent after "
            "it): " + ", ".join(f"{f:.2f} s" for f in failover)
            + (f"; max {max(failover):.2f} s" if failover else ""),
            f"- freshness (PUT acked on A until B redirects to it): {len(run.freshness)} "
            f"samples, p50 {percentile(run.freshness, 50) * 1000:.1f} ms, p99 "
            f"{percentile(run.freshness, 99) * 1000:.1f} ms",
            "- redirect misses asked of the links stream (node counters, summed before each "
            "node kill and at the end): "
            + (", ".join(f"{k} {v}" for k, v in sorted(run.lookups.items())) or "none"),
            f"- /events client: {run.events_seen} events, gaps or repeats: "
            f"{len(run.events_errors)}",
            f"- replay --verify exit codes: {verify}",
            f"- result: {'PASS' if not failures else 'FAIL'}",
        ] + [f"  - {f}" for f in failures]
        print("\n".join(lines))
        if args.trace:
            print_trace(run, nats_kills)
        if args.out:
            with open(args.out, "a") as f:
                f.write(f"\n### Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n")
                f.write("\n".join(lines) + "\n")
        return 0 if not failures else 1
    finally:
        run.stop.set()
        for n in nodes:
            try:
                n.stop()
            except Exception:  # noqa: BLE001 - best effort at exit
                pass
        for n in nats:
            if n.proc and n.proc.poll() is None:
                n.proc.kill()
                n.proc.wait()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"data kept in {root}")


if __name__ == "__main__":
    sys.exit(main())
