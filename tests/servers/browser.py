#!/usr/bin/env python3
"""The "system browser" of the OAuth tests, set as $BROWSER: opens the
consent page the app asks for, keeps cookies, follows redirects, signs in
on the provider's login form with TL_BROWSER_LOGIN / TL_BROWSER_PASSWORD,
allows access on its consent form, and so ends at the app's loopback
redirect, as a person clicking through would. What it saw goes to
TL_BROWSER_LOG (the app starts it with its output discarded). While the
file TL_BROWSER_HOLD names exists, the person has not come back to the page
yet: nothing is clicked.

Usage: browser.py URL
"""
import html.parser
import http.cookiejar
import os
import sys
import time
import urllib.parse
import urllib.request

log = open(os.environ.get("TL_BROWSER_LOG", os.devnull), "a")


class Forms(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")


hold = os.environ.get("TL_BROWSER_HOLD")
while hold and os.path.exists(hold):
    time.sleep(0.1)

opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
url, data = sys.argv[1], None
for step in range(10):
    print(f"{'POST' if data else 'GET'} {url}", file=log, flush=True)
    with opener.open(url, data=data, timeout=30) as response:
        final, body = response.geturl(), response.read().decode("utf-8", "replace")
    print(f"  -> {final}: {body[:200]!r}", file=log, flush=True)
    parser = Forms()
    parser.feed(body)
    if not parser.forms:
        break
    form = parser.forms[0]
    if os.environ.get("TL_BROWSER_DENY"):
        # The person says no: the provider sends the app an error.
        form = next((f for f in parser.forms if f["action"].endswith("/abort")), form)
    fields = form["fields"]
    if "login" in fields:
        fields["login"] = os.environ.get("TL_BROWSER_LOGIN", "")
        fields["password"] = os.environ.get("TL_BROWSER_PASSWORD", "")
    url = urllib.parse.urljoin(final, form["action"])
    data = urllib.parse.urlencode(fields).encode()
