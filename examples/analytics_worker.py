#!/usr/bin/env python3
"""The tutorial's analytics worker, as an external durable subscriber of linkly.

Reads the link events of a running linkly from its /events Server-Sent Events
stream and counts the links created per UTC day (from each event's "at").

Durable: the worker keeps its own checkpoint, the sequence number of the last
event it applied. The checkpoint and the counts live in ONE state file, written
atomically (temp file, fsync, rename) AFTER the event is applied, so a crash
can never leave counts that disagree with the checkpoint. On (re)connect the
worker sends `Last-Event-ID: <checkpoint>` and linkly resumes right after it;
an event at or below the checkpoint is skipped, so each counts exactly once.

Python 3 standard library only.

    python3 examples/analytics_worker.py http://127.0.0.1:3111
    python3 examples/analytics_worker.py http://127.0.0.1:3111 --state s.json --until-seq 42
    python3 examples/analytics_worker.py http://127.0.0.1:3111 --once

Exit status: 0 when it stopped as asked (--once, --until-seq, Ctrl-C), 1 on a
bad answer from the server or a state file it cannot read.
"""

import argparse
import http.client
import json
import os
import socket
import sys
import tempfile
import time
import urllib.parse

# Reconnect back-off after a dropped or refused connection, in seconds.
INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 30.0
# Without --once, a read waits this long; linkly sends a keep-alive comment
# every 15 s, so only a dead connection gets this far.
READ_TIMEOUT_S = 60.0
# With --once, this many failed connections in a row end the run.
ONCE_MAX_FAILURES = 3


class state:
    """The checkpoint and the counts, saved together."""

    def __init__(self, path):
        self.path = path
        self.last_seq = 0
        self.created_per_day = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            self.last_seq = int(data["last_seq"])
            self.created_per_day = {k: int(v) for k, v in data["created_per_day"].items()}

    def apply(self, seq, event_type, envelope):
        """Applies one event; returns False (and changes nothing) for one
        already applied."""
        if seq <= self.last_seq:
            return False
        if event_type == "LinkCreated":
            day = envelope["at"][:10]  # "YYYY-MM-DD" of an ISO-8601 UTC time
            self.created_per_day[day] = self.created_per_day.get(day, 0) + 1
        self.last_seq = seq
        return True

    def save(self):
        """Atomic: readers (and a restarted worker) see the old file or the
        new one, never half of one."""
        directory = os.path.dirname(os.path.abspath(self.path))
        body = json.dumps(
            {"last_seq": self.last_seq, "created_per_day": self.created_per_day},
            sort_keys=True,
        )
        fd, tmp = tempfile.mkstemp(prefix=".analytics-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(body + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a power loss
        finally:
            os.close(dir_fd)


class server_error(Exception):
    pass


def sse_messages(response):
    """Yields (id, event, data) per message of an SSE response; comments
    (": keep-alive") are skipped."""
    msg_id, event, data = None, "", []
    while True:
        raw = response.readline()
        if not raw:
            return  # the server closed the stream
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                yield msg_id, event, "\n".join(data)
            msg_id, event, data = None, "", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "id":
            msg_id = value
        elif field == "event":
            event = value
        elif field == "data":
            data.append(value)


def follow(base, st, until_seq, quiet_s, counters):
    """One connection: applies events until the stream ends, `until_seq` is
    reached (returns True) or, with `quiet_s`, nothing arrives for that long
    (returns True)."""
    url = urllib.parse.urlsplit(base)
    conn_type = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    timeout = quiet_s if quiet_s is not None else READ_TIMEOUT_S
    conn = conn_type(url.hostname, url.port, timeout=timeout)
    try:
        path = url.path.rstrip("/") + "/events?after=%d" % st.last_seq
        conn.request(
            "GET",
            path,
            headers={"Accept": "text/event-stream", "Last-Event-ID": str(st.last_seq)},
        )
        response = conn.getresponse()
        if response.status != 200:
            raise server_error("GET %s: %d %s" % (path, response.status, response.read()[:200]))
        try:
            for msg_id, event, data in sse_messages(response):
                envelope = json.loads(data)
                seq = int(msg_id) if msg_id is not None else int(envelope["seq"])
                if st.apply(seq, event or envelope.get("type", ""), envelope):
                    st.save()  # after applying: the checkpoint never runs ahead
                    counters["applied"] += 1
                else:
                    counters["skipped"] += 1
                if until_seq is not None and st.last_seq >= until_seq:
                    return True
        except (socket.timeout, TimeoutError):
            if quiet_s is not None:
                return True  # caught up and quiet: --once is done
            raise
        return False
    finally:
        conn.close()


def main(argv):
    parser = argparse.ArgumentParser(description="Count links created per UTC day from /events.")
    parser.add_argument("base_url", help="linkly's base url, e.g. http://127.0.0.1:3111")
    parser.add_argument(
        "--state",
        default="analytics_state.json",
        help="state file: checkpoint and counts (default: %(default)s)",
    )
    parser.add_argument(
        "--until-seq", type=int, help="stop once the event with this sequence number is applied"
    )
    parser.add_argument(
        "--once", action="store_true", help="stop once caught up (no event for --quiet-s)"
    )
    parser.add_argument(
        "--quiet-s",
        type=float,
        default=2.0,
        help="with --once: how long without an event means caught up (default: %(default)s)",
    )
    args = parser.parse_args(argv)

    try:
        st = state(args.state)
    except (OSError, ValueError, KeyError) as e:
        print("analytics_worker: cannot read %s: %s" % (args.state, e), file=sys.stderr)
        return 1
    start_seq = st.last_seq
    counters = {"applied": 0, "skipped": 0}
    quiet_s = args.quiet_s if args.once else None
    backoff = INITIAL_BACKOFF_S
    failures = 0  # in a row
    done = args.until_seq is not None and st.last_seq >= args.until_seq
    try:
        while not done:
            try:
                done = follow(args.base_url, st, args.until_seq, quiet_s, counters)
                backoff = INITIAL_BACKOFF_S
                failures = 0
            except server_error as e:
                print("analytics_worker: %s" % e, file=sys.stderr)
                return 1
            except (OSError, http.client.HTTPException) as e:
                failures += 1
                if args.once and failures >= ONCE_MAX_FAILURES:
                    print("analytics_worker: %s; giving up (--once)" % e, file=sys.stderr)
                    return 1
                print(
                    "analytics_worker: connection lost (%s); resuming after seq %d in %.1fs"
                    % (e, st.last_seq, backoff),
                    file=sys.stderr,
                )
                time.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            if not done and args.once:
                done = True  # the server ended the stream: nothing more for now
            elif not done:
                print(
                    "analytics_worker: stream ended; resuming after seq %d in %.1fs"
                    % (st.last_seq, backoff),
                    file=sys.stderr,
                )
                time.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
    except KeyboardInterrupt:
        pass

    print(
        "analytics_worker: applied %d events (seq %d -> %d), skipped %d already applied"
        % (counters["applied"], start_seq, st.last_seq, counters["skipped"])
    )
    for day in sorted(st.created_per_day):
        print("  %s  %d links created" % (day, st.created_per_day[day]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
