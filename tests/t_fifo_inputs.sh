# Host files a layout or a command names are never opened blocking: a FIFO in the place of
# the ned script or musl's libc.so fails at once with a message naming it (it used to hang
# compose and check).
. "$TOP/tests/lib.sh"
mkdir -p units && cp "$TOP/units/fs_server.service" units/ && mkfifo fifo.cfg
printf 'image = { name = "f"; output = "f.img"; stage = ""; };\nsystemd = { units = [ "units" ]; enable = [ "fs_server.service" ]; caps_cfg = "fifo.cfg"; };\n' >f.cfg
expect_exit 1 timeout 20 "$LSBIMG" compose -q f.cfg
assert_contains "compose" "$ERR" "fifo.cfg: not a regular file: the ned script is needed"
[ ! -e f.img ] || fail "an image was written"
sed -i 's/fifo.cfg/'"${TOP//\//\\/}"'\/cfg\/bash.cfg/' f.cfg
expect_exit 0 "$LSBIMG" compose -q f.cfg
expect_exit 1 timeout 20 "$LSBIMG" check --caps-cfg fifo.cfg f.img
assert_contains "check" "$OUT$ERR" "fifo.cfg: cannot read the ned script: not a regular file"

# A FIFO as musl's libc.so (a prefix the layout names) is refused, not waited on.
mkdir -p prefix/lib && mkfifo prefix/lib/libc.so
printf 'image = { name = "m"; output = "m.img"; stage = ""; };\nmusl = { arch = "aarch64"; prefix = "prefix"; };\n' >m.cfg
expect_exit 1 timeout 20 "$LSBIMG" compose -q m.cfg
assert_contains "musl prefix" "$ERR" "prefix/lib/libc.so is not an ELF file"
[ ! -e m.img ] || fail "an image was written"
