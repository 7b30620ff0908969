# A staged prefix laid out like musl's `make install` (built here from Debian's files, with
# the loader link pointing at an absolute build path that does not exist) gives the same
# runtime as the Debian source: same loader link, same libc.so bytes, same path file.
. "$TOP/tests/lib.sh"
. "$TOP/tests/musl.sh"

p=out/musl/aarch64
mkdir -p "$p/lib" layouts
cp /usr/lib/aarch64-linux-musl/libc.so /usr/lib/aarch64-linux-musl/*.a /usr/lib/aarch64-linux-musl/*.o "$p/lib/"
cp -r /usr/include/aarch64-linux-musl "$p/include"
ln -s /home/build/musl-1.2.5/out/lib/libc.so "$p/lib/ld-musl-aarch64.so.1"
build_prog a64 aarch64-linux-musl-gcc

# The prefix is relative to the layout file's directory.
{ layout_head; echo 'entries = ('; prog_entries ../a64; echo ');'
  echo 'musl = { arch = "aarch64"; prefix = "../out/musl/aarch64"; };'; } | sed "s|output = \"t.img\"|output = \"$PWD/prefix.img\"|" > layouts/prefix.cfg
{ layout_head; echo 'entries = ('; prog_entries a64; echo ');'
  echo 'musl = { arch = "aarch64"; };'; } | sed "s|output = \"t.img\"|output = \"$PWD/debian.img\"|" > debian.cfg
expect_exit 0 "$LSBIMG" compose --no-stage layouts/prefix.cfg
expect_exit 0 "$LSBIMG" compose --no-stage debian.cfg
for img in prefix.img debian.img; do fsck_clean "$img"; done

assert_eq "loader link" "$(link_dest debian.img /lib/ld-musl-aarch64.so.1)" "$(link_dest prefix.img /lib/ld-musl-aarch64.so.1)"
assert_eq "loader link is relative" aarch64-linux-musl/libc.so "$(link_dest prefix.img /lib/ld-musl-aarch64.so.1)"
for f in /usr/lib/aarch64-linux-musl/libc.so /etc/ld-musl-aarch64.path; do
  dump prefix.img "$f" p.out; dump debian.img "$f" d.out
  cmp p.out d.out || fail "$f differs between the prefix and the Debian runtime"
  assert_eq "$f mode" "$(stat_field debian.img "$f" Mode)" "$(stat_field prefix.img "$f" Mode)"
  rm -f p.out d.out
done
dump prefix.img /usr/lib/aarch64-linux-musl/libc.so libc
assert_eq "libc machine" AArch64 "$(machine_of libc)"
expect_exit 0 "$LSBIMG" check prefix.img
