# The bash completion (scripts/lsbimg.bash-completion), sourced in bash and called as
# readline would (COMP_WORDS, COMP_CWORD): commands, every command's options, option
# arguments, in-image paths from the image itself (debugfs as the oracle; the host's
# /etc is not offered), and runqemu's options.
. "$TOP/tests/lib.sh"
COMP=$TOP/scripts/lsbimg.bash-completion
RUNQEMU=$TOP/scripts/runqemu
mkdir -p src/etc/pam.d src/usr/lib src/home/user
echo root:x:0:0 >src/etc/passwd; echo x >src/etc/pa-image-only; echo x >src/etc/pam.d/login
compose_tree "$PWD/src" img
[ -e /etc/hosts ] || fail "the host has no /etc/hosts to tell host paths from image paths"

# complete WORDS...: COMPREPLY, sorted, one a line, for the command line WORDS (the last
# word is the one completed; the program is given with its path, as typed).
complete_words() {
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    case ${1##*/} in runqemu) _runqemu ;; *) _lsbimg ;; esac
    printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMP" "$@"
}
lines() { printf '%s\n' "$@" | sort; }

note "commands, not the hidden __complete"
assert_eq "commands" "$(lines caps cat check compose diff extract info journal ls stat tree)" \
  "$(complete_words "$LSBIMG" "")"
assert_eq "global options" "$(lines -h --help -V --version)" "$(complete_words "$LSBIMG" -)"

note "every command's options are its --help's"
for cmd in $(complete_words "$LSBIMG" ""); do
  want=$("$LSBIMG" "$cmd" --help | grep -E '^ +-[-A-Za-z]' | sed -E 's/^ +//; s/  .*//' |
    grep -oE '(^|[ ,])--?[A-Za-z][-A-Za-z0-9]*' | tr -d ' ,' | sort -u)
  assert_eq "$cmd options" "$want" "$(complete_words "$LSBIMG" "$cmd" - | sort -u)"
done
assert_eq "compose long options" "$(lines --caps-cfg --define --help --json --no-stage --output --quiet --stage --verbose)" \
  "$(complete_words "$LSBIMG" compose --)"
assert_eq "tree options" "$(lines -a -d -h -J -l -L --help --json)" "$(complete_words "$LSBIMG" tree -)"

note "in-image paths come from the image"
want=$(debugfs -R 'ls -p /etc' img 2>/dev/null | awk -F/ '$6 ~ /^pa/ { print "/etc/" $6 ($3 ~ /^04/ ? "/" : "") }' | sort)
[ "$(wc -l <<<"$want")" = 3 ] || fail "debugfs lists: $want"
assert_eq "cat IMG /etc/pa" "$want" "$(complete_words "$LSBIMG" cat img /etc/pa)"
assert_eq "with options before" "$want" "$(complete_words "$LSBIMG" tree -L 2 img /etc/pa)"
assert_eq "a host-only path is not offered" "" "$(complete_words "$LSBIMG" cat img /etc/host)"
assert_eq "a directory" "/usr/" "$(complete_words "$LSBIMG" ls -l img /us)"
assert_eq "an empty word: the top" "$(lines /etc/ /home/ /lost+found/ /usr/)" "$(complete_words "$LSBIMG" stat img "")"
assert_eq "below a directory" "/etc/pam.d/login" "$(complete_words "$LSBIMG" cat img /etc/pam.d/)"
assert_eq "not an image" "" "$(complete_words "$LSBIMG" cat src/etc/passwd /e)"
note "host files where a host file goes"
assert_eq "IMAGE" "img img.cfg" "$(complete_words "$LSBIMG" ls im | xargs)"
assert_eq "compose LAYOUT: layouts and directories" "img.cfg src" "$(complete_words "$LSBIMG" compose "" | xargs)"
assert_eq "--stage DIR" "src" "$(complete_words "$LSBIMG" compose --stage "" | xargs)"
assert_eq "-L LEVEL: no guess" "" "$(complete_words "$LSBIMG" tree -L "")"

note "runqemu"
want=$("$RUNQEMU" --help | grep -E '^ +-[-A-Za-z]' | sed -E 's/^ +//; s/  .*//' |
  grep -oE '(^|[ ,])--?[A-Za-z][-A-Za-z0-9]*' | tr -d ' ,' | sort -u)
assert_eq "runqemu options" "$want" "$(complete_words "$RUNQEMU" - | sort -u)"
assert_contains "runqemu --dry-run" "$want" "--dry-run"
assert_eq "--arch" "$(lines arm arm64)" "$(complete_words "$RUNQEMU" --arch "")"
assert_eq "--virtualization" "$(lines off on)" "$(complete_words "$RUNQEMU" --virtualization "")"
assert_eq "--rootfs FILE" "img img.cfg" "$(complete_words "$RUNQEMU" --rootfs im | xargs)"
assert_eq "after --: QEMU's" "" "$(complete_words "$RUNQEMU" --linux -- -)"
note "make install's completion registers both"
grep -qx 'complete -F _runqemu runqemu' < <(bash -c ". '$COMP'; complete -p runqemu") || fail "runqemu not registered"
