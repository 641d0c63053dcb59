"""A stand-in for a coalition partner's website, for `make run`: a page on another origin
(another port) that embeds the demo campaign's sign form and counter in iframes.

Usage: partner_site.py SIGNON_BASE_URL PORT
"""

from __future__ import annotations

import contextlib
import html
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>River Friends Coalition</title>
<style>
  body {{ font-family: Georgia, serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
         background: #f4f1ea; color: #222; }}
  .columns {{ display: flex; flex-wrap: wrap; gap: 2rem; align-items: flex-start; }}
  .columns > div {{ flex: 1 1 20rem; }}
  iframe {{ border: 0; width: 100%; background: #fff; }}
</style>
</head>
<body>
<header><h1>River Friends Coalition</h1>
<p>This page stands for a partner's own website, served from another origin ({origin}).
Signon lets it frame the campaign because the demo campaign lists this origin.</p></header>
<div class="columns">
<div><h2>Why we signed</h2><p>Our members have walked this river for forty years.
Add your name below: the form is Signon's, embedded here.</p>
<iframe src="{base}/embed/demo/counter" title="Drop the charges: signatures so far"
        height="170" loading="lazy"></iframe></div>
<div><iframe src="{base}/embed/demo/form" title="Drop the charges: sign"
        height="900"></iframe></div>
</div>
</body>
</html>
"""


def _end_with_parent(server: ThreadingHTTPServer) -> None:
    """`make run` starts this beside the Signon server: when that process ends, so does this."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    server.shutdown()


def main() -> None:
    base, port = sys.argv[1].rstrip("/"), int(sys.argv[2])
    origin = f"http://127.0.0.1:{port}"
    body = PAGE.format(base=html.escape(base, quote=True), origin=origin).encode()

    class Partner(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path not in ("/", "/index.html"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the Signon server's own output is what matters in this terminal

    with ThreadingHTTPServer(("127.0.0.1", port), Partner) as server:
        threading.Thread(target=_end_with_parent, args=(server,), daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


if __name__ == "__main__":
    main()
