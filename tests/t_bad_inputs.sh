# The bad-input catalogue: each case gets its exit code and a message naming the culprit,
# the previous image stays byte-identical, and no temporary file is left behind.
. "$TOP/tests/lib.sh"

mkdir -p src out; printf 'ok\n' > src/ok
layout() { # NAME ENTRIES [IMAGE-KEYS]
  printf 'image = { name = "g"; stage = ""; %s };\nentries = (\n%s\n);\n' "${3:-output = \"out/g.img\";}" "$2" > "$1.cfg"
}
layout good '{ type = "tree"; path = "/"; source = "src"; }'
"$LSBIMG" compose -q good.cfg
before=$(sha256sum < out/g.img)
untouched() {
  assert_eq "$1: previous image" "$before" "$(sha256sum < out/g.img)"
  local t; t=$(find out -name '.*' ! -name '.*.manifest' -type f); [ -z "$t" ] || fail "$1: temporary files left: $t"
}
case_fail() { # NAME CODE EXPECTED-MESSAGE
  expect_exit "$2" "$LSBIMG" compose "$1.cfg"
  assert_contains "$1 message" "$ERR" "$3"
  untouched "$1"
  note "$1: exit $2: $(head -1 <<<"$ERR")"
}

# Unreadable source (run unprivileged: root reads everything).
mkdir -p priv; chmod 0777 priv out; printf 'secret\n' > priv/secret; chmod 000 priv/secret
layout unreadable '{ type = "file"; path = "/s"; source = "priv/secret"; }'
rc=0; setpriv --reuid=65534 --regid=65534 --clear-groups "$LSBIMG" compose unreadable.cfg 2>err.txt || rc=$?
assert_eq "unreadable exit" 1 "$rc"
assert_contains "unreadable message" "$(cat err.txt)" "priv/secret: Permission denied"
untouched unreadable

layout isdir '{ type = "file"; path = "/d"; source = "src"; }'
case_fail isdir 1 'isdir.cfg:3: error: source '

# Symlink loops in a host tree are stored as they are, with a warning; strict refuses them.
mkdir -p loops; ln -s a loops/b; ln -s b loops/a; ln -s self loops/self
layout loop '{ type = "tree"; path = "/l"; source = "loops"; }' 'output = "out/loop.img";'
expect_exit 0 "$LSBIMG" compose loop.cfg
assert_contains "loop warning" "$ERR" "warning: /l/a -> b: symlink loop"
fsck_clean out/loop.img
assert_contains "loop stored" "$(dbg out/loop.img 'stat /l/self')" 'Fast link dest: "self"'
layout loopstrict '{ type = "tree"; path = "/l"; source = "loops"; }' 'output = "out/g.img"; strict = true;'
case_fail loopstrict 1 "error: /l/a -> b: symlink loop"

long=$(printf 'n%.0s' $(seq 1 256))
# A name over ext2's 255 bytes in a layout path is a layout error (exit 2, at parse).
layout longname "{ type = \"text\"; path = \"/etc/$long\"; text = \"x\"; }"
case_fail longname 2 "has a name longer than 255 bytes"

# A host tree deeper than PATH_MAX.
mkdir deep; ( cd deep; seg=$(printf 'd%.0s' $(seq 1 200)); for i in $(seq 1 22); do mkdir "$seg"; cd "$seg"; done; echo x > f )
layout pathmax '{ type = "tree"; path = "/deep"; source = "deep"; }'
case_fail pathmax 1 "File name too long"

# Names are bytes: non-UTF-8 names are kept exactly.
mkdir -p latin1; printf 'x' > "latin1/caf$(printf '\351')"
layout nonutf8 '{ type = "tree"; path = "/n"; source = "latin1"; }' 'output = "out/n.img";'
"$LSBIMG" compose -q nonutf8.cfg
fsck_clean out/n.img
# debugfs prints the byte 0xe9 as \xe9.
grep -qF 'caf\xe9' < <(debugfs -R 'ls -l /n' out/n.img 2>/dev/null) || fail "non-UTF-8 name not kept"

head -c 3000000 /dev/urandom > src/big
layout small '{ type = "tree"; path = "/"; source = "src"; }' 'output = "out/g.img"; size = "1M";'
case_fail small 1 "image too small: the content needs"
layout inodes '{ type = "tree"; path = "/"; source = "src"; }' 'output = "out/g.img"; inodes = 4;'
case_fail inodes 1 "image.inodes 4 is too small"
layout dup $'{ type = "dir"; path = "/a"; },\n{ type = "dir"; path = "/a"; }'
case_fail dup 1 "dup.cfg:4: error: /a: the directory is already defined (first defined at dup.cfg:3)"

# Disk full on the output file system.
mkdir -p full
mount -t tmpfs -o size=1m tmpfs full
trap 'umount full 2>/dev/null || true; umount rofs 2>/dev/null || true' EXIT
# The previous image there is the good one; it must still be there, byte for byte.
cp out/g.img full/g.img || fail "cannot put the previous image on the small file system"
fullbefore=$(sha256sum < full/g.img)
assert_eq "seed image on the small file system" "$before" "$fullbefore"
layout diskfull '{ type = "tree"; path = "/"; source = "src"; }' 'output = "full/g.img"; size = "8M";'
expect_exit 1 "$LSBIMG" compose diskfull.cfg
assert_contains "disk full message" "$ERR" "No space left on device"
[ -f full/g.img ] || fail "disk full: the previous image is gone"
assert_eq "disk full: previous image" "$fullbefore" "$(sha256sum < full/g.img)"
[ -z "$(find full -name '.*' ! -name '.*.manifest' -type f)" ] || fail "disk full: temporary file left"
umount full

# Read-only output directory.
mkdir -p rofs; mount -t tmpfs -o ro tmpfs rofs
layout readonly '{ type = "tree"; path = "/"; source = "src"; }' 'output = "rofs/g.img";'
expect_exit 1 "$LSBIMG" compose readonly.cfg
assert_contains "read-only message" "$ERR" "Read-only file system"
umount rofs

# SIGINT and SIGTERM mid-compose: killed by the signal, nothing left, old image intact.
head -c 1500M /dev/zero > src/huge
layout slow '{ type = "tree"; path = "/"; source = "src"; }'
# Job control: without it the shell starts background commands with SIGINT ignored, and
# lsbimg keeps a signal ignored that it inherits (nohup).
set -m
for sig in INT TERM; do
  "$LSBIMG" compose -q slow.cfg & pid=$!
  for _ in $(seq 1 100); do [ -n "$(find out -name '.g.img.*')" ] && break; sleep 0.02; done
  [ -n "$(find out -name '.g.img.*')" ] || fail "compose never started writing"
  kill -s "$sig" "$pid"; rc=0; wait "$pid" || rc=$?
  want=$(( 128 + $(kill -l "$sig") ))
  assert_eq "exit after SIG$sig" "$want" "$rc"
  untouched "SIG$sig"
done
set +m
rm -f src/huge
