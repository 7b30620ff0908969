#!/bin/bash
# Every --json output matches docs/json.schema.json, which docs/json.md describes key by key;
# names that are not UTF-8 come back byte for byte; an inode has the same keys and values in
# ls, ls -R, stat, tree and diff; compose --json and check --json say what e2fsck, dumpe2fs
# and sha256sum see.
. "$TOP/tests/lib.sh"

# valid DEF: $OUT is one line of JSON matching $defs/DEF.
valid() {
  [ "$(wc -l <<<"$OUT")" = 1 ] || fail "$1: not one line of JSON: $OUT"
  "$TOP/tests/json_check.py" "$1" <<<"$OUT" || fail "$1 --json does not match docs/json.schema.json: $OUT"
}
"$TOP/tests/json_check.py" --doc "$TOP/docs/json.md" || fail "docs/json.md misses keys of the schema"

bad=$'\xff\xfe'
mkdir -p root/etc root/bin root/dev
printf 'l4re\n' >root/etc/hostname
printf 'raw' >"root/etc/$bad"
ln -s "$bad" root/etc/badlink
ln -s hostname root/etc/link
head -c 300000 /dev/urandom >root/bin/blob
mknod root/dev/null c 1 3
mkfifo root/etc/fifo
layout() {  # layout NAME SOURCE FORMAT [IMAGE KEYS]
  printf 'image = { name = "t"; format = "%s"; stage = ""; output = "%s"; %s };\n' "$3" "$1" "${4:-}"
  printf 'entries = ( { type = "tree"; path = "/"; source = "%s"; }%s );\n' "$2" "${EXTRA:-}"
}

note "compose --json: one object on stdout, nothing on stderr, what dumpe2fs sees"
layout a.img root ext4 >a.cfg
expect_exit 0 "$LSBIMG" compose --json a.cfg
valid compose
assert_eq "compose stderr" "" "$ERR"
assert_eq "outputs" "image a.img" "$(jq -r '.outputs[] | "\(.role) \(.path)"' <<<"$OUT")"
assert_eq "size" "$(stat -c %s a.img)" "$(jq .size <<<"$OUT")"
dumpe2fs -h a.img 2>/dev/null >sb
sbv() { sed -n "s/^$1: *//p" sb; }
assert_eq "uuid" "$(sbv 'Filesystem UUID')" "$(jq -r .uuid <<<"$OUT")"
assert_eq "blocks" "$(sbv 'Block count') $(( $(sbv 'Block count') - $(sbv 'Free blocks') ))" \
  "$(jq -r '"\(.counts.blocks) \(.counts.blocks_used)"' <<<"$OUT")"
assert_eq "inodes" "$(sbv 'Inode count') $(( $(sbv 'Inode count') - $(sbv 'Free inodes') ))" \
  "$(jq -r '"\(.counts.inodes) \(.counts.inodes_used)"' <<<"$OUT")"
assert_eq "files, symlinks, others" "$(find root -type f | wc -l) $(find root -type l | wc -l) 2" \
  "$(jq -r '"\(.counts.files) \(.counts.symlinks) \(.counts.others)"' <<<"$OUT")"
fsck_clean a.img

note "compose --json with staging names both outputs"
mkdir stage
expect_exit 0 "$LSBIMG" compose --json --stage stage -o s.img a.cfg
valid compose
assert_eq "staged" "image s.img|staged stage/s.img" "$(jq -r '[.outputs[] | "\(.role) \(.path)"] | join("|")' <<<"$OUT")"
cmp s.img stage/s.img || fail "the staged copy differs"

note "compose --json failures: the sink's reports with origin, exit code, outputs untouched"
before=$(sha a.img)
printf 'image = { name = "t"; output = "a.img"; stage = "";\n  sizee = "1M"; };\n' >bad.cfg
expect_exit 2 "$LSBIMG" compose --json bad.cfg
valid compose
assert_eq "layout error stderr" "" "$ERR"
assert_eq "layout error" "2 error bad.cfg 2" \
  "$(jq -r '"\(.exit) \(.problems[0].severity) \(.problems[0].file) \(.problems[0].line)"' <<<"$OUT")"
assert_contains "layout error message" "$(jq -r '.problems[0].message' <<<"$OUT")" "sizee"
layout a.img missing ext4 >host.cfg
expect_exit 1 "$LSBIMG" compose --json host.cfg
valid compose
assert_eq "host error" "1 false" "$(jq -r '"\(.exit) \(has("outputs"))"' <<<"$OUT")"
assert_eq "outputs unchanged" "$before" "$(sha a.img)"

note "ls, ls -R, stat, tree, cat, info validate"
for args in "ls a.img /" "ls a.img /etc" "ls -R a.img /" "ls a.img /etc/hostname" \
            "stat a.img /dev/null" "stat a.img /etc/badlink" "tree a.img /" "tree a.img /etc/link" \
            "cat a.img /etc/hostname" "cat a.img /bin/blob" "info a.img" "check a.img" "caps a.img"; do
  read -r cmd rest <<<"$args"
  # shellcheck disable=SC2086
  expect_exit 0 "$LSBIMG" $cmd --json $rest
  valid "$cmd"
done
expect_exit 0 "$LSBIMG" cat --json a.img /bin/blob
jq -r .base64 <<<"$OUT" | base64 -d | cmp - root/bin/blob || fail "cat --json base64 differs"

note "a name that is not UTF-8: U+FFFD in name, the exact bytes in name_base64"
expect_exit 0 "$LSBIMG" ls --json a.img /etc
e=$(jq -c '.entries[] | select(.name_base64)' <<<"$OUT")
assert_eq "one such entry" 1 "$(wc -l <<<"$e")"
assert_eq "name" "$(printf '\xef\xbf\xbd\xef\xbf\xbd')" "$(jq -r .name <<<"$e")"
name=$(jq -r .name_base64 <<<"$e" | base64 -d; echo .) name=${name%.}
assert_eq "name bytes" "$(printf '%s' "$bad" | xxd -p)" "$(printf '%s' "$name" | xxd -p)"
path=$(jq -r .path_base64 <<<"$e" | base64 -d; echo .) path=${path%.}
assert_eq "path bytes" "$(printf '/etc/%s' "$bad" | xxd -p)" "$(printf '%s' "$path" | xxd -p)"
# The decoded bytes name the file: cat finds it, and debugfs dumps the same content.
assert_eq "cat by decoded path" raw "$("$LSBIMG" cat a.img "$path")"
dump a.img "$path" got.raw
assert_eq "debugfs by decoded path" raw "$(cat got.raw)"
target=$(jq -r '.entries[] | select(.name == "badlink") | .target_base64' <<<"$OUT" | base64 -d | xxd -p)
assert_eq "target bytes" "$(readlink root/etc/badlink | tr -d '\n' | xxd -p)" "$target"
# Valid UTF-8 gets no twin.
assert_eq "no twin for UTF-8" "name_base64 path_base64 target_base64" \
  "$(jq -r '[.entries[] | keys[] | select(endswith("_base64"))] | sort | join(" ")' <<<"$OUT")"

note "the same inode has the same keys and values in ls, ls -R, stat, tree and diff"
"$LSBIMG" ls -R --json a.img / >lsR.json
"$LSBIMG" tree --json a.img / >tree.json
for p in /etc/hostname /etc/link /etc/badlink /dev/null /etc/fifo /bin "$path"; do
  sel=".path_base64 == \"$(printf '%s' "$p" | base64)\" or (has(\"path_base64\") | not) and .path == \"$p\""
  want=$(jq -cS ".entries[] | select($sel)" lsR.json)
  [ -n "$want" ] || fail "ls -R lists no $p"
  assert_eq "ls of the parent: $p" "$want" "$("$LSBIMG" ls --json a.img "$(dirname "$p")" | jq -cS ".entries[] | select($sel)")"
  assert_eq "stat: $p" "$want" "$("$LSBIMG" stat --json a.img "$p" | jq -cS 'del(.version, .image, .blocks, .atime, .ctime, .flags)')"
  assert_eq "tree: $p" "$want" "$(jq -cS ".root | recurse(.children[]?) | select($sel) | del(.children)" tree.json)"
done

cp -a root rootb
printf 'L4RE, changed\n' >rootb/etc/hostname
head -c 200001 /dev/urandom >rootb/bin/blob   # digests over several read chunks, odd tail
EXTRA=', { type = "file"; path = "/etc/link2"; source = "root/etc/hostname"; uid = 7; gid = 8; }' \
  layout b.img rootb ext4 >b.cfg
EXTRA=', { type = "file"; path = "/etc/link2"; source = "root/etc/hostname"; uid = 7; gid = 9; }' \
  layout a2.img root ext4 >a2.cfg
"$LSBIMG" compose -q a2.cfg && "$LSBIMG" compose -q b.cfg || fail "compose a2/b"
expect_exit 1 "$LSBIMG" diff --json a2.img b.img
valid diff
d=$OUT
assert_eq "summary" '{"added":0,"removed":0,"changed":3}' "$(jq -c .summary <<<"$d")"
for f in /etc/hostname /bin/blob; do
  h=$(jq -c ".changes[] | select(.path == \"$f\")" <<<"$d")
  assert_eq "changed $f" '["content"]' "$(jq -c .changed <<<"$h")"
  for s in a:a2.img b:b.img; do
    img=${s#*:} side=${s%%:*}
    e=$("$LSBIMG" stat --json "$img" "$f")
    assert_eq "diff side $side of $f is the entry" "$(jq -c '[.type, .mode, .uid, .gid, .size]' <<<"$e")" \
      "$(jq -c ".$side | [.type, .mode, .uid, .gid, .size]" <<<"$h")"
    dump "$img" "$f" "$side.dump"
    assert_eq "diff sha256 $side of $f" "$(sha256sum <"$side.dump" | cut -d' ' -f1)" "$(jq -r ".$side.sha256" <<<"$h")"
    rm "$side.dump"
  done
done
o=$(jq -c '.changes[] | select(.path == "/etc/link2")' <<<"$d")
assert_eq "gid alone changed" '["gid"] 9 8 7 7' "$(jq -r '"\(.changed | tojson) \(.a.gid) \(.b.gid) \(.a.uid) \(.b.uid)"' <<<"$o")"
assert_eq "no hash without a content change" "false" "$(jq -c '.a | has("sha256")' <<<"$o")"

note "check --json: clean, then a link count debugfs broke (e2fsck -fn agrees)"
expect_exit 0 "$LSBIMG" check --json a.img
valid check
assert_eq "clean" "true 0" "$(jq -r '"\(.summary.clean) \(.problems | length)"' <<<"$OUT")"
assert_eq "all ok" "ok" "$(jq -r '[.checks[].status] | unique | join(",")' <<<"$OUT")"
cp a.img broken.img
debugfs -w -R 'sif /etc/hostname links_count 3' broken.img >/dev/null 2>&1
rc=0; e2fsck -fn broken.img >/dev/null 2>&1 || rc=$?
[ $rc != 0 ] || fail "oracle: e2fsck finds nothing wrong with broken.img"
expect_exit 1 "$LSBIMG" check --json broken.img
valid check
assert_eq "problem" "filesystem error" "$(jq -r '.problems[0] | "\(.check) \(.severity)"' <<<"$OUT")"
assert_eq "filesystem status" "problems" "$(jq -r '.checks[] | select(.name == "filesystem") | .status' <<<"$OUT")"
assert_eq "summary" "false" "$(jq -r .summary.clean <<<"$OUT")"

note "other kinds: compose, ls -R and info validate"
mkdir -p plain/etc && printf 'x\n' >plain/etc/f
for f in squashfs vfat tar cpio; do
  layout "o.$f" plain "$f" >"$f.cfg"
  expect_exit 0 "$LSBIMG" compose --json "$f.cfg"
  valid compose
  assert_eq "$f size" "$(stat -c %s "o.$f")" "$(jq .size <<<"$OUT")"
  expect_exit 0 "$LSBIMG" info --json "o.$f"
  valid info
  expect_exit 0 "$LSBIMG" ls -R --json "o.$f" /
  valid ls
done
