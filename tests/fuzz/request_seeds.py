#!/usr/bin/env python3
"""Writes the request target's seeds that need exact lengths (Content-Length,
chunk sizes): python3 tests/fuzz/request_seeds.py tests/fuzz/corpus/request"""
import os
import sys

TOKEN = "fuzz-token-0123456789abcdef"  # request_fuzz.cpp's kToken
AUTH = f"Authorization: Bearer {TOKEN}\r\n"


def req(method, target, body=None, headers="", auth=True, ctype="application/json"):
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (AUTH if auth else "") + headers
    if body is None:
        return head + "\r\n"
    if ctype:
        head += f"Content-Type: {ctype}\r\n"
    return head + f"Content-Length: {len(body.encode())}\r\n\r\n" + body


def chunked(method, target, chunks, headers="", trailers="", ctype="application/json"):
    head = (f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{AUTH}{headers}"
            f"Content-Type: {ctype}\r\nTransfer-Encoding: chunked\r\n\r\n")
    body = "".join(f"{len(c.encode()):x}{ext}\r\n{c}\r\n" for c, ext in chunks)
    return head + body + "0\r\n" + trailers + "\r\n"


SEEDS = {
    "create-auth": req("POST", "/links", '{"url":"https://example.com/a","code":"fz-1"}'),
    "create-then-redirect": req("POST", "/links", '{"url":"https://example.com/r","code":"abc123"}')
    + req("GET", "/abc123", auth=False,
          headers="User-Agent: curl/8\r\nReferer: https://ref.example/x\r\nCF-IPCountry: DE\r\n"),
    "create-chunked": chunked("POST", "/links",
                              [('{"url":"https://', ";ext=1"), ('example.com/c"}', "")],
                              trailers="X-Trailer: yes\r\n"),
    "import-csv": req("POST", "/links/import",
                      "code,url\nimp-1,https://example.com/1\r\nimp-2, example.org/2 \nbad line\n,https://x.example\n",
                      ctype="text/csv"),
    "import-chunked": chunked("POST", "/links/import",
                              [("imp-3,https://examp", ""), ("le.com/3\nimp", ""), ("-4,https://e.co/4\n", "")],
                              headers="Expect: 100-continue\r\n", ctype="text/csv"),
    "login": req("POST", "/login", "", ctype=None) + req("POST", "/login", "", auth=False, ctype=None)
    + req("POST", "/logout", "", auth=False, ctype=None),
    "list-links": req("GET", "/links?limit=5&after=a")
    + req("GET", "/links/abc123?as_of=1") + req("GET", "/links/abc123/history?limit=2")
    + req("GET", "/links/abc123", headers="Connection: close\r\n"),
    "update-delete-pipelined": req("POST", "/links", '{"url":"https://example.com/u","code":"fz-2"}')
    + req("PUT", "/links/fz-2", '{"url":"https://example.com/e"}')
    + req("DELETE", "/links/fz-2") + req("GET", "/links/fz-2/stats")
    + req("GET", "/links/fz-2/history"),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, text in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(text.encode())
