"""A local certification authority's services for the tests, on
127.0.0.1, all of them OpenSSL's (not ours) behind Python's HTTP server:

- RFC 3161 time-stamps (POST to any other path): `openssl ts -reply`;
- OCSP (POST to /ocsp): `openssl ocsp` answering from CONFIG's folder's
  index.txt for the certificates inter.crt issued, signed by inter.key;
- CRLs (GET /crl/NAME.crl): the file NAME.crl of CONFIG's folder, as is.

  python3 tests/tsa_server.py CONFIG PORT_FILE [USER:PASSWORD]

CONFIG is the OpenSSL configuration naming the authority's key and
certificates (the test makes them). The chosen port is written to
PORT_FILE once the server listens. With USER:PASSWORD, a time-stamp
request without those HTTP basic credentials is answered 401.
"""

import base64
import http.server
import os
import subprocess
import sys
import tempfile
import threading

CONFIG, PORT_FILE = sys.argv[1], sys.argv[2]
AUTH = "Basic " + base64.b64encode(sys.argv[3].encode()).decode() if len(sys.argv) > 3 else None
LOCK = threading.Lock()


DIR = os.path.dirname(os.path.abspath(CONFIG))


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, code, data, kind="application/octet-stream"):
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        path = os.path.join(DIR, name)
        if not self.path.startswith("/crl/") or not name.endswith(".crl") or "/" in name or not os.path.isfile(path):
            return self.answer(404, b"")
        with open(path, "rb") as f:
            self.answer(200, f.read(), "application/pkix-crl")

    def openssl(self, body, args, kind):
        """Answer with what OpenSSL replies to the request `body`: its file
        stands for "{q}" in `args`, the reply's for "{r}"."""
        with tempfile.TemporaryDirectory() as t:
            query, reply = os.path.join(t, "q.der"), os.path.join(t, "r.der")
            with open(query, "wb") as f:
                f.write(body)
            p = subprocess.run(["openssl"] + [{"{q}": query, "{r}": reply}.get(a, a) for a in args], capture_output=True)
            if p.returncode != 0:
                return self.answer(500, p.stderr)
            with open(reply, "rb") as f:
                self.answer(200, f.read(), kind)

    def do_POST(self):
        body = lambda: self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/ocsp":
            at = lambda name: os.path.join(DIR, name)
            return self.openssl(
                body(),
                ["ocsp", "-index", at("index.txt"), "-CA", at("inter.crt"), "-rsigner", at("inter.crt"), "-rkey", at("inter.key"), "-reqin", "{q}", "-respout", "{r}", "-ndays", "1"],
                "application/ocsp-response",
            )
        if AUTH and self.headers.get("Authorization") != AUTH:
            return self.answer(401, b"")
        request = body()
        # OpenSSL rewrites its serial file on every token: one at a time.
        with LOCK:
            self.openssl(request, ["ts", "-reply", "-config", CONFIG, "-queryfile", "{q}", "-out", "{r}"], "application/timestamp-reply")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
