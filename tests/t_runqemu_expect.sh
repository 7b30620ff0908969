# runqemu --expect/--timeout against a stand-in QEMU whose console we script: success is
# the marker on the console, never QEMU's exit status.
. "$TOP/tests/lib.sh"
RQ=$TOP/scripts/runqemu

mkdir bin
# The fake prints $FAKE_CONSOLE, then sleeps $FAKE_HANG seconds, then exits $FAKE_RC.
cat >bin/qemu-system-aarch64 <<'EOF'
#!/bin/bash
echo $$ >"$FAKE_PIDFILE"
printf "$FAKE_CONSOLE"
sleep "${FAKE_HANG:-0}"
exit "${FAKE_RC:-0}"
EOF
chmod +x bin/qemu-system-aarch64
export PATH="$PWD/bin:$PATH" FAKE_PIDFILE=$PWD/qemu.pid
echo k >k.elf
run() { expect_exit "$1" "$RQ" --kernel k.elf --no-rootfs "${@:2}"; }
gone() { ! kill -0 "$(cat qemu.pid)" 2>/dev/null || fail "QEMU (the fake) still runs"; }

note "marker seen, QEMU hanging afterwards is stopped"
start=$SECONDS
FAKE_CONSOLE='boot\r\nhello MARKER-1 there\r\n' FAKE_HANG=60 run 0 --expect MARKER-1 --timeout 30
[ $((SECONDS - start)) -lt 20 ] || fail "runqemu waited for QEMU after the marker"
assert_contains "console echoed" "$OUT" "hello MARKER-1 there"
gone

note "QEMU exits 0 after a panic without the marker: failure"
FAKE_CONSOLE='Kernel panic - not syncing\n' FAKE_RC=0 run 1 --expect MARKER-1 --timeout 30
assert_contains "why" "$ERR" "'MARKER-1' not seen on the console: QEMU exited"

note "several texts must appear in order"
FAKE_CONSOLE='B\nA\n' run 1 --expect A --expect B --timeout 30
assert_contains "order" "$ERR" "'B' not seen"
FAKE_CONSOLE='A\nB' run 0 --expect A --expect B --timeout 30

note "timeout with no marker stops QEMU"
start=$SECONDS
FAKE_CONSOLE='waiting\n' FAKE_HANG=60 run 1 --expect MARKER-1 --timeout 2
[ $((SECONDS - start)) -lt 20 ] || fail "--timeout 2 took $((SECONDS - start)) s"
assert_contains "timeout" "$ERR" "not seen on the console: timeout (2 s)"
gone

note "--timeout alone: exit 124"
FAKE_CONSOLE='x\n' FAKE_HANG=60 run 124 --timeout 2
echo ok
