#!/bin/bash
# owner and group by name on entries: looked up in the image's own /etc/passwd and
# /etc/group once every section has run, so a system user the packages' sysusers.d
# fragments bring (systemd-network) can own a layout's file. Oracle: the ids debugfs shows
# against the lines of the image's passwd and group (debugfs cat, awk). Unknown names and
# uid with owner are cases in tests/layout (owner-*).
. "$TOP/tests/lib.sh"
[ -d "$TOP/out/debs/rootfs-arm64" ] || fail "no out/debs/rootfs-arm64 (make debs)"

mkdir -p src/sub
printf 'x\n' >src/sub/f
ln -s sub/f src/link
tar -C src -cf src.tar .
cat >o.cfg <<EOF
@include "$TOP/layouts/arm64.cfg"
override = { image = { output = "$PWD/o.img"; stage = ""; }; };
entries_owned = (
  { type = "text"; path = "/etc/systemd/networkd.conf.d/lsbimg.conf"; text = "[Network]\n";
    owner = "systemd-network"; group = "systemd-journal"; mode = "0640"; },
  { type = "tree"; path = "/srv/tree"; source = "src"; owner = "nobody"; },
  { type = "archive"; path = "/srv/archive"; source = "src.tar"; group = "nogroup"; },
  { type = "dir"; path = "/srv/dir"; owner = "systemd-network"; }
);
EOF
expect_exit 0 "$LSBIMG" compose -q o.cfg
fsck_clean o.img
id_of() { dbg o.img "cat $1" | awk -F: -v n="$2" '$1 == n { print $3 }'; }
net=$(id_of /etc/passwd systemd-network) journal=$(id_of /etc/group systemd-journal)
nobody=$(id_of /etc/passwd nobody) nogroup=$(id_of /etc/group nogroup)
[ -n "$net" ] && [ -n "$journal" ] && [ -n "$nobody" ] && [ -n "$nogroup" ] ||
  fail "the image lacks a user or group: '$net' '$journal' '$nobody' '$nogroup'"
[ "$net" != 0 ] || fail "systemd-network is root"

f=/etc/systemd/networkd.conf.d/lsbimg.conf
assert_eq "text owner" "$net" "$(stat_field o.img $f User)"
assert_eq "text group" "$journal" "$(stat_field o.img $f Group)"
for p in /srv/tree /srv/tree/sub /srv/tree/sub/f /srv/tree/link; do
  assert_eq "tree owner $p" "$nobody" "$(stat_field o.img $p User)"
  assert_eq "tree group $p" 0 "$(stat_field o.img $p Group)"
done
for p in /srv/archive/sub /srv/archive/sub/f /srv/archive/link; do
  assert_eq "archive group $p" "$nogroup" "$(stat_field o.img $p Group)"
  assert_eq "archive owner kept $p" "$(id -u)" "$(stat_field o.img $p User)"
done
assert_eq "dir owner" "$net" "$(stat_field o.img /srv/dir User)"
