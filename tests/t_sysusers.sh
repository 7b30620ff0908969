#!/bin/bash
# Users and groups from sysusers.d fragments, against systemd-sysusers --root on the same
# files: the host's own fragments (Debian's basic.conf, systemd's, dbus's ...) plus test
# fragments covering the id forms, with and without an existing /etc/passwd.
. "$TOP/tests/lib.sh"
users="$TOP/$BUILD/tests/users"
command -v systemd-sysusers >/dev/null || fail "systemd-sysusers missing (scripts/deps.sh test)"

compare() { # ROOT
  rm -rf oracle ours && cp -a "$1" oracle && mkdir -p oracle/etc
  systemd-sysusers --root="$PWD/oracle" >sysusers.log 2>&1 || fail "systemd-sysusers: $(cat sysusers.log)"
  "$users" "$1" ours || fail "users $1 failed"
  for f in passwd group; do
    [ -s oracle/etc/$f ] || fail "systemd-sysusers wrote no $f"
    diff -u oracle/etc/$f ours/etc/$f || fail "$1: /etc/$f differs from systemd-sysusers'"
  done
  # shadow: same names, locked; the change day is the image's, not today's.
  diff <(cut -d: -f1,2 oracle/etc/shadow) <(cut -d: -f1,2 ours/etc/shadow) || fail "shadow names differ"
  diff <(cut -d: -f1,2,4 oracle/etc/gshadow) <(cut -d: -f1,2,4 ours/etc/gshadow) || fail "gshadow differs"
  note "$1: $(wc -l <ours/etc/passwd) users, $(wc -l <ours/etc/group) groups as systemd-sysusers"
}

mkdir -p host/usr/lib/sysusers.d
cp /usr/lib/sysusers.d/*.conf host/usr/lib/sysusers.d/
compare host

mkdir -p mixed/usr/lib/sysusers.d mixed/etc/sysusers.d
cp /usr/lib/sysusers.d/*.conf "$TOP"/tests/data/sysusers/*.conf mixed/usr/lib/sysusers.d/
# /etc shadows a /usr/lib fragment of the same name.
printf 'g etc-wins 4242\n' >mixed/etc/sysusers.d/10-early.conf
compare mixed
grep -q '^etc-wins:x:4242:' ours/etc/group || fail "/etc fragment did not shadow /usr/lib's"

mkdir -p existing/usr/lib/sysusers.d existing/etc
cp "$TOP"/tests/data/sysusers/*.conf existing/usr/lib/sysusers.d/
printf 'root:x:0:0:root:/root:/bin/sh\nold:x:998:998::/:/bin/false\n' >existing/etc/passwd
printf 'root:x:0:\nold:x:998:\nwheel:x:10:root\n' >existing/etc/group
compare existing

mkdir -p broken/usr/lib/sysusers.d
printf 'u ok -\nx what -\n' >broken/usr/lib/sysusers.d/bad.conf
expect_exit 1 "$users" broken out
assert_contains "bad line" "$ERR" "/usr/lib/sysusers.d/bad.conf:2: error: unknown line type"
