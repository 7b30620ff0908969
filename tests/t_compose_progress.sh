#!/bin/bash
# compose on a terminal (script(1) gives it one) shows one progress line: scanning counts,
# then files and bytes done of the total, percent, rate and ETA, updated inside a big file,
# never wider than the terminal, erased before the summary. Nothing of it without a
# terminal, with -q or with --json. LSBIMG_PROGRESS_MS=0 redraws at every clock check, so
# the updates do not depend on how fast this machine is; a source that stalls (the fault
# shim sleeps when one file is opened) makes the ETA a number.
. "$TOP/tests/lib.sh"
fault_shim

mkdir -p src/d
head -c 48M /dev/urandom >src/big            # dense: 3 copy steps of 16 MiB
truncate -s 1G src/sparse && printf 'end' | dd of=src/sparse bs=1 seek=$((1 << 29)) conv=notrunc status=none
for i in $(seq 1 2000); do echo "$i" >"src/d/f$i"; done
printf 'image = { name = "p"; format = "ext4"; output = "p.img"; stage = "stg"; };\n' >p.cfg
printf 'entries = ( { type = "tree"; path = "/"; source = "src"; } );\n' >>p.cfg
mkdir stg

# on_tty COLS CMD...: run CMD on a pseudo-terminal COLS wide; its output (stdout and stderr
# as the terminal shows them) in tty.out.
on_tty() {
  local cols=$1; shift
  LSBIMG_PROGRESS_MS=0 script -qfec "stty cols $cols; $(printf '%q ' "$@")" /dev/null >tty.out ||
    fail "'$*' on a terminal failed: $(tr '\r' '\n' <tty.out | tail -3)"
}

# The progress lines as the terminal shows them, checked by the rules above: python reads
# the raw bytes, splits them at \r and prints what it found.
analyse() {
  /usr/bin/python3 - "$1" <<'EOF'
import re, sys
cols = int(sys.argv[1])
raw = open("tty.out", "rb").read().decode()
segs = raw.replace("\r\n", "\n").split("\r")
prog = [s.replace("\x1b[K", "") for s in segs if s.startswith(("scanning", "checking", "writing", "syncing", "staging"))]
wide = [s for s in prog if len(s) > cols - 1]
print("lines", len(prog))
print("too wide", len(wide), *wide[:1])
print("scan counts", len([s for s in prog if re.match(r"scanning: [1-9]\d* files, ", s)]))
w = [s for s in prog if s.startswith("writing: ")]
full = [s for s in w if re.match(r"writing: \d+/\d+ files, [\d.]+ \w+/[\d.]+ \w+, \d+%, [\d.]+ \w+/s, ETA (--:--|\d+:\d\d)$", s)]
print("writing full", len(full) == len(w) and len(w) > 0)
print("narrow", all(re.match(r"writing: \d+%, [\d.]+ \w+/s, ETA (--:--|\d+:\d\d)$", s) for s in w))
# Inside the big file: several byte counts while no file is done yet.
inside = {re.search(r"files, ([\d.]+ \w+)/", s).group(1) for s in full if s.startswith("writing: 0/")}
print("inside big file", len(inside))
pct = [int(re.search(r"(\d+)%", s).group(1)) for s in w]
print("percent rises", pct == sorted(pct) and len(set(pct)) >= 5 and pct[-1] >= 90)
print("eta number", any(re.search(r"ETA \d+:\d\d$", s) for s in w))
# The summary (stdout) starts on a cleared line, and nothing of the progress line is left.
print("cleared", bool(re.search(r"\r\x1b\[Kp\.img: ext4, [\d.]+ MiB, ", raw)))
EOF
}

note "on a terminal 200 columns wide: every update complete, ETA once the source stalls"
FAULT_NAME=f1000 FAULT_CALL=open FAULT_DO=sleep:1200 LD_PRELOAD=$FAULT_SO on_tty 200 "$LSBIMG" compose p.cfg
a=$(analyse 200)
echo "$a"
grep -qx "too wide 0" <<<"$a" || fail "a progress line is wider than the terminal"
[ "$(sed -n 's/^scan counts //p' <<<"$a")" -ge 10 ] || fail "no scanning counts"
grep -qx "writing full True" <<<"$a" || fail "writing lines lack files, bytes, percent, rate or ETA"
[ "$(sed -n 's/^inside big file //p' <<<"$a")" -ge 3 ] || fail "no updates inside the big file"
grep -qx "percent rises True" <<<"$a" || fail "percent does not rise steadily to the end"
grep -qx "eta number True" <<<"$a" || fail "no ETA after the stall"
grep -qx "cleared True" <<<"$a" || fail "the progress line is not cleared before the summary"
fsck_clean p.img

note "40 columns: percent, rate and ETA still fit"
on_tty 40 "$LSBIMG" compose p.cfg
a=$(analyse 40)
grep -qx "too wide 0" <<<"$a" || fail "a progress line is wider than 40 columns: $a"
grep -qx "narrow True" <<<"$a" || fail "narrow writing lines lack percent, rate or ETA: $a"
grep -qx "cleared True" <<<"$a" || fail "the progress line is not cleared (40 columns)"

note "interrupted (SIGINT while a file is opened): 130, and the line is erased"
rc=0
FAULT_NAME=f1000 FAULT_CALL=open FAULT_DO=signal:2 LD_PRELOAD=$FAULT_SO LSBIMG_PROGRESS_MS=0 \
  script -qfec "$(printf '%q ' "$LSBIMG" compose p.cfg)" /dev/null >tty.out || rc=$?
assert_eq "exit on SIGINT" 130 "$rc"
grep -q 'writing: ' tty.out || fail "no progress before the signal"
assert_eq "ends erased" "$(printf '\r\033[K' | xxd -p)" "$(tail -c 4 tty.out | xxd -p)"

note "no progress without a terminal, with -q or with --json"
LSBIMG_PROGRESS_MS=0 "$LSBIMG" compose p.cfg >out.txt 2>err.txt || fail "compose without a terminal"
assert_eq "stderr without a terminal" "" "$(cat err.txt)"
if grep -q $'\r' out.txt; then fail "carriage returns on stdout without a terminal"; fi
for q in -q --json; do
  on_tty 200 "$LSBIMG" compose $q p.cfg
  a=$(analyse 200)
  assert_eq "progress lines with $q" "lines 0" "${a%%$'\n'*}"
  if grep -q $'\e\[K' tty.out; then fail "terminal control with $q"; fi
done
