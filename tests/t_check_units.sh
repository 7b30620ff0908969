# check's units and caps parts on composed images: an enabling link that leads nowhere (what
# the old scripts shipped), what enabled units need at boot, undeclared capabilities;
# services systemd refuses to load (systemd-analyze verify on an extraction as the
# oracle), each warning once, and lines inside continued values.
. "$TOP/tests/lib.sh"
SYS=/usr/lib/systemd/system WANTS=/etc/systemd/system/multi-user.target.wants
printf '#!/bin/sh\nexit 0\n' >prog

unit() { # NAME EXEC ENV [WANTS]: a text entry holding a service unit
  printf '{ type = "text"; path = "%s/%s"; text = "[Unit]\\nWants=%s\\n[Service]\\nExecStart=%s\\nEnvironment=L4_CAP_GLOBAL_FS=%s\\n[Install]\\nWantedBy=multi-user.target\\n"; },\n' \
    "$SYS" "$1" "${4:-}" "$2" "$3"
}
link() { printf '{ type = "symlink"; path = "%s"; target = "%s"; },\n' "$1" "$2"; }
layout() { # NAME ENTRIES...
  local name=$1; shift
  { printf 'image = { name = "%s"; output = "%s.img"; stage = ""; };\nentries = (\n' "$name" "$name"
    printf '{ type = "file"; path = "/usr/bin/prog"; source = "prog"; mode = "0755"; },\n'
    printf '%s' "$@"
    printf '{ type = "symlink"; path = "/etc/systemd/system/getty.target"; target = "/dev/null"; }\n);\n'
  } >"$name.cfg"
  expect_exit 0 "$LSBIMG" compose -q "$name.cfg"
  fsck_clean "$name.img"
}

layout bad "$(unit good.service /usr/bin/prog global_fs)" \
  "$(unit bad.service /usr/bin/missing globl_fs nothere.service)" \
  "$(link $WANTS/good.service $SYS/good.service)" "$(link $WANTS/bad.service $SYS/bad.service)" \
  "$(link $WANTS/gone.service $SYS/gone.service)"
# The oracle for "leads nowhere": debugfs finds the link but not what it names.
grep -q "Type: symlink" < <(dbg bad.img "stat $WANTS/gone.service") || fail "no gone.service link"
! grep -q 'Inode:' < <(debugfs -R "stat $SYS/gone.service" bad.img 2>&1) || fail "gone.service exists"
expect_exit 1 "$LSBIMG" check --caps-cfg "$TOP/cfg/bash.cfg" bad.img
assert_contains "dangling link" "$OUT" "bad.img: units: $WANTS/gone.service -> $SYS/gone.service: the link leads nowhere in the image"
assert_contains "missing program" "$OUT" "bad.img: units: warning: $SYS/bad.service:4: ExecStart=/usr/bin/missing: program not in the image"
assert_contains "missing unit" "$OUT" "bad.img: units: warning: $SYS/bad.service:2: Wants=nothere.service: no such unit in the image"
init_line=$(grep -n 'l:start' "$TOP/cfg/bash.cfg" | tail -1 | cut -d: -f1)
assert_contains "undeclared capability" "$OUT" "bad.img: caps: $SYS/bad.service:5: unit bad.service: L4_CAP_GLOBAL_FS=globl_fs: the task running /sbin/init ($TOP/cfg/bash.cfg:$init_line) gets no capability 'globl_fs' (did you mean 'global_fs'?)"
assert_contains "summary" "$OUT" "bad.img: 2 problems found"
[[ $OUT != *good.service:* && $OUT != *getty* ]] || fail "good.service or the mask reported: $OUT"

note "warnings alone pass; --strict makes them problems"
layout warn "$(unit bad.service /usr/bin/missing global_fs)" "$(link $WANTS/bad.service $SYS/bad.service)"
expect_exit 0 "$LSBIMG" check --caps-cfg "$TOP/cfg/bash.cfg" warn.img
assert_contains "warning" "$OUT" "warn.img: units: warning: $SYS/bad.service:4: ExecStart=/usr/bin/missing"
assert_contains "clean" "$OUT" "warn.img: clean"
expect_exit 1 "$LSBIMG" check --strict --caps-cfg "$TOP/cfg/bash.cfg" warn.img
assert_contains "strict" "$OUT" "warn.img: units: $SYS/bad.service:4: ExecStart=/usr/bin/missing"

note "without a ned script, capabilities are not checked, and check says so: not ok"
mkdir -p cfg && cp "$TOP/cfg/bash.cfg" cfg/   # a script in the current directory is not used
expect_exit 1 "$LSBIMG" check warn.img
assert_contains "caps unchecked" "$OUT" "warn.img: caps: 1 L4_CAP_* variable not checked: the image records no ned script"
assert_contains "could not run" "$OUT" "warn.img: caps: could not run"
expect_exit 1 "$LSBIMG" check --caps-cfg nonexistent.cfg warn.img
assert_contains "bad --caps-cfg" "$OUT" "warn.img: caps: nonexistent.cfg: cannot read the ned script: No such file or directory"

note "services systemd refuses to load: errors, in systemd-analyze verify's words"
# NAME BODY: each a service systemd 252 refuses; the oracle reads the extracted image.
refused=(
  "a.service" '[Service]\nType=simple\n'
  "b.service" '[Service]\nExecStop=/usr/bin/prog\n'
  "c.service" '[Service]\nType=oneshot\nExecStart=/usr/bin/prog\nRestart=always\n'
  "d.service" '[Service]\nExecStart=/usr/bin/prog\nExecStart=/usr/bin/prog\n'
  "e.service" '[Service]\nType=dbus\nExecStart=/usr/bin/prog\n'
  "g.service" '[Service]\nExecStart=/usr/bin/prog\nExecStart=\nType=simple\n'
  "h.service" '[Service]\nType=oneshot\nExecStart=/usr/bin/prog\nExitType=cgroup\n'
)
entries=() links=()
for ((i = 0; i < ${#refused[@]}; i += 2)); do
  entries+=("$(printf '{ type = "text"; path = "%s/%s"; text = "[Unit]\\nDefaultDependencies=no\\n%s"; },\n' "$SYS" "${refused[i]}" "${refused[i+1]}")")
  links+=("$(link $WANTS/${refused[i]} $SYS/${refused[i]})")
done
layout refused "${entries[@]}" "${links[@]}" \
  "$(printf '{ type = "text"; path = "%s/ok.service"; text = "[Unit]\\nDefaultDependencies=no\\n[Service]\\nType=oneshot\\nExecStart=/usr/bin/prog\\nRestart=on-failure\\n"; },\n' "$SYS")" \
  "$(link $WANTS/ok.service $SYS/ok.service)"
expect_exit 0 "$LSBIMG" extract refused.img root
expect_exit 1 "$LSBIMG" check refused.img
for ((i = 0; i < ${#refused[@]}; i += 2)); do
  u=${refused[i]}
  rc=0; systemd-analyze verify --root="$PWD/root" --man=no --generators=no "$u" >verify.log 2>&1 || rc=$?
  [ $rc != 0 ] || fail "systemd-analyze verify accepts $u: $(cat verify.log)"
  want=$(sed -n "s/^$u: \(.*Refusing\.\)\$/\1/p" verify.log)
  [ -n "$want" ] || fail "no refusal in systemd-analyze's words for $u: $(cat verify.log)"
  assert_contains "$u refused" "$OUT" "refused.img: units: $SYS/$u"
  assert_contains "$u as systemd says" "$OUT" "$u: $want (systemd does not load it)"
done
systemd-analyze verify --root="$PWD/root" --man=no --generators=no ok.service >verify.log 2>&1 ||
  fail "systemd-analyze verify refuses ok.service: $(cat verify.log)"
[[ $OUT != *ok.service* ]] || fail "ok.service reported: $OUT"
assert_contains "count" "$OUT" "refused.img: units: 7 problems"

note "each warning once; a continued line's words at their own lines"
cont='{ type = "text"; path = "%s/w.service"; text = "[Unit]\\nDefaultDependencies=no\\nNoEquals\\n[Service]\\nExecStart=/usr/bin/prog\\nEnvironment=\\"L4_CAP_GLOBAL_FS=global_fs\\" \\\\\\n  \\"B C\\" \\\\\\n  \\"L4_CAP_GLOBAL_NET=global_nt\\"\\n"; },\n'
layout cont "$(printf "$cont" "$SYS")" "$(link $WANTS/w.service $SYS/w.service)"
expect_exit 0 "$LSBIMG" extract cont.img croot
grep -n 'B C' croot$SYS/w.service >/dev/null || fail "the test unit lost its continuation: $(cat croot$SYS/w.service)"
bline=$(grep -n '"B C"' croot$SYS/w.service | cut -d: -f1)
nline=$(grep -n 'global_nt' croot$SYS/w.service | cut -d: -f1)
systemd-analyze verify --root="$PWD/croot" --man=no --generators=no w.service >verify.log 2>&1 || true
grep -q "w.service:3: Missing '='" verify.log || fail "systemd sees no missing '=' on line 3: $(cat verify.log)"
grep -q "Invalid environment assignment, ignoring: B C" verify.log || fail "systemd sees no bad assignment: $(cat verify.log)"
expect_exit 1 "$LSBIMG" check --caps-cfg "$TOP/cfg/bash.cfg" cont.img
assert_eq "missing '=' once" 1 "$(grep -c "missing '='" <<<"$OUT")"
assert_contains "missing '=' line" "$OUT" "cont.img: units: warning: $SYS/w.service:3: missing '='"
assert_contains "bad word's line" "$OUT" "$SYS/w.service:$bline: Environment=: invalid assignment 'B C'"
assert_contains "value's line" "$OUT" "$SYS/w.service:$nline: unit w.service: L4_CAP_GLOBAL_NET=global_nt"
printf 'image = { name = "cs"; output = "cs.img"; stage = ""; };\nentries = ( { type = "file"; path = "/usr/bin/prog"; source = "prog"; mode = "0755"; }, %s );\nsystemd = { units = [ "units" ]; enable = [ "w.service" ]; caps_cfg = "%s"; };\n' \
  "$(printf '{ type = "symlink"; path = "/etc/systemd/system/getty.target"; target = "/dev/null"; }')" "$TOP/cfg/bash.cfg" >cs.cfg
mkdir -p units && cp croot$SYS/w.service units/ && printf '[Install]\nWantedBy=multi-user.target\n' >>units/w.service
expect_exit 1 "$LSBIMG" compose cs.cfg
assert_eq "compose: missing '=' once" 1 "$(grep -c "missing '='" <<<"$ERR")"
echo ok

note "a unit a condition skips in the image is not held to what it would need"
cond() { # NAME CONDITION: a unit whose program is missing, guarded by CONDITION
  printf '{ type = "text"; path = "%s/%s"; text = "[Unit]\\n%s\\n[Service]\\nExecStart=/boot/%s\\n[Install]\\nWantedBy=multi-user.target\\n"; },\n' \
    "$SYS" "$1" "$2" "${1%.service}"
}
layout cond "$(cond l4re.service ConditionFileIsExecutable=/boot/l4re)" \
  "$(cond neg.service ConditionPathExists=!/usr/bin/prog)" \
  "$(cond held.service ConditionPathExists=/usr/bin/prog)" \
  "$(link $WANTS/l4re.service $SYS/l4re.service)" "$(link $WANTS/neg.service $SYS/neg.service)" \
  "$(link $WANTS/held.service $SYS/held.service)"
expect_exit 0 "$LSBIMG" check cond.img
[[ $OUT != *l4re.service:* && $OUT != *neg.service:* ]] || fail "a unit its condition skips was checked: $OUT"
assert_contains "a condition that holds" "$OUT" "cond.img: units: warning: $SYS/held.service:4: ExecStart=/boot/held: program not in the image"
