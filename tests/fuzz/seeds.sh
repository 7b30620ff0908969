#!/bin/bash
# Regenerate the fuzz seeds (tests/fuzz/corpus) and the layout target's fixtures
# (tests/fuzz/fixtures/layout) from the repository and small inputs built here. The
# results are committed (about 300 KB), so fuzzing needs none of these tools; run this
# after changing what the seeds should cover, then commit.
# usage: tests/fuzz/seeds.sh     (needs out/bin/lsbimg: make all; and scripts/deps.sh test)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
lsbimg=$top/out/bin/lsbimg
[ -x "$lsbimg" ] || { echo "seeds: build lsbimg first (make all)" >&2; exit 1; }
fz=$top/tests/fuzz
corpus=$fz/corpus fix=$fz/fixtures/layout
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1700000000 TZ=UTC LC_ALL=C
rm -rf "$corpus" "$fix"
mkdir -p "$corpus"/{layout,nedcfg,unitfile,archive,elf,image,imgview} "$fix"

# Text inputs: the repository's own.
cp "$top"/cfg/*.cfg "$top"/tests/data/nedcfg/* "$corpus/nedcfg/"
cp "$top"/units/* "$corpus/unitfile/"
for f in "$top"/tests/data/systemd/units/*.* "$top"/tests/data/systemd/units/*.d/*; do
  [ -f "$f" ] && cp "$f" "$corpus/unitfile/$(basename "$(dirname "$f")")_$(basename "$f")"
done
cp "$top"/layouts/*.cfg "$corpus/layout/"
# Values out of range and literals libconfig would misread (tests/layout cases).
for c in size-integer-beyond-32-bits integer-hex-beyond-31-bits integer-beyond-64-bits \
         string-nul-escape size-beyond-ext2 timestamp-beyond-2106 path-dotdot; do
  cp "$top/tests/layout/$c/layout.cfg" "$corpus/layout/case-$c.cfg"
done

# ELF: dynamic and static programs and shared objects of the image's arches (musl) and
# of glibc hosts, stripped and packed to 4 KiB pages so they stay a few KB.
cat >"$tmp/hello.c" <<'EOF'
#include <stdio.h>
int main(int argc, char **argv) { printf("hello %d %s\n", argc, argv[0]); return 0; }
EOF
cat >"$tmp/lib.c" <<'EOF'
#include <math.h>
double fz(double x) { return sqrt(x); }
EOF
printf 'void _start(void) { for (;;) ; }\n' >"$tmp/start.c"
small=(-Os -s -Wl,-z,max-page-size=4096 -Wl,-z,noseparate-code)
aarch64-linux-musl-gcc "${small[@]}" -o "$corpus/elf/musl-aarch64" "$tmp/hello.c"
arm-linux-musleabihf-gcc "${small[@]}" -o "$corpus/elf/musl-armhf" "$tmp/hello.c"
aarch64-linux-musl-gcc "${small[@]}" -shared -fPIC -Wl,-soname,libfz.so.1 \
  -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../lib' -o "$corpus/elf/musl-aarch64-runpath.so" \
  "$tmp/lib.c" -lm
arm-linux-musleabihf-gcc "${small[@]}" -shared -fPIC -Wl,-soname,libfz.so.1 \
  -Wl,--disable-new-dtags -Wl,-rpath,/opt/lib -o "$corpus/elf/musl-armhf-rpath.so" "$tmp/lib.c" -lm
aarch64-linux-musl-gcc "${small[@]}" -static -nostdlib -o "$corpus/elf/static-aarch64" \
  "$tmp/start.c"
aarch64-linux-gnu-gcc "${small[@]}" -o "$corpus/elf/glibc-aarch64" "$tmp/hello.c"
gcc "${small[@]}" -o "$corpus/elf/glibc-x86-64" "$tmp/hello.c"

# Archives: one small tree in every container and compression the importer reads.
t=$tmp/tree
mkdir -p "$t/etc/sub" "$t/bin"
printf 'l4re\n' >"$t/etc/hostname"
printf 'x%.0s' {1..600} >"$t/etc/sub/long-enough-for-two-blocks"
cp "$corpus/elf/static-aarch64" "$t/bin/prog"
ln -s ../etc/hostname "$t/bin/link"
ln "$t/etc/hostname" "$t/etc/hardlink"
touch -d @1700000000 "$t" "$t"/*/* "$t"/*
tarc() { tar -C "$t" -b1 --sort=name --owner=0 --group=0 --numeric-owner "$@" .; }
tarc --format=gnu -cf "$corpus/archive/gnu.tar"
mkdir "$tmp/sparse"
dd if=/dev/zero of="$tmp/sparse/holes" bs=1 count=1 seek=65535 status=none
tar -C "$tmp/sparse" -b1 --format=gnu --sparse -cf "$corpus/archive/sparse.tar" holes
tar -C "$tmp/sparse" -b1 --format=pax --sparse -cf "$corpus/archive/sparse-pax.tar" holes
tarc --format=pax --xattrs -cf "$corpus/archive/pax.tar"
tarc --format=ustar -czf "$corpus/archive/ustar.tar.gz"
tarc --format=gnu -cJf "$corpus/archive/gnu.tar.xz"
tarc --format=gnu -cjf "$corpus/archive/gnu.tar.bz2"
(cd "$t" && find . | sort | cpio --quiet -o -H newc -R 0:0 >"$corpus/archive/newc.cpio")
(cd "$t" && find . | sort | cpio --quiet -o -H odc -R 0:0 >"$corpus/archive/odc.cpio")
gzip -9n <"$corpus/archive/newc.cpio" >"$corpus/archive/newc.cpio.gz"
mkdir -p "$tmp/deb/DEBIAN" "$tmp/deb/usr/share/fz"
printf 'Package: fz\nVersion: 1\nArchitecture: all\nMaintainer: lsbimg <fuzz@lsbimg>\nDescription: fuzz seed\n' \
  >"$tmp/deb/DEBIAN/control"
printf 'seed\n' >"$tmp/deb/usr/share/fz/file"
ln -s file "$tmp/deb/usr/share/fz/link"
dpkg-deb --root-owner-group -Zgzip --build "$tmp/deb" "$corpus/archive/fz.deb" >/dev/null

# Images: small ext2 images as lsbimg composes them (1 KiB and 4 KiB blocks) holding every
# kind of file, and one ext4 from mke2fs with extents and a hashed directory.
mkdir -p "$fix/rootdir/etc" "$fix/rootdir/bin" "$fix/units" "$fix/sysroot/usr/bin" \
  "$fix/modules/6.1.0-fuzz/kernel"
printf 'hello\n' >"$fix/hello.txt"
cp "$corpus/elf/musl-aarch64" "$fix/prog"
cp "$corpus/elf/musl-aarch64" "$fix/sysroot/usr/bin/prog"
cp "$corpus/archive/gnu.tar" "$fix/pkg.tar"
cp "$top/cfg/bash.cfg" "$top/layouts/common.cfg" "$fix/"
printf 'motd\n' >"$fix/rootdir/etc/motd"
printf '#!/bin/sh\n' >"$fix/rootdir/bin/tool"
chmod 0755 "$fix/rootdir/bin/tool"
ln -s tool "$fix/rootdir/bin/link"
cp "$top/units/bash.service" "$top/tests/data/systemd/units/tmpl@.service" \
  "$top/tests/data/systemd/units/x.socket" "$top/tests/data/systemd/units/multi-user.target" \
  "$fix/units/"
printf 'kernel/builtin.ko\n' >"$fix/modules/6.1.0-fuzz/modules.builtin"
printf 'a\n' >"$fix/modules/6.1.0-fuzz/kernel/a.ko"
printf 'b\n' >"$fix/modules/6.1.0-fuzz/kernel/b.ko"
# kmods reads the tree through libkmod, which needs depmod's indexes; depmod wants
# BASE/lib/modules/VERSION (and says the modules are no ELF files: they need not be).
mkdir -p "$tmp/kbase/lib/modules"
cp -a "$fix/modules/6.1.0-fuzz" "$tmp/kbase/lib/modules/"
depmod -b "$tmp/kbase" 6.1.0-fuzz 2>/dev/null
cp "$tmp/kbase/lib/modules/6.1.0-fuzz"/modules.* "$fix/modules/6.1.0-fuzz/"

# The layout seeds beyond layouts/: every entry type and section, naming the fixtures.
cat >"$corpus/layout/kinds.cfg" <<'EOF'
image = { name = "k"; size = "128K"; block_size = 1024; inodes = 64; label = "fuzz";
          uuid = "0f0e0d0c-0b0a-4908-8706-050403020100"; hash_seed = "auto";
          timestamp = 1700000000; output = "k.img"; stage = ""; strict = false; };
entries = (
  { type = "tree"; path = "/"; source = "rootdir"; uid = 0; gid = 0; },
  { type = "dir"; path = "/usr/bin"; mode = "0755"; },
  { type = "symlink"; path = "/bin2"; target = "usr/bin"; },
  { type = "file"; path = "/usr/bin/prog"; source = "prog"; mode = "0755"; },
  { type = "file"; path = "/var/hello"; source = "hello.txt"; },
  { type = "text"; path = "/etc/hostname"; text = "l4re\n"; },
  { type = "hardlink"; path = "/etc/hostname2"; target = "/etc/hostname"; },
  { type = "chr"; path = "/dev/console"; major = 5; minor = 1; mode = "0600"; },
  { type = "blk"; path = "/dev/vda"; major = 254; minor = 0; },
  { type = "fifo"; path = "/run/f"; },
  { type = "text"; path = "/etc/hostname"; text = "again\n"; override = true; }
);
entries_more = (
  { type = "archive"; path = "/opt"; source = "pkg.tar"; uid = 0; gid = 0; }
);
EOF
cat >"$corpus/layout/sections.cfg" <<'EOF'
image = { name = "s"; format = "tar"; headroom = "10%"; };
entries = (
  { type = "dir"; path = "/usr/lib"; },
  { type = "symlink"; path = "/lib"; target = "usr/lib"; },
  { type = "file"; path = "/boot/bash"; source = "prog"; mode = "0755"; }
);
musl = { arch = "aarch64"; source = "debian"; library_path = [ "/usr/lib" ]; strict = false;
         sysroot = "sysroot"; programs = [ "/usr/bin/prog" ]; };
systemd = {
  units = [ "units" ];
  enable = [ "bash.service", "tmpl@one.service", "x.socket" ];
  mask = [ "getty@tty1.service" ];
  default_target = "multi-user";
  machine_id = "uninitialized";
  caps_cfg = "bash.cfg";
  mappings = ( { unit = "bash.service"; env = { L4_CAP_X = "lsb_root"; }; } );
  users = ( { name = "u"; uid = 1000; group = "g"; gecos = "U"; home = "/home/u";
              shell = "/bin/sh"; password = "!"; groups = [ "g" ]; } );
  groups = ( { name = "g"; gid = 1000; members = [ "u" ]; } );
  strict = false;
};
EOF
cat >"$corpus/layout/kmods.cfg" <<'EOF'
image = { name = "m"; format = "cpio"; };
kmods = { dir = "modules/6.1.0-fuzz"; load = [ "b", "builtin" ]; dest = "/lib/modules/x"; };
EOF

# kinds.cfg with its image group replaced: a libconfig file cannot redefine a setting, so
# the layout is written out whole with the image group swapped.
mkimg() { # NAME BLOCK_SIZE SIZE
  sed -e '/^image = {/,/};$/d' "$corpus/layout/kinds.cfg" >"$fix/$1.cfg"
  printf 'image = { name = "%s"; size = "%s"; block_size = %s; inodes = 48; label = "fuzz";\n  output = "%s"; stage = ""; };\n' \
    "$1" "$3" "$2" "$corpus/image/$1.img" >>"$fix/$1.cfg"
  printf 'entries_img = (\n  { type = "symlink"; path = "/etc/slow"; target = "%s"; },\n  { type = "text"; path = "/etc/systemd/system/fz.service"; text = "[Service]\\nExecStart=/usr/bin/prog\\nEnvironment=L4_CAP_X=lsb_root\\n"; }\n);\n' \
    "$(printf 'a%.0s' {1..80})" >>"$fix/$1.cfg"
  "$lsbimg" compose -q "$fix/$1.cfg"
  rm "$fix/$1.cfg"
}
mkimg ext2-1k 1024 128K
mkimg ext2-4k 4096 256K
mkdir -p "$tmp/e4/d"
for i in $(seq 1 40); do printf '%s\n' "$i" >"$tmp/e4/d/entry-with-a-longer-name-$i"; done
cp "$corpus/elf/musl-aarch64" "$tmp/e4/prog"
ln -s prog "$tmp/e4/link"
mke2fs -q -F -t ext4 -b 1024 -N 64 -O ^has_journal,^resize_inode,^metadata_csum,^uninit_bg -U 0f0e0d0c-0b0a-4908-8706-050403020100 \
  -E root_owner=0:0,hash_seed=0f0e0d0c-0b0a-4908-8706-050403020100 \
  -d "$tmp/e4" "$corpus/image/ext4.img" 128K

# The other image kinds (imgview target): a squashfs and a 64 KiB FAT12 image of a small
# tree with a long name (vfat holds no symlink: it goes before the vfat compose).
mkdir -p "$tmp/iv/d"
printf 'hi\n' >"$tmp/iv/d/f"
printf 'long\n' >"$tmp/iv/A long name.txt"
ln -s d/f "$tmp/iv/l"
for f in squashfs vfat; do
  [ $f = vfat ] && rm "$tmp/iv/l"
  keys='block_size = 4096;'; [ $f = vfat ] && keys='size = "64K";'
  printf 'image = { name = "%s"; format = "%s"; %s output = "%s"; stage = ""; };\nentries = ( { type = "tree"; path = "/"; source = "%s"; } );\n' \
    "$f" "$f" "$keys" "$corpus/imgview/$f" "$tmp/iv" >"$tmp/$f.cfg"
  "$lsbimg" compose -q "$tmp/$f.cfg"
done
du -sh "$corpus" "$fix"
