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
# OpenSSL rewrites its serial file on every token: one at a time.
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

    def ocsp(self, body):
        with tempfile.TemporaryDirectory() as t:
            query, reply = os.path.join(t, "q.der"), os.path.join(t, "r.der")
            with open(query, "wb") as f:
                f.write(body)
            p = subprocess.run(
                ["openssl", "ocsp", "-index", os.path.join(DIR, "index.txt"), "-CA", os.path.join(DIR, "inter.crt"),
                 "-rsigner", os.path.join(DIR, "inter.crt"), "-rkey", os.path.join(DIR, "inter.key"),
                 "-reqin", query, "-respout", reply, "-ndays", "1"],
                capture_output=True,
            )
            if p.returncode != 0:
                return self.answer(500, p.stderr)
            with open(reply, "rb") as f:
                self.answer(200, f.read(), "application/ocsp-response")

    def do_POST(self):
        if self.path == "/ocsp":
            return self.ocsp(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        if AUTH and self.headers.get("Authorization") != AUTH:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with tempfile.TemporaryDirectory() as t, LOCK:
            query, reply = os.path.join(t, "q.tsq"), os.path.join(t, "r.tsr")
            with open(query, "wb") as f:
                f.write(body)
            p = subprocess.run(["openssl", "ts", "-reply", "-config", CONFIG, "-queryfile", query, "-out", reply], capture_output=True)
            if p.returncode != 0:
                self.send_response(500)
                self.send_header("Content-Length", str(len(p.stderr)))
                self.end_headers()
                self.wfile.write(p.stderr)
                return
            with open(reply, "rb") as f:
                data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
