#!/usr/bin/env python3
"""A SCRIPTED stand-in for Gmail's IMAP server, for the one thing no real
server offline can do: X-GM-EXT-1. It is not an IMAP server. It answers the
commands Threadline's sync sends with responses in the form Google documents
for Gmail (https://developers.google.com/gmail/imap/imap-extensions): its
greeting and CAPABILITY (X-GM-EXT-1 and CONDSTORE, no QRESYNC), its
[Gmail]/ folders with SPECIAL-USE attributes, a message shown in every
label's folder under a UID of each, with the same X-GM-MSGID, X-GM-THRID
and X-GM-LABELS everywhere.

Sign-in as Google documents it for XOAUTH2 (and OAUTHBEARER): the bearer
token is checked by asking the test OpenID provider about it (RFC 7662, as
Dovecot does); a refused one gets the JSON challenge Gmail sends, which the
client must answer before the NO.

The mailbox is a JSON file, read again at every command that reads it, so a
test changes it between passes ("auth": the SASL mechanisms offered,
default XOAUTH2 and OAUTHBEARER; "introspect": the introspection URL with
the client's credentials; "reject": refuse every token):
  {"messages": [{"msgid": 1, "thrid": 1, "labels": ["\\\\Inbox", "Customers"],
                 "flags": ["\\\\Seen"], "date": "01-Dec-2026 09:00:00 +0000",
                 "raw": "From: …", "uids": {"INBOX": 1, "[Gmail]/All Mail": 1}}],
   "modseq": 100}
Every UID FETCH that asks for a body is logged to LOG as "FOLDER UID MSGID".

Usage: gmail_replay.py PORT CERT KEY MAILBOX_JSON LOG PIDFILE
"""
import asyncio
import base64
import json
import os
import re
import ssl
import sys
import urllib.parse
import urllib.request

port, cert, key, mailbox_file, log_file, pid_file = sys.argv[1:7]

FOLDERS = [
    ("INBOX", "\\HasNoChildren"),
    ("[Gmail]", "\\HasChildren \\Noselect"),
    ("[Gmail]/All Mail", "\\All \\HasNoChildren"),
    ("[Gmail]/Drafts", "\\Drafts \\HasNoChildren"),
    ("[Gmail]/Important", "\\HasNoChildren \\Important"),
    ("[Gmail]/Sent Mail", "\\HasNoChildren \\Sent"),
    ("[Gmail]/Spam", "\\HasNoChildren \\Junk"),
    ("[Gmail]/Starred", "\\Flagged \\HasNoChildren"),
    ("[Gmail]/Trash", "\\HasNoChildren \\Trash"),
    ("Customers", "\\HasNoChildren"),
]
CAPABILITY = ("IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS "
              "ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE")


def token_is_active(box, user, token):
    """What the OpenID provider says of the token (RFC 7662)."""
    if box.get("reject") or "introspect" not in box:
        return False
    url = urllib.parse.urlsplit(box["introspect"])
    plain = url._replace(netloc=url.hostname + (f":{url.port}" if url.port else "")).geturl()
    request = urllib.request.Request(plain, data=urllib.parse.urlencode({"token": token}).encode())
    basic = base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {basic}")
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.load(response)
    return answer.get("active") is True and answer.get("sub") == user


def load():
    with open(mailbox_file) as f:
        return json.load(f)


def in_folder(box, folder):
    """(uid, message) of a folder, by UID."""
    found = [(m["uids"][folder], m) for m in box["messages"] if folder in m.get("uids", {})]
    return sorted(found, key=lambda p: p[0])


def uid_set(spec, known):
    """The UIDs of `known` a UID set names (n, n:m, n:*, lists)."""
    top = max(known) if known else 0
    chosen = set()
    for part in spec.split(","):
        if ":" in part:
            a, b = part.split(":")
            a = top if a == "*" else int(a)
            b = top if b == "*" else int(b)
            lo, hi = min(a, b), max(a, b)
            chosen.update(u for u in known if lo <= u <= hi)
        else:
            u = top if part == "*" else int(part)
            if u in known:
                chosen.add(u)
    return sorted(chosen)


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def labels_of(m):
    return "(" + " ".join(l if l.startswith("\\") else quoted(l) for l in m["labels"]) + ")"


class Session:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.folder = None
        self.authenticated = False

    def send(self, data):
        self.writer.write(data if isinstance(data, bytes) else data.encode())

    async def run(self):
        self.send("* OK Gimap ready for requests from 127.0.0.1 replay\r\n")
        while True:
            line = await self.reader.readline()
            if not line:
                return
            text = line.decode().rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                sub, _, args = args.partition(" ")
                command = "UID " + sub.upper()
            handler = {
                "CAPABILITY": self.capability, "LOGIN": self.login, "AUTHENTICATE": self.authenticate,
                "ID": self.id, "NAMESPACE": self.namespace,
                "LIST": self.list, "STATUS": self.status, "SELECT": self.select, "EXAMINE": self.select,
                "UID SEARCH": self.search, "UID FETCH": self.fetch, "NOOP": self.ok, "CHECK": self.ok,
                "CLOSE": self.ok, "UNSELECT": self.ok, "ENABLE": self.ok, "LOGOUT": self.logout,
            }.get(command)
            if handler is None:
                self.send(f"{tag} BAD Unknown command\r\n")
            elif await handler(tag, args) == "bye":
                await self.writer.drain()
                return
            await self.writer.drain()

    async def ok(self, tag, _args):
        self.send(f"{tag} OK Success\r\n")

    async def capability(self, tag, _args):
        if self.authenticated:
            listed = CAPABILITY
        else:
            # Before login Gmail lists its SASL mechanisms instead.
            mechanisms = load().get("auth", ["XOAUTH2", "OAUTHBEARER"])
            listed = "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 XYZZY SASL-IR " + " ".join(
                f"AUTH={m}" for m in mechanisms)
        self.send(f"* CAPABILITY {listed}\r\n{tag} OK Thats all she wrote!\r\n")

    async def authenticate(self, tag, args):
        mechanism, _, initial = args.partition(" ")
        mechanism = mechanism.upper()
        box = load()
        if mechanism not in box.get("auth", ["XOAUTH2", "OAUTHBEARER"]):
            self.send(f"{tag} NO [ALERT] Unsupported mechanism\r\n")
            return
        if not initial:
            self.send("+ \r\n")
            await self.writer.drain()
            initial = (await self.reader.readline()).decode().strip()
        said = base64.b64decode(initial).decode()
        fields = dict(p.split("=", 1) for p in said.replace("n,a=", "user=").split("\x01") if "=" in p)
        user = fields.get("user", "").rstrip(",").replace("=2C", ",").replace("=3D", "=")
        token = fields.get("auth", "").removeprefix("Bearer ")
        ok = token_is_active(box, user, token)
        with open(log_file, "a") as log:
            log.write(f"AUTHENTICATE {mechanism} {user} {'ok' if ok else 'refused'}\n")
        if ok:
            self.authenticated = True
            self.send(f"{tag} OK {user} authenticated (Success)\r\n")
            return
        reason = json.dumps({"status": "401", "schemes": "Bearer", "scope": "https://mail.google.com/"}, separators=(",", ":"))
        self.send(f"+ {base64.b64encode(reason.encode()).decode()}\r\n")
        await self.writer.drain()
        await self.reader.readline()
        self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n")

    async def login(self, tag, _args):
        self.authenticated = True
        self.send(f"{tag} OK [CAPABILITY {CAPABILITY}] user authenticated (Success)\r\n")

    async def id(self, tag, _args):
        self.send('* ID ("name" "GImap" "vendor" "Google, Inc." "support-url" "https://support.google.com/mail")\r\n')
        self.send(f"{tag} OK Success\r\n")

    async def namespace(self, tag, _args):
        self.send(f'* NAMESPACE (("" "/")) NIL NIL\r\n{tag} OK Success\r\n')

    async def list(self, tag, _args):
        for name, attributes in FOLDERS:
            self.send(f'* LIST ({attributes}) "/" {quoted(name)}\r\n')
        self.send(f"{tag} OK Success\r\n")

    def folder_state(self, name):
        box = load()
        messages = in_folder(box, name)
        uidnext = (messages[-1][0] + 1) if messages else 1
        return box, messages, uidnext

    async def status(self, tag, args):
        name = json.loads(args[: args.rindex(" (")]) if args.startswith('"') else args.split(" ")[0]
        box, messages, uidnext = self.folder_state(name)
        self.send(f"* STATUS {quoted(name)} (MESSAGES {len(messages)} UIDNEXT {uidnext} UIDVALIDITY 1 "
                  f"HIGHESTMODSEQ {box['modseq']})\r\n{tag} OK Success\r\n")

    async def select(self, tag, args):
        name = args
        if name.endswith(" (CONDSTORE)"):
            name = name[: -len(" (CONDSTORE)")]
        if name.startswith('"'):
            name = json.loads(name)
        if name not in [f for f, a in FOLDERS if "\\Noselect" not in a]:
            self.send(f"{tag} NO [NONEXISTENT] Unknown Mailbox: {name}\r\n")
            return
        self.folder = name
        box, messages, uidnext = self.folder_state(name)
        self.send("* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen $NotPhishing $Phishing)\r\n"
                  "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen $NotPhishing $Phishing \\*)] Flags permitted.\r\n"
                  "* OK [UIDVALIDITY 1] UIDs valid.\r\n"
                  f"* {len(messages)} EXISTS\r\n* 0 RECENT\r\n"
                  f"* OK [UIDNEXT {uidnext}] Predicted next UID.\r\n"
                  f"* OK [HIGHESTMODSEQ {box['modseq']}]\r\n"
                  f"{tag} OK [READ-WRITE] {name} selected. (Success)\r\n")

    async def search(self, tag, args):
        box, messages, _ = self.folder_state(self.folder)
        uids = [u for u, _ in messages]
        words = args.split()
        if words and words[0].upper() == "UID":
            uids = uid_set(words[1], uids)
        self.send(f"* SEARCH {' '.join(map(str, uids))}\r\n{tag} OK SEARCH completed (Success)\r\n")

    async def fetch(self, tag, args):
        spec, _, items = args.partition(" ")
        box, messages, _ = self.folder_state(self.folder)
        by_uid = dict(messages)
        changedsince = re.search(r"\(CHANGEDSINCE (\d+)\)", items)
        upper = items.upper()
        body = re.search(r"BODY\.PEEK\[\]<(\d+)\.(\d+)>", items, re.I)
        seq_of = {uid: n for n, (uid, _) in enumerate(messages, start=1)}
        for uid in uid_set(spec, list(by_uid)):
            m, seq = by_uid[uid], seq_of[uid]
            modseq = m.get("modseq", box["modseq"])
            if changedsince and modseq <= int(changedsince.group(1)):
                continue
            parts = [f"UID {uid}"]
            if "FLAGS" in upper:
                parts.append(f"FLAGS ({' '.join(m.get('flags', []))})")
            if "INTERNALDATE" in upper:
                parts.append(f'INTERNALDATE "{m["date"]}"')
            if "RFC822.SIZE" in upper:
                parts.append(f"RFC822.SIZE {len(m['raw'].encode())}")
            if "MODSEQ" in upper or changedsince:
                parts.append(f"MODSEQ ({modseq})")
            if "X-GM-MSGID" in upper:
                parts.append(f"X-GM-MSGID {m['msgid']}")
            if "X-GM-THRID" in upper:
                parts.append(f"X-GM-THRID {m['thrid']}")
            if "X-GM-LABELS" in upper:
                parts.append(f"X-GM-LABELS {labels_of(m)}")
            head = f"* {seq} FETCH (" + " ".join(parts)
            if body:
                origin, length = int(body.group(1)), int(body.group(2))
                data = m["raw"].encode()[origin: origin + length]
                with open(log_file, "a") as log:
                    log.write(f"{self.folder} {uid} {m['msgid']}\n")
                self.send(f"{head} BODY[]<{origin}> {{{len(data)}}}\r\n".encode() + data + b")\r\n")
            else:
                self.send(head + ")\r\n")
        self.send(f"{tag} OK Success\r\n")

    async def logout(self, tag, _args):
        self.send(f"* BYE LOGOUT Requested\r\n{tag} OK 73 good day (Success)\r\n")
        return "bye"


async def main():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def serve(reader, writer):
        try:
            await Session(reader, writer).run()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", int(port), ssl=context)
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    async with server:
        await server.serve_forever()


asyncio.run(main())
