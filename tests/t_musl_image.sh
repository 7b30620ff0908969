# The musl section installs a working runtime for aarch64 and armhf: the loader is a
# relative symlink that resolves inside the image (kernel mount + readlink) to the Debian
# libc.so of the right machine (readelf), the path file lists the library directories, and
# the program's PT_INTERP (readelf -l) names that loader.
. "$TOP/tests/lib.sh"
. "$TOP/tests/musl.sh"

for spec in "aarch64 aarch64-linux-musl-gcc AArch64 aarch64-linux-musl" \
            "armhf arm-linux-musleabihf-gcc ARM arm-linux-musleabihf"; do
  read -r arch cc machine triplet <<<"$spec"
  note "$arch"
  rm -rf "$arch" t.img mnt && build_prog "$arch" "$cc"
  { layout_head; echo 'entries = ('; prog_entries "$arch"; echo ');'
    echo "musl = { arch = \"$arch\"; source = \"debian\"; };"; } > t.cfg
  expect_exit 0 "$LSBIMG" compose -v --no-stage t.cfg
  trace=$ERR
  fsck_clean t.img

  loader=/lib/ld-musl-$arch.so.1
  assert_eq "$arch loader type" symlink "$(stat_field t.img "$loader" Type)"
  assert_eq "$arch loader target" "$triplet/libc.so" "$(link_dest t.img "$loader")"
  dump t.img "/usr/lib/$triplet/libc.so" "libc.$arch"
  cmp "libc.$arch" "/usr/lib/$triplet/libc.so" || fail "$arch: libc.so differs from Debian's"
  assert_eq "$arch libc machine" "$machine" "$(machine_of "libc.$arch")"
  assert_eq "$arch libc type" DYN "$(type_of "libc.$arch")"
  dump t.img "/etc/ld-musl-$arch.path" "path.$arch"
  assert_eq "$arch path file" "$(printf '/lib/%s\n/usr/lib/%s\n/lib\n/usr/local/lib\n/usr/lib' "$triplet" "$triplet")" "$(cat "path.$arch")"

  dump t.img /usr/bin/main "main.$arch"
  assert_eq "$arch PT_INTERP" "$loader" "$(interp_of "main.$arch")"
  assert_eq "$arch program machine" "$machine" "$(machine_of "main.$arch")"
  # The closure check (compose -v traces it) agrees with readelf on the interpreter and
  # found the library; lsbimg check finds nothing wrong in the image.
  assert_contains "$arch traced interpreter" "$trace" "/usr/bin/main: interpreter $(interp_of "main.$arch")"
  assert_contains "$arch traced library" "$trace" "/usr/bin/main: libfoo.so.1 => /usr/bin/../lib/libfoo.so.1"
  expect_exit 0 "$LSBIMG" check t.img

  # The kernel resolves the loader inside a mount of the image; relative links cannot leave it.
  ro_mount t.img mnt
  real=$(readlink -f "mnt$loader") || true
  got_machine=$(machine_of "$real" 2>/dev/null) || true
  ro_umount mnt
  [[ $real == "$PWD/mnt/usr/lib/$triplet/libc.so" ]] || fail "$arch: $loader resolves to '$real'"
  assert_eq "$arch loader machine through the mount" "$machine" "$got_machine"
done
