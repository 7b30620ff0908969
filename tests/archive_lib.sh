# Helpers for the archive tests (sourced after lib.sh).

# fetch_deb PKG: path of PKG's Debian arm64 package, downloaded with apt-get into the cache
# shared with scripts/fetch-debs when not there yet. Fails the test when it cannot.
fetch_deb() {
  local cache=${XDG_CACHE_HOME:-$HOME/.cache}/lsbimg/debs deb
  mkdir -p "$cache"
  deb=$(ls "$cache/$1"_*_arm64.deb 2>/dev/null | tail -n 1)
  if [ -z "$deb" ]; then
    (cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$1:arm64" >/dev/null 2>&1) ||
      fail "apt-get download $1:arm64 failed (is arm64 added with dpkg --add-architecture, and apt-get update run?)"
    deb=$(ls "$cache/$1"_*_arm64.deb 2>/dev/null | tail -n 1)
  fi
  [ -n "$deb" ] || fail "no $1 arm64 package in $cache"
  printf '%s\n' "$deb"
}

# deb_tree DEB DIR: the package's files as its own data tarball holds them, extracted by GNU
# tar with owners and modes, directory times set after their contents (dpkg-deb -x leaves
# some directories with the time of extraction).
deb_tree() {
  mkdir -p "$2"
  dpkg-deb --fsys-tarfile "$1" | tar -C "$2" -xp --numeric-owner --delay-directory-restore ||
    fail "dpkg-deb --fsys-tarfile $1 | tar -x failed"
}

# extract_over DIR [TAR-OPTION...] <ARCHIVE: GNU tar extracts ARCHIVE over DIR as lsbimg
# imports an archive entry (docs/archives.md): symlinks to directories are followed
# (--keep-directory-symlink), a directory that exists keeps its attributes, its mtime
# included (--no-overwrite-dir, then the times taken before put back), owners and modes
# come from the archive.
extract_over() {
  local d=$1 times t p; shift
  times=$(cd "$d" && find . -type d -printf '%T@ %p\n')
  tar -C "$d" -xp --numeric-owner --keep-directory-symlink --no-overwrite-dir \
    --delay-directory-restore "$@" || return 1
  while read -r t p; do touch -d "@$t" "$d/$p" || return 1; done <<<"$times"
}
