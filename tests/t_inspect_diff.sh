#!/bin/bash
# diff reports exactly the changes made between two images, and nothing else.
. "$TOP/tests/lib.sh"

# The images under test; switch to `lsbimg compose` once it exists.
make_image() { compose_tree "$@"; }

mkdir -p a/etc/sub a/usr/bin a/dev a/gone/deep a/same
printf 'l4re\n' >a/etc/hostname
printf 'same\n' >a/same/file
head -c 200000 /dev/urandom >a/usr/bin/big
printf 'one\n' >a/etc/owner
printf 'x\n' >a/etc/typechange
ln -s ../etc/hostname a/usr/bin/link
mknod a/dev/console c 5 1
mkfifo a/gone/deep/fifo
printf 'bye\n' >a/gone/file
ln a/same/file a/same/hard
chmod 0644 a/etc/hostname
cp -a a b

# The changes, one of each kind.
printf 'L4RE\n' >b/etc/hostname                       # content, same size
printf 'flip' | dd of=b/usr/bin/big bs=1 seek=150000 conv=notrunc status=none  # content, deep inside
chmod 0600 b/etc/hostname                             # and mode on the same path
owner='{ type = "file"; path = "/etc/owner"; source = "b/etc/owner"; mode = "0644"; uid = 7; gid = 8; override = true; }'  # owner
rm b/etc/typechange; mkdir b/etc/typechange           # type
rm b/usr/bin/link; ln -s /etc/hostname b/usr/bin/link # link target
rm b/dev/console; mknod b/dev/console c 5 2           # device numbers
rm -r b/gone                                          # removed, with everything below
mkdir -p b/new/dir; printf 'hi\n' >b/new/dir/f        # added, with everything below
# Not changes: mtimes and inode numbers differ between the two images anyway.
touch -d '2001-01-01' b/same/file
make_image a a.img
sleep 1
make_image b b.img "$owner"

expect_exit 1 "$LSBIMG" diff a.img b.img
want='~ /dev/console: device 5,1 -> 5,2
~ /etc/hostname: content, mode 0644 -> 0600
~ /etc/owner: owner 0:0 -> 7:8
~ /etc/typechange: type file -> dir, mode 0644 -> 0755
- /gone (dir)
- /gone/deep (dir)
- /gone/deep/fifo (fifo)
- /gone/file (file)
+ /new (dir)
+ /new/dir (dir)
+ /new/dir/f (file)
~ /usr/bin/big: content
~ /usr/bin/link: target ../etc/hostname -> /etc/hostname'
assert_eq "diff a b" "$want" "$OUT"
assert_eq "diff stderr" "" "$ERR"

# The same in JSON, and reversed.
expect_exit 1 "$LSBIMG" diff --json a.img b.img
assert_eq "json count" 13 "$(jq '.changes | length' <<<"$OUT")"
assert_eq "json summary" '{"added":3,"removed":4,"changed":6}' "$(jq -c .summary <<<"$OUT")"
host=$(jq -c '.changes[] | select(.path == "/etc/hostname")' <<<"$OUT")
assert_eq "json changed" '["content","mode"]' "$(jq -c .changed <<<"$host")"
assert_eq "json mode" '"0644" "0600"' "$(jq -r '[.a.mode, .b.mode] | map(tojson) | join(" ")' <<<"$host")"
# Sizes and digests of both sides against the files in the images (debugfs dump, sha256sum).
dump a.img /etc/hostname ha; dump b.img /etc/hostname hb
assert_eq "json sizes" "$(stat -c %s ha) $(stat -c %s hb)" "$(jq -r '"\(.a.size) \(.b.size)"' <<<"$host")"
assert_eq "json sha256" "$(sha256sum <ha | cut -d' ' -f1) $(sha256sum <hb | cut -d' ' -f1)" \
  "$(jq -r '"\(.a.sha256) \(.b.sha256)"' <<<"$host")"
assert_eq "json added" '4 3' "$(jq -r '.changes | [(map(select(.change == "removed")) | length), (map(select(.change == "added")) | length)] | join(" ")' <<<"$OUT")"
assert_eq "json added has b only" 'null true' "$(jq -c '[.changes[] | select(.change == "added")][0] | "\(.a) \(.b != null)"' -r <<<"$OUT")"
expect_exit 1 "$LSBIMG" diff b.img a.img
assert_contains "reversed" "$OUT" "+ /gone/deep/fifo (fifo)"
assert_contains "reversed" "$OUT" "~ /usr/bin/link: target /etc/hostname -> ../etc/hostname"

# Identical content in two separately made images (other UUIDs, times, maybe inode order).
make_image a a2.img
expect_exit 0 "$LSBIMG" diff a.img a2.img
assert_eq "identical" "" "$OUT"
expect_exit 0 "$LSBIMG" diff --json a.img a2.img
assert_eq "identical json" '[] {"added":0,"removed":0,"changed":0}' "$(jq -c '.changes, .summary' <<<"$OUT" | paste -sd' ')"

# The oracle for the contents: diff -r of the two mounted images agrees on which files differ.
ro_mount a.img ma
trap 'ro_umount ma; ro_umount mb 2>/dev/null || true' EXIT
ro_mount b.img mb
differ=$(diff -rq --no-dereference ma mb 2>&1 | sort || true)
assert_contains "diff -r big" "$differ" "Files ma/usr/bin/big and mb/usr/bin/big differ"
assert_contains "diff -r hostname" "$differ" "Files ma/etc/hostname and mb/etc/hostname differ"
assert_eq "diff -r count" 7 "$(wc -l <<<"$differ")"

# One aspect at a time: images that differ only by the mode (also only by set-id bits), only
# by the uid or only by the gid of one file are reported, in both directions. debugfs is the
# oracle that the pair differs in that field alone.
mkdir -p s && printf 'other\n' >s/other && printf 'one\n' >one
one() { echo "{ type = \"file\"; path = \"/one\"; source = \"one\"; $1 }"; }
make_image s base.img "$(one 'mode = "0600"; uid = 5; gid = 6;')"
dump base.img /one base.one
for v in "mode 4644 5 6|mode 0600 -> 4644" "mode 0640 5 6|mode 0600 -> 0640" \
         "mode 2600 5 6|mode 0600 -> 2600" "owner 0600 7 6|owner 5:6 -> 7:6" \
         "owner 0600 5 9|owner 5:6 -> 5:9"; do
  read -r what mode uid gid <<<"${v%%|*}"
  make_image s v.img "$(one "mode = \"$mode\"; uid = $uid; gid = $gid;")"
  got="$(stat_field v.img /one Mode) $(stat_field v.img /one User) $(stat_field v.img /one Group)"
  assert_eq "oracle: debugfs fields of /one" "$mode $uid $gid" "$got"
  assert_eq "oracle: base fields of /one" "0600 5 6" "$(stat_field base.img /one Mode) $(stat_field base.img /one User) $(stat_field base.img /one Group)"
  dump v.img /one v.one; cmp -s base.one v.one || fail "oracle: /one's bytes differ"; rm -f v.one
  expect_exit 1 "$LSBIMG" diff base.img v.img
  assert_eq "diff with only ${v#*|}" "~ /one: ${v#*|}" "$OUT"
  change=${v#*|}; change=${change#* }; from=${change% -> *}; to=${change#* -> }
  expect_exit 1 "$LSBIMG" diff v.img base.img
  assert_eq "reversed diff with only ${v#*|}" "~ /one: $what $to -> $from" "$OUT"
  expect_exit 1 "$LSBIMG" diff --json base.img v.img
  assert_eq "json count for ${v#*|}" 1 "$(jq '.changes | length' <<<"$OUT")"
  # Owners as numbers, uid and gid apart: only the one that differs is listed.
  if [ "$what" = owner ]; then
    keys=; [ "${from%:*}" = "${to%:*}" ] || keys=uid; [ "${from#*:}" = "${to#*:}" ] || keys=${keys:+$keys,}gid
    assert_eq "json changed for ${v#*|}" "$keys" "$(jq -r '.changes[0].changed | join(",")' <<<"$OUT")"
    assert_eq "json owner" "${from/:/ } ${to/:/ }" "$(jq -r '.changes[0] | "\(.a.uid) \(.a.gid) \(.b.uid) \(.b.gid)"' <<<"$OUT")"
  else
    assert_eq "json $what" "[\"$from\",\"$to\"]" "$(jq -c ".changes[0] | [.a.$what, .b.$what]" <<<"$OUT")"
  fi
done

# Usage and unreadable images: 2.
expect_exit 2 "$LSBIMG" diff a.img
expect_exit 2 "$LSBIMG" diff a.img missing.img
assert_contains "unreadable" "$ERR" "missing.img: error: cannot open"
head -c 100000 a.img >trunc.img
expect_exit 2 "$LSBIMG" diff a.img trunc.img
assert_contains "truncated" "$ERR" "trunc.img: error"
note ok
