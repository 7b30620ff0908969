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

# prune_args PATH...: find arguments leaving out each ./PATH and what is below it.
prune_args() { local p; PRUNE=(); for p in "$@"; do PRUNE+=(-path "./$p" -prune -o); done; }

# listing DIR [LEAVE-OUT...]: one line per file under DIR: name, type, mode, numeric owner,
# link target, size, link count and whole-second mtime. Directories have no size and link
# count here (both depend on the file system, not on what it holds); their mtimes count.
# LEAVE-OUT names paths below DIR (e.g. lost+found) not listed, with what is under them.
listing() {
  local d=$1; shift; prune_args "$@"
  (cd "$d" && find . "${PRUNE[@]}" \( -type d -printf '%p %y %m %U:%G - - - ' -o \
      -printf '%p %y %m %U:%G [%l] %s %n ' \) -printf '%TY-%Tm-%Td %TT\n' |
    sed 's/\.[0-9]*$//' | LC_ALL=C sort)
}

# same_bytes A B [LEAVE-OUT...]: A and B hold the same regular files (a file in either one
# only fails), each with the same bytes.
same_bytes() {
  local a=$1 b=$2 f; shift 2; prune_args "$@"
  diff -u <(cd "$a" && find . "${PRUNE[@]}" -type f -print | LC_ALL=C sort) \
          <(cd "$b" && find . "${PRUNE[@]}" -type f -print | LC_ALL=C sort) >&2 ||
    { echo "the regular files of $a and $b differ" >&2; return 1; }
  while IFS= read -r -d '' f; do
    cmp -s "$a/$f" "$b/$f" || { echo "differs: $f" >&2; return 1; }
  done < <(cd "$a" && find . "${PRUNE[@]}" -type f -print0)
}

# same_tree A B [LEAVE-OUT...]: A and B list alike (names on both sides; type, mode, owner,
# link target, size, mtime) and their regular files have the same bytes.
same_tree() {
  diff -u <(listing "$1" "${@:3}") <(listing "$2" "${@:3}") >&2 ||
    { echo "the listings of $1 and $2 differ" >&2; return 1; }
  same_bytes "$@"
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
