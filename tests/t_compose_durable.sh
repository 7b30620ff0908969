# Outputs are fsync'ed before they are renamed into place (README, Guarantees): strace
# records the system calls of compose (image and staged copy), compose to a tar image, and
# extract to a tar. For every output, the last change to its temporary file (a write, a
# size or mode change, through any descriptor) is followed by an fsync of that file, then
# the rename, then an fsync of the directory; nothing opens the final name for writing.
. "$TOP/tests/lib.sh"
command -v strace >/dev/null || fail "strace missing (scripts/deps.sh test installs it)"

mkdir -p src/etc staged
printf 'l4re\n' >src/etc/hostname
head -c 300000 /dev/urandom >src/blob
truncate -s 2M src/sparse; printf 'tail' >>src/sparse

# traced NAME CMD...: run CMD under strace into NAME.trace; it must succeed. LeakSanitizer
# cannot run under ptrace, so a sanitized build (make check-asan) runs without it here.
traced() {
  local name=$1; shift
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -y -s 512 -o "$name.trace" -e signal=none \
    -e trace=openat,open,creat,write,pwrite64,writev,pwritev,pwritev2,copy_file_range,sendfile,splice,fchmod,fchmodat,ftruncate,truncate,fallocate,fsync,fdatasync,sync_file_range,rename,renameat,renameat2 \
    "$@" >"$name.out" 2>"$name.err" || fail "$* failed: $(cat "$name.err")"
}

# durable TRACE OUTPUT: the order of calls on OUTPUT's temporary file, as described above.
durable() {
  awk -v want="$2" '
    function base(p) { sub(/.*\//, "", p); return p }
    function dir(p) { if (p !~ /\//) return "."; sub(/\/[^\/]*$/, "", p); return p == "" ? "/" : p }
    {
      line = $0; sub(/^[0-9]+ +/, "", line)
      call = line; sub(/\(.*/, "", call)
      # The descriptors named on the line, with their paths (strace -y).
      n = 0; rest = line
      while (match(rest, /[0-9]+<[^>]*>/)) {
        tok = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
        sub(/^[0-9]+</, "", tok); sub(/>$/, "", tok); fd[++n] = tok
      }
      ok = line !~ /= -1 /
      if (call ~ /^(write|pwrite64|writev|pwritev|pwritev2|fchmod|ftruncate|fallocate|sendfile)$/ && n >= 1 && ok) {
        mod[base(fd[1])] = NR; full[base(fd[1])] = fd[1]
      } else if (call ~ /^(copy_file_range|splice)$/ && n >= 2 && ok) {
        mod[base(fd[2])] = NR; full[base(fd[2])] = fd[2]
      } else if (call ~ /^(fsync|fdatasync)$/ && n >= 1 && ok) {
        sync[base(fd[1])] = NR; dsync[fd[1]] = NR
      } else if (call ~ /^(open|openat|creat)$/ && line ~ /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/) {
        split(line, q, "\""); if (q[2] == want || q[2] == "./" want) print "FAIL: " want " opened for writing: " line
      } else if (call ~ /^rename/ && ok) {
        split(line, q, "\""); from = base(q[2]); to = q[4]
        if (to != want) next
        found = 1
        if (!(from in mod)) { print "FAIL: nothing was written to " from; next }
        if (!(from in sync) || sync[from] < mod[from])
          print "FAIL: " from " renamed to " to " with changes since its last fsync (change at trace line " mod[from] ", fsync at " (from in sync ? sync[from] : "none") ")"
        renamed = NR; d = dir(full[from])
      }
    }
    END {
      if (!found) { print "FAIL: no rename to " want; exit }
      for (p in dsync) if (p == d && dsync[p] > renamed) dirok = 1
      if (!dirok) print "FAIL: directory " d " not fsynced after the rename"
    }' "$1"
}
problems=""
check_durable() {  # TRACE OUTPUT: problems are collected, to report every output at the end
  local v; v=$(durable "$1" "$2")
  if [ -n "$v" ]; then problems+="$2: $v"$'\n'; else note "$2: written, fsync'ed, renamed, directory fsync'ed"; fi
}

note "ext2 image and its staged copy"
printf 'image = { name = "t"; output = "t.img"; stage = "staged"; };\nentries = ( { type = "tree"; path = "/"; source = "src"; } );\n' >t.cfg
traced img "$LSBIMG" compose -q t.cfg
fsck_clean t.img
cmp t.img staged/t.img || fail "the staged copy differs from the image"
check_durable img.trace t.img
check_durable img.trace staged/t.img

note "tar image"
printf 'image = { name = "t"; output = "t.tar"; stage = ""; format = "tar"; };\nentries = ( { type = "tree"; path = "/"; source = "src"; } );\n' >tar.cfg
traced tar "$LSBIMG" compose -q tar.cfg
tar -tf t.tar >t.lst; grep -qx './etc/hostname' t.lst || fail "t.tar lacks ./etc/hostname"
check_durable tar.trace t.tar

note "extract to an archive"
traced ext "$LSBIMG" extract t.img x.tar.gz
tar -xOzf x.tar.gz ./blob | cmp - src/blob || fail "x.tar.gz: blob differs"
check_durable ext.trace x.tar.gz
[ -z "$problems" ] || fail "outputs not durable:"$'\n'"$problems"

# The checker itself: the mode set after the last fsync, then the rename: refused.
printf '%s\n' '1 openat(AT_FDCWD</w>, "./.o.img.X", O_RDWR|O_CREAT|O_EXCL, 0600) = 3</w/.o.img.X>' \
  '1 pwrite64(4</w/.o.img.X>, "abc", 3, 0) = 3' '1 fsync(4</w/.o.img.X>) = 0' \
  '1 fchmod(3</w/.o.img.X>, 0644) = 0' '1 rename("./.o.img.X", "o.img") = 0' '1 fsync(5</w>) = 0' >bad.trace
assert_contains "checker on a change after the fsync" "$(durable bad.trace o.img)" "with changes since its last fsync"
sed -i '4d' bad.trace
assert_eq "checker without the change" "" "$(durable bad.trace o.img)"
