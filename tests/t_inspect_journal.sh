#!/bin/bash
# journal: a real journal file (written by systemd-journal-remote from export format)
# stored in an image reads the same through lsbimg as through journalctl --file.
. "$TOP/tests/lib.sh"

# The image under test; switch to `lsbimg compose` once it exists.
make_image() { compose_tree "$1" "$2"; }
export TZ=UTC

remote=/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || fail "systemd-journal-remote is missing (scripts/deps.sh test installs it)"

b1=11111111111111111111111111111111 b2=22222222222222222222222222222222
mid=0123456789abcdef0123456789abcdef
# entry BOOT SECONDS FIELD=VALUE...: one entry in journal export format.
t=1700000000
entry() {
  local boot=$1 sec=$2; shift 2
  printf '__REALTIME_TIMESTAMP=%s000000\n__MONOTONIC_TIMESTAMP=%s000000\n_BOOT_ID=%s\n_HOSTNAME=l4re\n' \
    $((t + sec)) "$sec" "$boot"
  printf '%s\n' "$@"
  printf '\n'
}
{
  entry $b1 1 _PID=1 _UID=0 _COMM=systemd SYSLOG_IDENTIFIER=systemd UNIT=foo.service 'MESSAGE=Starting foo.service...'
  entry $b1 2 _PID=40 _COMM=foo _SYSTEMD_UNIT=foo.service 'MESSAGE=foo says hi in boot 1'
  entry $b1 3 _PID=41 _COMM=bar _SYSTEMD_UNIT=bar.service SYSLOG_IDENTIFIER=barlog 'MESSAGE=bar: ünïcödé'
  entry $b2 1 _PID=1 _UID=0 _COMM=systemd SYSLOG_IDENTIFIER=systemd UNIT=foo.service 'MESSAGE=Started foo.service.'
  entry $b2 2 _PID=50 _COMM=foo _SYSTEMD_UNIT=foo.service 'MESSAGE=lsbimg-test-unit: boot 2 line' 'MESSAGE=repeated'
  entry $b2 3 _COMM=kernel 'MESSAGE=no pid here'
  entry $b2 4 _PID=51 SYSLOG_IDENTIFIER=multi _SYSTEMD_UNIT=bar.service
} >log.export
# A multi-line and a binary message need the export format's length-prefixed form.
{
  head -c -1 log.export
  printf 'MESSAGE\n\x0e\x00\x00\x00\x00\x00\x00\x00first\n  second\n\n'
  entry $b2 5 _PID=52 SYSLOG_IDENTIFIER=blob _SYSTEMD_UNIT=bar.service | head -c -1
  printf 'MESSAGE\n\x04\x00\x00\x00\x00\x00\x00\x00a\x01b\x02\n\n'
} >all.export
"$remote" -o "$PWD/system.journal" - <all.export 2>remote.log || fail "journal-remote: $(cat remote.log)"
assert_eq "entries written" 8 "$(journalctl --file system.journal -o json | wc -l)"

mkdir -p root/var/log/journal/$mid root/etc
cp system.journal root/var/log/journal/$mid/system.journal
printf '%s\n' $mid >root/etc/machine-id
make_image root img

same() {  # same WHAT LSBIMG-ARGS -- JOURNALCTL-ARGS
  local what=$1; shift
  local ours=() theirs=()
  while [ "$1" != -- ]; do ours+=("$1"); shift; done; shift
  theirs=("$@")
  expect_exit 0 "$LSBIMG" journal "${ours[@]}" img
  local want; want=$(journalctl --file system.journal "${theirs[@]}")
  [ "$OUT" == "$want" ] || { diff -u <(echo "$want") <(echo "$OUT") >&2 || true; fail "journal $what differs from journalctl"; }
}
same "all" --
same "-u foo" -u foo -- -u foo
same "-u bar.service" -u bar.service -- -u bar.service
same "-b" -b -- -b
same "-b -u foo" -b -u foo -- -b -u foo
same "-u none" -u none -- -u none
expect_exit 0 "$LSBIMG" journal -b -u foo img
assert_contains "test unit line of the last boot" "$OUT" "foo[50]: repeated"
assert_eq "lines of the last boot's foo" 2 "$(wc -l <<<"$OUT")"

# JSON: the same fields and values as journalctl -o json, entry for entry, and the schema
# version (docs/json.md).
expect_exit 0 "$LSBIMG" journal --json img
"$TOP/tests/json_check.py" journal <<<"$OUT" || fail "journal --json does not match docs/json.schema.json"
jq -cS 'del(.version)' <<<"$OUT" >ours.json || fail "journal --json is not JSON"
journalctl --file system.journal -o json | jq -cS . >theirs.json
diff -u theirs.json ours.json || fail "journal --json differs from journalctl -o json"
expect_exit 0 "$LSBIMG" journal --json -b -u foo img
assert_eq "json -b -u foo" '["Started foo.service.",["lsbimg-test-unit: boot 2 line","repeated"]]' "$(jq -cs 'map(.MESSAGE)' <<<"$OUT")"

# The copies go to a private temporary directory that is removed again.
assert_eq "temp files left" "" "$(find "$TMPDIR" -name 'lsbimg-journal.*')"

# An image without a journal, or with a damaged journal file.
mkdir -p empty/etc
make_image empty nojournal.img
expect_exit 1 "$LSBIMG" journal nojournal.img
assert_contains "no journal dir" "$ERR" "nojournal.img: error: /var/log/journal: No such file or directory"
mkdir -p broken/var/log/journal/$mid
head -c 5000 /dev/urandom >broken/var/log/journal/$mid/system.journal
make_image broken broken.img
expect_exit 1 "$LSBIMG" journal broken.img
assert_contains "broken journal" "$ERR" "broken.img: error: /var/log/journal"
mkdir -p nofiles/var/log/journal/$mid
make_image nofiles nofiles.img
expect_exit 1 "$LSBIMG" journal nofiles.img
assert_contains "no files" "$ERR" "no journal files"
expect_exit 2 "$LSBIMG" journal
expect_exit 2 "$LSBIMG" journal -u
note ok
