# check's units and caps parts on composed images: an enabling link that leads nowhere (what
# the old scripts shipped), what enabled units need at boot, undeclared capabilities.
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
assert_contains "undeclared capability" "$OUT" "bad.img: caps: $SYS/bad.service:5: unit bad.service: L4_CAP_GLOBAL_FS=globl_fs names no capability declared in $TOP/cfg/bash.cfg (did you mean 'global_fs'?)"
assert_contains "summary" "$OUT" "bad.img: 2 problems found"
[[ $OUT != *good.service:* && $OUT != *getty* ]] || fail "good.service or the mask reported: $OUT"

note "warnings alone pass; --strict makes them problems"
layout warn "$(unit bad.service /usr/bin/missing global_fs)" "$(link $WANTS/bad.service $SYS/bad.service)"
expect_exit 0 "$LSBIMG" check --caps-cfg "$TOP/cfg/bash.cfg" warn.img
assert_contains "warning" "$OUT" "warn.img: units: warning: $SYS/bad.service:4: ExecStart=/usr/bin/missing"
assert_contains "clean" "$OUT" "warn.img: clean"
expect_exit 1 "$LSBIMG" check --strict --caps-cfg "$TOP/cfg/bash.cfg" warn.img
assert_contains "strict" "$OUT" "warn.img: units: $SYS/bad.service:4: ExecStart=/usr/bin/missing"

note "without a ned script, capabilities are not checked, and check says so"
expect_exit 0 "$LSBIMG" check warn.img
assert_contains "caps unchecked" "$OUT" "warn.img: caps: warning: 1 L4_CAP_* variables not checked"
expect_exit 1 "$LSBIMG" check --caps-cfg nonexistent.cfg warn.img
assert_contains "bad --caps-cfg" "$OUT" "warn.img: caps: nonexistent.cfg: cannot read the capability declarations"
echo ok
