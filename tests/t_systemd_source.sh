# Where systemd comes from: a staged tree (as an L4Re build stages it) or a directory of
# Debian packages; /sbin/init; a path both a package and an entry define.
. "$TOP/tests/lib.sh"

merged='{ type = "symlink"; path = "/sbin"; target = "usr/sbin"; },
  { type = "symlink"; path = "/lib"; target = "usr/lib"; },
  { type = "dir"; path = "/usr/sbin"; }'
layout() { # NAME SYSTEMD-KEYS [ENTRIES]
  printf 'image = { name = "%s"; output = "%s.img"; stage = ""; };\nentries = ( %s%s );\nsystemd = { %s };\n' \
    "$1" "$1" "$merged" "${3:+, $3}" "$2" >"$1.cfg"
}

note "staged: a systemd make-install tree"
mkdir -p staged/usr/lib/systemd/system staged/etc/systemd
printf '#!/bin/sh\n' >staged/usr/lib/systemd/systemd
chmod 755 staged/usr/lib/systemd/systemd
printf '[Unit]\nDescription=Multi-User System\n' >staged/usr/lib/systemd/system/multi-user.target
printf '[Manager]\nLogLevel=info\n' >staged/etc/systemd/system.conf
layout st 'staged = "staged"; default_target = "multi-user.target";'
expect_exit 0 "$LSBIMG" compose -q st.cfg
fsck_clean st.img
assert_eq "/sbin/init" /usr/lib/systemd/systemd "$(link_dest st.img /usr/sbin/init)"
# With /lib -> usr/lib, Debian 12's systemctl links to /lib/systemd/system (t_systemd_enable).
assert_eq "default.target" /lib/systemd/system/multi-user.target "$(link_dest st.img /etc/systemd/system/default.target)"
dump st.img /etc/systemd/system.conf system.conf
cmp system.conf staged/etc/systemd/system.conf || fail "system.conf differs"
assert_eq "manager mode" 0755 "$(stat_field st.img /usr/lib/systemd/systemd Mode)"
assert_eq "manager owner" 0 "$(stat_field st.img /usr/lib/systemd/systemd User)"

note "the layout's own /sbin/init is kept"
layout own 'staged = "staged";' '{ type = "symlink"; path = "/sbin/init"; target = "/usr/bin/myinit"; }'
expect_exit 0 "$LSBIMG" compose -q own.cfg
assert_eq "own /sbin/init" /usr/bin/myinit "$(link_dest own.img /usr/sbin/init)"

# The errors of each source that need no packages (no manager, both sources, no .deb files,
# a missing directory, a misspelt key) are cases in tests/layout (systemd-*).

note "debs: Debian's systemd packages (make debs); a file both a package and an entry define"
make -s -C "$TOP" debs >make.log 2>&1 || fail "make debs: $(tail -n 5 make.log)"
layout dup "debs = \"$TOP/out/debs/systemd-arm64\";" \
  '{ type = "text"; path = "/etc/systemd/system.conf"; text = "[Manager]\n"; }'
expect_exit 1 "$LSBIMG" compose -q dup.cfg
assert_contains "duplicate" "$ERR" "./etc/systemd/system.conf: duplicate: the path is already defined (first from dup.cfg:4)"
echo ok
