#!/usr/bin/env python3
"""Small fake registry servers for the xocker registry tests (stdlib only, 127.0.0.1 only).

  registry_fake.py error500 PORT               every request answered 500 with a registry error body
  registry_fake.py stall PORT                  accepts connections and never answers
  registry_fake.py token PORT UPSTREAM [U:P]   a Bearer-token registry front: /token issues tokens
                                               (Basic U:P required when given); /v2/... needs a token
                                               whose scope covers the repository and action, then is
                                               proxied to the registry at UPSTREAM (host:port)
  registry_fake.py throttle PORT UPSTREAM BPS  a proxy to UPSTREAM sending blob bodies at BPS bytes/s
"""
import base64
import http.client
import http.server
import json
import re
import secrets
import socket
import sys
import threading
import urllib.parse
import time


def error500(port):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self):
            body = json.dumps({"errors": [{"code": "UNKNOWN", "message": "internal failure"}]}).encode()
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = answer

    http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()


def stall(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)  # never read, never answered


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None
    rate = 0  # bytes per second for blob bodies, 0 = unlimited

    def log_message(self, *a):
        pass

    def allowed(self):
        return True

    def forward(self):
        if not self.allowed():
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(self.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "connection")}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        self.send_response(resp.status)
        data_len = resp.getheader("Content-Length")
        for k, v in resp.getheaders():
            if k.lower() in ("connection", "transfer-encoding", "keep-alive"):
                continue
            if k.lower() == "location":
                v = v.replace("//" + self.upstream + "/", "//" + self.headers.get("Host", "") + "/")
            self.send_header(k, v)
        data = resp.read()
        if data_len is None:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.send_body(data)
        conn.close()

    def send_body(self, data):
        if not self.rate or "/blobs/" not in self.path:
            self.wfile.write(data)
            return
        step = max(1, self.rate // 10)
        for i in range(0, len(data), step):
            self.wfile.write(data[i:i + step])
            self.wfile.flush()
            time.sleep(0.1)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = forward


def throttle(port, upstream, rate):
    Proxy.upstream = upstream
    Proxy.rate = int(rate)
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()


def token(port, upstream, creds=None):
    tokens = {}
    lock = threading.Lock()
    realm = "http://127.0.0.1:%d/token" % port

    class T(Proxy):
        def challenge(self, scope):
            body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}).encode()
            self.send_response(401)
            extra = ',scope="%s"' % scope if scope else ""
            self.send_header("WWW-Authenticate", 'Bearer realm="%s",service="fake-registry"%s' % (realm, extra))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def issue(self):
            if creds:
                auth = self.headers.get("Authorization", "")
                if auth != "Basic " + base64.b64encode(creds.encode()).decode():
                    body = b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}'
                    self.send_response(401)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
            query = self.path.split("?", 1)[1] if "?" in self.path else ""
            scopes = set()
            for part in query.split("&"):
                if part.startswith("scope="):
                    s = urllib.parse.unquote(part[6:])
                    m = re.match(r"repository:([^:]+):(.*)", s)
                    if m:
                        for action in m.group(2).split(","):
                            scopes.add((m.group(1), action))
            tok = "tok-" + secrets.token_hex(8)
            with lock:
                tokens[tok] = scopes
            body = json.dumps({"token": tok, "expires_in": 300}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def allowed(self):
            if self.path.startswith("/token"):
                self.issue()
                return False
            m = re.match(r"/v2/(.+?)/(manifests|blobs|tags)/", self.path)
            action = "pull" if self.command in ("GET", "HEAD") else "push"
            scope = "repository:%s:%s" % (m.group(1), action) if m else ""
            auth = self.headers.get("Authorization", "")
            tok = auth[7:] if auth.startswith("Bearer ") else None
            with lock:
                have = tokens.get(tok)
            if have is None or (m and (m.group(1), action) not in have):
                self.challenge(scope)
                return False
            return True

    T.upstream = upstream
    http.server.ThreadingHTTPServer(("127.0.0.1", port), T).serve_forever()


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "error500":
        error500(port)
    elif mode == "stall":
        stall(port)
    elif mode == "token":
        token(port, sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif mode == "throttle":
        throttle(port, sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
