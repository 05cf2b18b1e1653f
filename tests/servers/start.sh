#!/usr/bin/env bash
# Starts the test mail servers on loopback: Dovecot (IMAPS, IMAP+STARTTLS,
# LMTP, SASL auth), GNU Mailutils imap4d (IMAPS; a second, different IMAP
# server: no MOVE, UIDPLUS or SPECIAL-USE, folders under "INBOX.") and Postfix (SMTP for incoming mail, plus submission with
# STARTTLS and SMTPS with implicit TLS, both requiring a login checked by
# Dovecot), delivering into Dovecot over LMTP with sub-addressing. Mail for
# other domains is discarded: nothing ever leaves loopback. NSD serves the
# zone auth.test (SPF records and a DKIM key made for the run) to tests that
# check mail authentication, and discover.test with a web server for the
# autoconfig files of its domains (account autoconfiguration), and an OpenID
# provider (oidc-provider, from npm) whose access tokens Dovecot accepts for
# IMAP and, through its SASL service, Postfix for submission (OAuth sign-in). No systemd; everything lives in one run directory.
# Idempotent: if the servers already run, it only prints the env file.
# Usage: start.sh [RUN_DIR]   (prints the path of the env file)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=${1:-${THREADLINE_TEST_RUN:-$here/.run}}
mkdir -p "$run"
run=$(cd "$run" && pwd)
exec 9>"$run/.lock"
flock 9

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
# (An env file from an older version of this script lacks the SMTPS port.)
if [ -f "$run/env" ] && grep -q '^TL_HTTP_PORT=' "$run/env" && alive "$run/dovecot-base/master.pid" \
  && alive "$run/postfix-queue/pid/master.pid" && alive "$run/imap4d.pid" && alive "$run/nsd.pid" \
  && alive "$run/web.pid" && alive "$run/oidc.pid" && grep -q '^TL_OIDC_PORT=' "$run/env"; then
  # A session that ended may have deleted the mailboxes (tests/session.sh).
  mkdir -p "$run/mail" && chown tlmail:tlmail "$run/mail"
  echo "$run/env"; exit 0
fi
"$here/stop.sh" "$run" >/dev/null 2>&1 || true

# Nine distinct free ports: every socket stays bound until all are picked
# (picked one by one, the kernel may hand out the same port twice).
pick_ports() {
  read -r IMAPS_PORT IMAP_PORT SMTP_PORT SUBMISSION_PORT SMTPS_PORT IMAP4D_PORT DNS_PORT HTTP_PORT OIDC_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(9)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
}

# The OpenID provider's npm packages, exactly as locked (again only when the
# lock file changed).
oidc="$here/oidc"
want=$(sha256sum "$oidc/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$oidc/node_modules/.threadline-lock-sha256" 2>/dev/null)" != "$want" ]; then
  (cd "$oidc" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" > "$oidc/node_modules/.threadline-lock-sha256"
fi

# Mail must be owned by an unprivileged user.
id tlmail >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin tlmail
MAIL_UID=$(id -u tlmail); MAIL_GID=$(id -g tlmail)

# A throwaway CA and a server certificate for localhost/127.0.0.1 and the
# servers a guess finds for guess.discover.test.
if [ ! -f "$run/ca.crt" ] || ! grep -q 'guess.discover.test' "$run/server.ext" 2>/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Threadline Test CA" \
    -keyout "$run/ca.key" -out "$run/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$run/server.key" -out "$run/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:*.guess.discover.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$run/server.ext"
  openssl x509 -req -in "$run/server.csr" -CA "$run/ca.crt" -CAkey "$run/ca.key" -CAcreateserial \
    -days 3650 -extfile "$run/server.ext" -out "$run/server.crt" 2>/dev/null
  # A self-signed certificate too, for "trust this certificate" tests.
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -addext "basicConstraints=CA:FALSE" \
    -keyout "$run/selfsigned.key" -out "$run/selfsigned.crt" 2>/dev/null
fi
# The DKIM key the tests sign with; its public half is in the zone below.
[ -f "$run/dkim.key" ] || openssl genrsa -out "$run/dkim.key" 2048 2>/dev/null

mkdir -p "$run/mail" "$run/dovecot-base" "$run/dovecot-state"
chown tlmail:tlmail "$run/mail"
touch "$run/users"
chmod 0644 "$run/users"

# Writes the configurations for the picked ports and starts the daemons;
# fails if one does not start or answer.
launch() {
: > "$run/start.log"
dh_line=""
[ -f /usr/share/dovecot/dh.pem ] && dh_line="ssl_dh = </usr/share/dovecot/dh.pem"
cat > "$run/dovecot-oauth2.conf.ext" <<CONF
introspection_mode = post
introspection_url = http://dovecot:dovecot-introspects@127.0.0.1:$OIDC_PORT/token/introspection
force_introspection = yes
username_attribute = sub
active_attribute = active
active_value = true
CONF
# Access tokens live two minutes, so that every test connection renews one
# (and the rotated refresh token must be kept each time).
TL_OIDC_ACCESS_TTL=120 setsid node "$here/oidc/server.mjs" "$OIDC_PORT" "$run/users" "$run/oidc.pid" \
  </dev/null >>"$run/oidc.log" 2>&1 9>&- &
cat > "$run/dovecot.conf" <<CONF
base_dir = $run/dovecot-base
state_dir = $run/dovecot-state
log_path = $run/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <$run/server.crt
ssl_key = <$run/server.key
$dh_line
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login xoauth2 oauthbearer
# What clients say of themselves (IMAP ID, RFC 2971) goes to the log.
imap_id_log = *
mail_location = maildir:$run/mail/%u
mail_uid = $MAIL_UID
mail_gid = $MAIL_GID
first_valid_uid = $MAIL_UID
last_valid_uid = $MAIL_UID
first_valid_gid = $MAIL_GID
mail_max_userip_connections = 200
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
passdb {
  driver = passwd-file
  mechanisms = plain login none
  args = scheme=PLAIN username_format=%u $run/users
}
# OAuth: the token is asked about at the OpenID provider (RFC 7662).
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $run/dovecot-oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$run/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
# A folder of a million messages (the sync benchmark's) needs more than
# the 256 MB an imap process may take by default: its Maildir listing
# alone does.
service imap {
  vsz_limit = 2G
}
# Postfix checks submission logins against the same users.
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \Archive
    auto = subscribe
  }
  # Gmail's All Mail: only users made like Gmail (testkit's
  # new_gmail_like_user) have it, and they have no Archive.
  mailbox All {
    special_use = \All
  }
}
CONF
dovecot -c "$run/dovecot.conf" </dev/null >"$run/start.log" 2>&1 9>&- || return 1

# GNU Mailutils imap4d over implicit TLS, as different from Dovecot as an
# IMAP server gets: IMAP4rev1 with IDLE and NAMESPACE only (no MOVE, no
# UIDPLUS, no CONDSTORE, no SPECIAL-USE), mbox folders named under the
# "INBOX." namespace with "." between levels, as Courier and Cyrus name
# them. Its users live in a passwd-style file per domain (testkit's
# new_imap4d_user adds them); their mail is owned by tlmail.
mkdir -p "$run/imap4d-domains" "$run/imap4d-home"
chown tlmail:tlmail "$run/imap4d-home"
touch "$run/imap4d-domains/example.test"
chmod 0644 "$run/imap4d-domains/example.test"
cat > "$run/imap4d.conf" <<CONF
logging { syslog false; }
auth {
  authorization virtdomain;
  authentication generic;
}
virtdomain { passwd-dir "$run/imap4d-domains"; }
mailbox { mail-spool "mbox://$run/imap4d-home/\${user}/INBOX"; }
namespace personal {
  prefix "" {
    directory "\$home/none";
    delimiter ".";
  }
  prefix "INBOX." {
    directory "\$home/Mail";
    delimiter ".";
    mailbox-type "mbox";
  }
}
create-home-dir true;
mode daemon;
foreground false;
max-children 200;
pidfile "$run/imap4d.pid";
server 127.0.0.1:$IMAP4D_PORT {
  tls-mode connection;
  tls {
    ssl-certificate-file "$run/server.crt";
    ssl-key-file "$run/server.key";
  }
}
CONF
imap4d --config-file="$run/imap4d.conf" </dev/null >>"$run/imap4d.log" 2>&1 9>&- || return 1

# NSD, authoritative for auth.test on loopback:
#   signed.auth.test   SPF passes for 127.0.0.1; DKIM key at tl._domainkey
#   spoofed.auth.test  SPF fails for 127.0.0.1 (-all); the same DKIM key
#   soft.auth.test     SPF soft-fails (~all)
#   plain.auth.test    no SPF record and no DKIM key
# and for example.test, the test mailboxes' domain, which publishes no SPF
# record (mail sent from a test account is "not authenticated", as from a
# domain that publishes none).
mkdir -p "$run/dns"
cat > "$run/dns/example.test.zone" <<ZONE
\$ORIGIN example.test.
\$TTL 300
@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ IN NS ns.example.test.
@ IN A 127.0.0.1
ns IN A 127.0.0.1
ZONE
dkim_txt=$(printf 'v=DKIM1; k=rsa; p=%s' "$(openssl rsa -in "$run/dkim.key" -pubout -outform DER 2>/dev/null | base64 -w0)" \
  | fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' ')
cat > "$run/dns/auth.test.zone" <<ZONE
\$ORIGIN auth.test.
\$TTL 300
@ IN SOA ns.auth.test. hostmaster.auth.test. 1 3600 600 86400 300
@ IN NS ns.auth.test.
ns IN A 127.0.0.1
signed IN TXT "v=spf1 ip4:127.0.0.1 -all"
tl._domainkey.signed IN TXT ( $dkim_txt )
spoofed IN TXT "v=spf1 ip4:192.0.2.10 -all"
tl._domainkey.spoofed IN TXT ( $dkim_txt )
soft IN TXT "v=spf1 ~all"
plain IN A 127.0.0.1
ZONE
# discover.test: one domain per way "Add account" finds settings.
#   hosted   MX at Google's servers (a hosted domain: the Gmail preset)
#   ac       an autoconfig host (and SRV records it wins over)
#   wk       a file at the domain's .well-known path
#   srv      RFC 6186 SRV records (and hosts a guess would find)
#   guess    imap. and smtp. hosts whose certificate names them
#   wrongcert imap. and smtp. hosts whose certificate does not
#   dot      SRV records saying "not offered"
cat > "$run/dns/discover.test.zone" <<ZONE
\$ORIGIN discover.test.
\$TTL 300
@ IN SOA ns.discover.test. hostmaster.discover.test. 1 3600 600 86400 300
@ IN NS ns.discover.test.
ns IN A 127.0.0.1
hosted IN MX 10 aspmx.l.google.com.
hosted IN MX 20 alt1.aspmx.l.google.com.
autoconfig.ac IN A 127.0.0.1
_imaps._tcp.ac IN SRV 0 1 993 imap.elsewhere.invalid.
_submissions._tcp.ac IN SRV 0 1 465 smtp.elsewhere.invalid.
wk IN A 127.0.0.1
_imaps._tcp.srv IN SRV 20 1 1 backup.invalid.
_imaps._tcp.srv IN SRV 10 1 $IMAPS_PORT localhost.
_submissions._tcp.srv IN SRV 0 1 $SMTPS_PORT localhost.
imap.srv IN A 127.0.0.1
smtp.srv IN A 127.0.0.1
imap.guess IN A 127.0.0.1
smtp.guess IN A 127.0.0.1
imap.wrongcert IN A 127.0.0.1
smtp.wrongcert IN A 127.0.0.1
_imaps._tcp.dot IN SRV 0 0 0 .
_imap._tcp.dot IN SRV 0 0 0 .
ZONE
# Their web server: an autoconfig file for ac (the test users' Dovecot
# login, OAuth or password, STARTTLS submission) and one for wk (SMTPS, OAuth and password).
rm -rf "$run/web"
mkdir -p "$run/web/autoconfig.ac.discover.test/mail" "$run/web/wk.discover.test/.well-known/autoconfig/mail"
cat > "$run/web/autoconfig.ac.discover.test/mail/config-v1.1.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="ac.discover.test">
    <domain>ac.discover.test</domain>
    <displayName>Autoconfig host test</displayName>
    <incomingServer type="imap">
      <hostname>localhost</hostname><port>$IMAPS_PORT</port><socketType>SSL</socketType>
      <username>%EMAILLOCALPART%@example.test</username>
      <authentication>OAuth2</authentication><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>localhost</hostname><port>$SUBMISSION_PORT</port><socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%@example.test</username><authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
XML
cat > "$run/web/wk.discover.test/.well-known/autoconfig/mail/config-v1.1.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="wk.discover.test">
    <domain>wk.discover.test</domain>
    <incomingServer type="imap">
      <hostname>localhost</hostname><port>$IMAPS_PORT</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>localhost</hostname><port>$SMTPS_PORT</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
XML
setsid python3 "$here/autoconfig.py" "$HTTP_PORT" "$run/web" "$run/web.pid" </dev/null >>"$run/web.log" 2>&1 9>&- &

cat > "$run/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1
  port: $DNS_PORT
  username: ""
  chroot: ""
  zonesdir: "$run/dns"
  pidfile: "$run/nsd.pid"
  xfrdfile: "$run/dns/xfrd.state"
  zonelistfile: "$run/dns/zone.list"
  logfile: "$run/nsd.log"
  do-ip6: no
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: "auth.test"
  zonefile: "auth.test.zone"
zone:
  name: "example.test"
  zonefile: "example.test.zone"
zone:
  name: "discover.test"
  zonefile: "discover.test.zone"
CONF
nsd -c "$run/nsd.conf" </dev/null >>"$run/start.log" 2>&1 9>&- || return 1

# Postfix from its own config and queue directories.
pf="$run/postfix"; q="$run/postfix-queue"
mkdir -p "$pf" "$q"
cat > "$pf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $q
data_directory = $q/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.example.test
mydomain = example.test
myorigin = example.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
virtual_mailbox_domains = example.test
virtual_transport = lmtp:unix:$run/dovecot-base/lmtp
recipient_delimiter = +
maillog_file_prefixes = $run
maillog_file = $run/postfix.log
smtputf8_enable = no
biff = no
alias_maps =
alias_database =
# Anything not for the test domain goes nowhere (never off loopback).
default_transport = discard
# Mail as large as the providers take (Gmail and others: 25 MB of files,
# about 35 MB encoded), so the send benchmark's 20 MB goes through.
message_size_limit = 52428800
smtpd_tls_cert_file = $run/server.crt
smtpd_tls_key_file = $run/server.key
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = $run/dovecot-base/auth-postfix
CONF
cat > "$pf/master.cf" <<CONF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
127.0.0.1:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF
postfix -c "$pf" check >/dev/null 2>&1 || true
postfix -c "$pf" start </dev/null >>"$run/start.log" 2>&1 9>&- || return 1

# Wait until all answer.
python3 - "$IMAPS_PORT" "$IMAP4D_PORT" "$SMTP_PORT" "$SUBMISSION_PORT" "$SMTPS_PORT" "$DNS_PORT" "$HTTP_PORT" "$OIDC_PORT" <<'PY' >>"$run/start.log" 2>&1
import socket, sys, time
deadline = time.monotonic() + 15
for p in sys.argv[1:]:
    while True:
        try:
            socket.create_connection(("127.0.0.1", int(p)), timeout=0.2).close()
            break
        except OSError as e:
            if time.monotonic() > deadline:
                sys.exit(f"nothing answers on port {p}: {e}")
            time.sleep(0.1)
PY
}

# A daemon can fail to start when another process took one of its ports
# between the pick and the bind: then everything is stopped and started
# again on other ports. Each failure is told on stderr with the logs.
started=""
for attempt in 1 2 3; do
  pick_ports
  if launch; then started=yes; break; fi
  {
    echo "start.sh: attempt $attempt failed (ports $IMAPS_PORT $IMAP_PORT $SMTP_PORT $SUBMISSION_PORT $SMTPS_PORT $IMAP4D_PORT $DNS_PORT $HTTP_PORT $OIDC_PORT):"
    for log in start.log dovecot.log imap4d.log postfix.log nsd.log web.log oidc.log; do
      [ -s "$run/$log" ] && { echo "--- $log"; tail -n 20 "$run/$log"; }
    done
  } >&2
  "$here/stop.sh" "$run" >/dev/null 2>&1 || true
done
[ -n "$started" ] || { echo "start.sh: the servers did not start in $run" >&2; exit 1; }

cat > "$run/env" <<ENV
TL_RUN=$run
TL_IMAPS_PORT=$IMAPS_PORT
TL_IMAP_PORT=$IMAP_PORT
TL_SMTP_PORT=$SMTP_PORT
TL_SUBMISSION_PORT=$SUBMISSION_PORT
TL_SMTPS_PORT=$SMTPS_PORT
TL_IMAP4D_PORT=$IMAP4D_PORT
TL_DNS_PORT=$DNS_PORT
TL_HTTP_PORT=$HTTP_PORT
TL_OIDC_PORT=$OIDC_PORT
TL_BROWSER=$here/browser.py
TL_DNS_ZONE=auth.test
TL_DKIM_KEY=$run/dkim.key
TL_DKIM_SELECTOR=tl
TL_IMAP4D_DOMAINS=$run/imap4d-domains
TL_IMAP4D_HOME=$run/imap4d-home
TL_CA_FILE=$run/ca.crt
TL_SELFSIGNED_FILE=$run/selfsigned.crt
TL_USERS_FILE=$run/users
TL_MAIL_DOMAIN=example.test
ENV
echo "$run/env"
