#!/usr/bin/env python3
"""The test web server for account autoconfiguration: answers as the web
servers of the test domains would (Thunderbird's autoconfig host, a
domain's .well-known path), by the Host header, on one loopback port.

Usage: autoconfig.py PORT DIR PIDFILE   (serves DIR/<host><path>)
"""
import http.server
import os
import sys

port, root, pidfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = self.path.split("?")[0]
        file = os.path.normpath(os.path.join(root, host + path))
        if not file.startswith(root + os.sep) or not os.path.isfile(file):
            self.send_error(404)
            return
        with open(file, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.headers.get("Host"), fmt % args))


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
with open(pidfile, "w") as f:
    f.write(str(os.getpid()))
server.serve_forever()
