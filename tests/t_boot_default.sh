# The default images, booted as a person uses them: `runqemu --linux --rw` on the composed
# layouts/arm64.cfg and arm.cfg (both at once, one core each), the console driven with
# expect (tests/boot/console.exp): a root shell prompt with job control, no failed unit,
# poweroff ends QEMU by itself. Then the image: e2fsck -fn clean, and its journal (read
# by lsbimg journal) runs from the kernel to the journal's own stop, with no failure and
# the L4Re servers skipped visibly.
. "$TOP/tests/lib.sh"
command -v expect >/dev/null || fail "expect missing (scripts/deps.sh test)"

note "kernels, initramfs, packages (make kernels initramfs debs; cached)"
make -s -C "$TOP" BUILD="$BUILD" kernels initramfs debs >make.log 2>&1 ||
  fail "make kernels initramfs debs: $(tail -n 5 make.log)"

boot() { # ARCH: compose layouts/ARCH.cfg, then boot in the background
  expect_exit 0 "$LSBIMG" compose -q --no-stage -o "$1.img" "$TOP/layouts/$1.cfg"
  LSBIMG_TOP=$TOP expect "$TOP/tests/boot/console.exp" "$1" "$PWD/$1.img" 300 \
    >"$1.console" 2>&1 &
}
boot_both boot

for arch in arm64 arm; do
  log=$arch.console
  console_ok "$arch" "$log" "${BOOT_RC[$arch]}"
  note "$arch: slowest units: $(sed -n '/systemd-analyze blame/,/^@@@BLAME/p' "$log" | sed -n '2,4p' | tr -d '\r' | tr -s ' ' | paste -sd ',')"
  if grep -a 'FAILED' "$log" | grep -v '^@@FAILED' | grep -q .; then
    fail "$arch: a unit failed on the console: $(grep -a 'FAILED' "$log" | grep -v '^@@' | head -n 3)"
  fi

  fsck_clean "$arch.img"
  expect_exit 0 "$LSBIMG" journal -b "$arch.img"
  journal=$OUT
  assert_contains "$arch journal starts with the kernel" "$(head -n 3 <<<"$journal")" "kernel: "
  assert_contains "$arch journal reaches the shutdown" "$(tail -n 3 <<<"$journal")" "Journal stopped"
  [[ $journal != *"Failed to start"* ]] || fail "$arch journal: $(grep 'Failed to start' <<<"$journal")"
  for s in fs net epoll fd aio; do
    assert_contains "$arch ${s}_server skipped" "$journal" \
      "${s}_server.service - "
    grep -q "${s}_server.service - .* was skipped because of an unmet condition check (ConditionFileIsExecutable=/boot/${s}_server)" <<<"$journal" ||
      fail "$arch: ${s}_server.service not skipped by its condition"
  done
  assert_contains "$arch shell started" "$journal" "Started bash.service"
done
