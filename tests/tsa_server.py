"""A local RFC 3161 time-stamp service for the tests, on 127.0.0.1: the
authority is OpenSSL's `ts -reply` (not ours), behind Python's HTTP server.

  python3 tests/tsa_server.py CONFIG PORT_FILE [USER:PASSWORD]

CONFIG is the OpenSSL configuration naming the authority's key and
certificates (the test makes them). The chosen port is written to
PORT_FILE once the server listens. With USER:PASSWORD, a request without
those HTTP basic credentials is answered 401.
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


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
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
