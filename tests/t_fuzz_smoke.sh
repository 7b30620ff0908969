#!/bin/bash
# Fuzz smoke (docs/fuzz.md): build the libFuzzer targets, replay every regression input in
# tests/fuzz/regress and fuzz each target for FUZZ_SMOKE seconds (default 20) from its
# seeds; a crash, leak, hang or sanitizer report fails. A canary target with a planted
# bug first shows that the driver notices a crash, keeps the input and replays it.
. "$TOP/tests/lib.sh"
command -v clang >/dev/null || fail "clang missing (scripts/deps.sh test)"

make -s -j"$(nproc)" -C "$TOP" fuzz-build >build.log 2>&1 || fail "make fuzz-build: $(tail -n 20 build.log)"

note "canary: a planted heap overflow is found, reported and saved"
mkdir -p canary/bin canary/src/corpus/canary
cat >canary.c <<'EOF'
#include <stdint.h>
#include <stdlib.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *p = malloc(2);
	if (n >= 3 && d[0] == 'b' && d[1] == 'u' && d[2] == 'g')
		p[n] = 0;
	free(p);
	return 0;
}
EOF
clang -g -fsanitize=fuzzer,address -o canary/bin/canary canary.c
printf 'bu' >canary/src/corpus/canary/seed
run() { "$TOP/tests/fuzz/run" --work canary/work --bin canary/bin --src canary/src "$@"; }
expect_exit 1 run 20 canary
assert_contains "canary result" "$OUT" "CRASH"
crash=$(find canary/work/crashes/canary -type f -name 'crash-*' | head -n 1)
[ -n "$crash" ] || fail "the canary's crashing input was not saved: $OUT"
grep -q 'heap-buffer-overflow' canary/work/logs/canary.log || fail "no ASan report in the canary log"

note "canary: a saved regression input fails the replay"
mkdir -p canary/src/regress/canary
cp "$crash" canary/src/regress/canary/
expect_exit 1 run 1 canary
assert_contains "canary replay" "$OUT" "REGRESSION"

note "every target, ${FUZZ_SMOKE:-20} s each"
targets=()
for f in "$TOP"/tests/fuzz/*.c; do
  t=$(basename "$f" .c)
  [ "$t" = fuzz ] || targets+=("$t")
done
[ ${#targets[@]} -ge 6 ] || fail "expected at least 6 fuzz targets, found: ${targets[*]}"
rc=0
"$TOP/tests/fuzz/run" --work work "${FUZZ_SMOKE:-20}" "${targets[@]}" >run.out 2>&1 || rc=$?
cat run.out
[ $rc = 0 ] || fail "fuzz smoke failed (logs in $PWD/work/logs)"
for t in "${targets[@]}"; do
  want=0
  if [ -d "$TOP/tests/fuzz/regress/$t" ]; then
    want=$(find "$TOP/tests/fuzz/regress/$t" -type f | wc -l)
  fi
  grep -Eq "^$t +[0-9]+s +execs [1-9][0-9]* +cov: [1-9][0-9]* ft: [1-9][0-9]* .* regress $want +ok\$" \
    run.out || fail "$t: no executions, coverage or replayed regression inputs in: $(grep "^$t " run.out)"
done
