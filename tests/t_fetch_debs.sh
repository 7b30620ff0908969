# scripts/fetch-debs: the closure it fetches satisfies every dependency the packages declare
# (read with dpkg-deb), a warm cache works with the network cut, a cold one fails cleanly.
. "$TOP/tests/lib.sh"
FD=$TOP/scripts/fetch-debs
# apt with the network cut: every download goes to a closed port.
printf 'Acquire::http::Proxy "http://127.0.0.1:9/";\nAcquire::Retries "0";\n' >offline.conf

note "closure of hello for arm64 (into the shared cache: fetched once per version)"
expect_exit 0 "$FD" --arch arm64 --closure hello
mapfile -t debs <<<"$OUT"
[ ${#debs[@]} -ge 2 ] || fail "closure of hello is only: $OUT"
names=" " provides=" "
for d in "${debs[@]}"; do
  [ -f "$d" ] || fail "$d missing"
  [[ $d == "${XDG_CACHE_HOME:-$HOME/.cache}/lsbimg/debs/"* ]] || fail "$d is not in the cache"
  pkg=$(dpkg-deb -f "$d" Package) ver=$(dpkg-deb -f "$d" Version) arch=$(dpkg-deb -f "$d" Architecture)
  assert_eq "file name of $pkg" "${pkg}_${ver//:/%3a}_$arch.deb" "${d##*/}"
  [[ $arch == arm64 || $arch == all ]] || fail "$d is for $arch"
  names+="$pkg "
  for p in $(dpkg-deb -f "$d" Provides | sed 's/([^)]*)//g; s/,/ /g'); do provides+="$p "; done
done
[[ $names == *" hello "* && $names == *" libc6 "* ]] || fail "hello or libc6 missing: $names"
for d in "${debs[@]}"; do
  deps=$(dpkg-deb -f "$d" Pre-Depends Depends | sed 's/^[A-Za-z-]*: //; s/([^)]*)//g; s/:any//g' | tr '\n' ',')
  IFS=, read -ra groups <<<"$deps"
  for g in "${groups[@]}"; do
    [ -n "${g// /}" ] || continue
    ok=0
    for alt in ${g//|/ }; do
      [[ $names == *" $alt "* || $provides == *" $alt "* ]] && ok=1
    done
    [ $ok = 1 ] || fail "${d##*/}: dependency '$g' not in the fetched set:$names"
  done
done

note "a warm cache needs no network"
first=$OUT
APT_CONFIG=$PWD/offline.conf expect_exit 0 "$FD" --arch arm64 --closure hello
assert_eq "offline rerun" "$first" "$OUT"

note "a single arch:all package, and an explicit version"
hello_deb=$(grep '/hello_' <<<"$first")
hello_ver=$(dpkg-deb -f "$hello_deb" Version)
expect_exit 0 "$FD" --arch arm64 debconf "hello=$hello_ver"
assert_contains "arch all" "$OUT" "/debconf_"
assert_contains "explicit version" "$OUT" "$hello_deb"

note "cold cache offline: a clear failure, nothing half-written left behind"
mkdir cold
APT_CONFIG=$PWD/offline.conf expect_exit 1 "$FD" --arch arm64 --cache "$PWD/cold" hello
assert_contains "download failure" "$ERR" "fetch-debs: apt-get download hello:arm64="
assert_eq "cold cache contents" "" "$(ls -A cold)"

note "usage errors"
expect_exit 1 "$FD" --arch arm64 no-such-package-lsbimg
assert_contains "unknown package" "$ERR" "no candidate version of no-such-package-lsbimg for arm64"
expect_exit 2 "$FD" --arch arm64
expect_exit 2 "$FD" --bogus hello
echo ok
