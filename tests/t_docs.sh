# Every command in README.md and docs/*.md runs as shown. Code blocks are marked by their
# fence's info string (docs/testing.md): "sh run" blocks run, in order, one bash -e per
# document, in a scratch copy of the checkout where `make image` has been done;
# "sh norun: REASON" blocks are not run and must say why; an unmarked sh block fails;
# "LANG file=PATH" must equal the checkout's PATH; "LANG write=PATH" is written to PATH
# before the blocks after it run. Then layout.md must name every entry type and every key
# lsbimg accepts (asked of lsbimg itself), all of them used by its example layout.
. "$TOP/tests/lib.sh"
SCR=$PWD/checkout
note "a scratch copy of the checkout, as make image leaves it"
mkdir "$SCR"
tar -C "$TOP" --exclude=./out --exclude=./distribution --exclude=./.git -cf - . | tar -C "$SCR" -xf -
make -s -C "$TOP" BUILD="$BUILD" kernels >make.log 2>&1 || fail "make kernels: $(tail -n 5 make.log)"
mkdir -p "$SCR/out/bin" "$SCR/home"
cp "$LSBIMG" "$SCR/out/bin/lsbimg"
for d in debs kernels initramfs; do ln -s "$TOP/out/$d" "$SCR/out/$d"; done
export PATH="$SCR/out/bin:$SCR/scripts:$PATH" HOME=$SCR/home
(cd "$SCR" && lsbimg compose -q layouts/arm64.cfg) || fail "compose layouts/arm64.cfg"
on_exit "findmnt -rn -o TARGET | grep '^$SCR/' | sort -r | xargs -r -n1 umount -l"

# doc_script NAME PATH: the blocks of document PATH as a bash script; problems with the
# marks on stderr, named NAME:LINE.
doc_script() {
  awk -v file="$1" -v top="$TOP" '
    function q(s) { gsub(/'\''/, "'\''\\'\'''\''", s); return "'\''" s "'\''" }
    /^[ \t]*```/ {
      if (!inb) {
        inb = 1; line = NR; kind = ""; ind = $0; sub(/```.*/, "", ind)
        info = $0; sub(/^[ \t]*```[ \t]*/, "", info)
        lang = info; sub(/[ \t].*/, "", lang); rest = info; sub(/^[^ \t]*[ \t]*/, "", rest)
        if (rest ~ /^file=/) { kind = "file"; path = substr(rest, 6)
          print "echo " q(file ":" line) " >\"$MARK\"; cmp - " q(top "/" path) " <<'\''LSBIMG_DOC_EOF'\'' >/dev/null || { echo " q(file ":" line ": the block differs from " path) " >&2; exit 1; }" }
        else if (rest ~ /^write=/) { kind = "write"; path = substr(rest, 7)
          print "echo " q(file ":" line) " >\"$MARK\"; cd \"$SCR\"; cat >" q(path) " <<'\''LSBIMG_DOC_EOF'\''" }
        else if (lang ~ /^(sh|bash|shell|console)$/) {
          if (rest == "run") { kind = "run"; print "echo " q(file ":" line) " >\"$MARK\"; cd \"$SCR\"" }
          else if (rest ~ /^norun: *[^ ]/) kind = "norun"
          else print file ":" line ": an unmarked shell block: write ```" lang " run, or ```" lang " norun: REASON (docs/testing.md)" > "/dev/stderr"
        }
      } else {
        inb = 0
        if (kind == "file" || kind == "write") print "LSBIMG_DOC_EOF"
      }
      next
    }
    inb && kind != "" && kind != "norun" { l = $0; if (index(l, ind) == 1) l = substr(l, length(ind) + 1); print l }
  ' "$2"
}

note "the blocks of each document"
docs=("$TOP/README.md" "$TOP"/docs/*.md)
runs=0 noruns=0
for d in "${docs[@]}"; do
  rel=${d#"$TOP"/}
  doc_script "$rel" "$d" >script.sh 2>marks.err
  [ ! -s marks.err ] || fail "$(cat marks.err)"
  runs=$((runs + $(grep -c '^ *```\(sh\|bash\) run$' "$d" || true)))
  noruns=$((noruns + $(grep -c '^ *```\(sh\|bash\) norun: ' "$d" || true)))
  [ -s script.sh ] || continue
  note "$rel"
  rc=0
  (cd "$SCR" && MARK=$PWD/../mark SCR=$SCR bash -e "$PWD/../script.sh") >"run.log" 2>&1 || rc=$?
  [ $rc = 0 ] || fail "$(cat mark): a block failed (exit $rc) in the scratch checkout; its output:
$(tail -n 20 run.log)"
done
note "$runs blocks run, $noruns not run"
[ $runs -ge 8 ] || fail "only $runs blocks run"

note "layout.md names every entry type and key lsbimg takes, and the example uses them"
LAYOUT_MD=$TOP/docs/layout.md EXAMPLE=$TOP/layouts/example.cfg
# valid_list LAYOUT-TEXT: the list after "valid keys:" or "valid types:" in lsbimg's error.
valid_list() {
  printf '%s\n' "$1" >probe.cfg
  { lsbimg compose --no-stage -o probe.img probe.cfg 2>&1 >/dev/null || true; } >probe.err
  sed -n 's/.*; valid \(keys\|types\): //p' probe.err | head -1 | tr -d ' ' | tr ',' '\n'
}
types=$(valid_list 'entries = ( { type = "zzz"; path = "/a"; } );')
[ "$(wc -l <<<"$types")" -ge 10 ] || fail "entry types: $types"
declare -A groups=(
  [top-level]='zzz = 1;' [image]='image = { zzz = 1; };' [musl]='musl = { zzz = 1; };'
  [kmods]='kmods = { zzz = 1; };' [systemd]='systemd = { zzz = 1; };'
  [systemd.users]='systemd = { users = ( { zzz = 1; } ); };'
  [systemd.groups]='systemd = { groups = ( { zzz = 1; } ); };'
  [systemd.mappings]='systemd = { mappings = ( { zzz = 1; } ); };')
for t in $types; do
  grep -q "^| \`$t\`\|^| \`[a-z]*\`, \`$t\`" "$LAYOUT_MD" || fail "layout.md has no row for the entry type '$t'"
  grep -q "type = \"$t\"" "$EXAMPLE" || fail "the example layout has no $t entry"
  groups[$t entry]="entries = ( { type = \"$t\"; path = \"/a\"; zzz = 1; } );"
done
n=0
for g in "${!groups[@]}"; do
  keys=$(valid_list "${groups[$g]}")
  [ -n "$keys" ] || fail "lsbimg names no valid keys for $g"
  for k in $keys; do
    n=$((n + 1))
    grep -q "\`$k\`" "$LAYOUT_MD" || fail "layout.md does not document the $g key '$k'"
    [ "$g" = top-level ] || grep -qE "(^|[ {(])$k = " "$EXAMPLE" ||
      fail "the example layout does not show the $g key '$k'"
  done
done
note "$n keys of ${#groups[@]} groups documented and shown"
