# valgrind: compose and every inspection command, no leaks and no invalid accesses.
. "$TOP/tests/lib.sh"
command -v valgrind >/dev/null || fail "valgrind is not installed (make check installs it)"
# valgrind cannot run a sanitizer build: always check the plain one.
make -C "$TOP" all >/dev/null
LSBIMG=$TOP/out/bin/lsbimg

vg() { valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
         --errors-for-leak-kinds=definite,indirect "$LSBIMG" "$@"; }

mkdir -p src/sub; printf 'a\n' > src/a; ln src/a src/a2; ln -s a src/l
truncate -s 2M src/sub/sparse; printf 'z' >> src/sub/sparse
cat > v.cfg <<'EOF2'
image = { name = "v"; output = "v.img"; stage = "st"; };
entries = (
  { type = "tree"; path = "/"; source = "src"; },
  { type = "text"; path = "/etc/t"; text = "text\n"; },
  { type = "symlink"; path = "/bin"; target = "usr/bin"; },
  { type = "hardlink"; path = "/h"; target = "/a"; },
  { type = "chr"; path = "/dev/null"; major = 1; minor = 3; },
  { type = "fifo"; path = "/run/f"; }
);
EOF2
vg compose -q v.cfg
fsck_clean v.img
sed 's/text\\n/changed\\n/; s/"v.img"/"w.img"/' v.cfg > w.cfg
vg compose -q --no-stage w.cfg

# The other formats, and the inspect commands on each (vfat holds no links or devices:
# a tree of its own).
sed 's/"v.img"; stage = "st";/"v4.img"; stage = ""; format = "ext4";/' v.cfg >v4.cfg
vg compose -q v4.cfg
fsck_clean v4.img
sed 's/"v.img"; stage = "st";/"v.sqfs"; stage = ""; format = "squashfs"; compressor = "xz";/' v.cfg >vs.cfg
vg compose -q vs.cfg
sed 's/"v.img"; stage = "st";/"v.tar"; stage = ""; format = "tar";/' v.cfg >vt.cfg
vg compose -q vt.cfg
mkdir -p fsrc/sub; printf 'a\n' >fsrc/a; printf 'b\n' >"fsrc/sub/A long name"
printf 'image = { name = "f"; output = "f.img"; stage = ""; format = "vfat"; };\nentries = ( { type = "tree"; path = "/"; source = "fsrc"; } );\n' >vf.cfg
vg compose -q vf.cfg
for img in v4.img v.sqfs v.tar f.img; do
  for args in "ls $img / -l -R" "tree $img" "info $img --json" "check $img" "stat $img /a"; do
    vg $args >/dev/null || fail "valgrind: lsbimg $args"
  done
done
vg cat v.sqfs /sub/sparse >/dev/null || fail "valgrind: lsbimg cat v.sqfs"
vg cat f.img "/sub/A long name" >/dev/null || fail "valgrind: lsbimg cat f.img"
rc=0; vg diff v.img v.sqfs >/dev/null || rc=$?
assert_eq "diff ext2 squashfs (lost+found)" 1 "$rc"
rc=0; vg diff v.sqfs v.tar >/dev/null || rc=$?
assert_eq "diff squashfs tar" 0 "$rc"

# Failure paths must not leak either.
printf 'entries = ( { type = "file"; path = "/x"; source = "missing"; } );\n' > bad.cfg
rc=0; vg compose -q -o bad.img bad.cfg 2>/dev/null || rc=$?
assert_eq "failed compose exit" 1 "$rc"
printf 'entries = ( { type = "dir"; path = "/x"; modee = "0755"; } );\n' > typo.cfg
rc=0; vg compose -q -o bad.img typo.cfg 2>/dev/null || rc=$?
assert_eq "layout error exit" 2 "$rc"

for args in "ls v.img / -l -R" "ls v.img /sub --json" "cat v.img /etc/t" "stat v.img /h" \
            "stat v.img /bin --json" "tree v.img" "info v.img" "info v.img --json" \
            "check v.img"; do
  vg $args >/dev/null || fail "valgrind: lsbimg $args"
done
rc=0; vg diff v.img w.img >/dev/null || rc=$?
assert_eq "diff exit (images differ)" 1 "$rc"
rc=0; vg cat v.img /no/such 2>/dev/null || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 99 ] || fail "missing path: exit $rc"

# The systemd section and the caps check: the ned script run by Lua, the record, a script
# that fails and one that runs out of steps.
mkdir -p units
cp "$TOP"/units/fs_server.service "$TOP"/units/net_server.service units/
printf 'image = { name = "s"; output = "s.img"; stage = ""; };\nsystemd = { units = [ "units" ]; enable = [ "fs_server.service" ]; caps_cfg = "%s"; };\n' \
  "$TOP/cfg/bash.cfg" >s.cfg
vg compose -q s.cfg 2>/dev/null || fail "valgrind: lsbimg compose s.cfg"
for args in "check s.img" "caps s.img" "caps --json s.cfg"; do
  vg $args >/dev/null 2>&1 || fail "valgrind: lsbimg $args"
done
printf 'local t = nil\nt.x = 1\n' >broken.cfg
printf 'while true do end\n' >endless.cfg
for cfg in broken.cfg endless.cfg; do
  rc=0; vg caps --caps-cfg $cfg s.img >/dev/null 2>&1 || rc=$?
  assert_eq "caps with $cfg" 1 "$rc"
done
