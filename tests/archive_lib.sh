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

# listing DIR: one line per file under DIR: name, type, mode, owner, link target, size,
# whole-second mtime (directories' mtimes are left out: extractors set them differently).
listing() {
  (cd "$1" && find . -printf '%p %y %m %U:%G [%l] %s %n ' \( -type d -printf '-\n' -o -printf '%TY-%Tm-%Td %TT\n' \) |
    sed 's/\.[0-9]*$//' | LC_ALL=C sort)
}

# same_bytes A B: every regular file under A has the same bytes under B (other types are
# compared by listing).
same_bytes() {
  local f
  while IFS= read -r -d '' f; do
    cmp -s "$1/$f" "$2/$f" || { echo "differs: $f" >&2; return 1; }
  done < <(cd "$1" && find . -type f -print0)
}
