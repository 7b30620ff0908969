# journal on a real boot's journal: systemd (t_boot_systemd's image) boots with the image
# writable, journald keeps its journal in /var/log/journal, and after QEMU exits
# `lsbimg journal` reads the boot's log from the image exactly as journalctl --file reads
# the same files copied out with debugfs.
. "$TOP/tests/lib.sh"
. "$TOP/tests/boot/systemd.sh"
export TZ=UTC

systemd_image sd.img
note "the boot writes to the image itself (--rw)"
systemd_boot sd.img --rw
fsck_clean sd.img

note "the journal files, copied out with debugfs"
ids=$(dbg sd.img "ls -p /var/log/journal" | awk -F/ '{ print $6 }' | grep -E '^[0-9a-f]{32}$')
[ "$(wc -w <<<"$ids")" = 1 ] || fail "want one machine-id directory in /var/log/journal, got: $ids"
mkdir -p copy
files=$(dbg sd.img "ls -p /var/log/journal/$ids" | awk -F/ '{ print $6 }' | grep '\.journal$')
[ -n "$files" ] || fail "no journal files in /var/log/journal/$ids"
for f in $files; do dump sd.img "/var/log/journal/$ids/$f" "copy/$f"; done

same() {  # same WHAT ARGS...: lsbimg journal ARGS on the image == journalctl ARGS on the copy
  local what=$1; shift
  expect_exit 0 "$LSBIMG" journal "$@" sd.img
  local want; want=$(journalctl --directory=copy "$@")
  [ "$OUT" == "$want" ] || { diff -u <(echo "$want") <(echo "$OUT") >&2 || true; fail "journal $what differs from journalctl"; }
}
same "-u capsprint.service" -u capsprint.service
same "-b" -b
assert_contains "the test unit's line" "$(journalctl --directory=copy -u capsprint.service -o cat)" "$CAPS_LINE"
expect_exit 0 "$LSBIMG" journal -b -u capsprint.service sd.img
assert_contains "lsbimg journal -b -u capsprint.service" "$OUT" "capsprint["
assert_contains "lsbimg journal -b -u capsprint.service" "$OUT" "]: $CAPS_LINE"

note "--json: the same entries and fields as journalctl -o json"
expect_exit 0 "$LSBIMG" journal --json -u capsprint.service sd.img
jq -cS 'del(.version)' <<<"$OUT" >ours.json || fail "journal --json is not JSON"
journalctl --directory=copy -u capsprint.service -o json | jq -cS . >theirs.json
diff -u theirs.json ours.json || fail "journal --json differs from journalctl -o json"
grep -qF "\"MESSAGE\":\"$CAPS_LINE\"" ours.json || fail "no capsprint MESSAGE in --json"
echo ok
