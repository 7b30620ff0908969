#!/bin/bash
# Install the Debian packages lsbimg needs; idempotent and quiet when all are present.
# usage: scripts/deps.sh build|test
set -euo pipefail

build_pkgs=(make gcc pkg-config libext2fs-dev comerr-dev libarchive-dev libconfig-dev
  libsystemd-dev liblua5.4-dev libsquashfs-dev e2fsprogs musl-tools musl-dev musl:arm64 musl:armhf
  musl-dev:arm64 musl-dev:armhf dpkg-dev ca-certificates libcap-dev libkmod-dev libfdisk-dev)
test_pkgs=(fuse2fs genext2fs binutils binutils-aarch64-linux-gnu binutils-arm-linux-gnueabihf
  gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross qemu-system-arm ipxe-qemu
  qemu-efi-aarch64 systemd time clang libclang-rt-14-dev valgrind file tar cpio xxd xz-utils
  systemd-journal-remote jq kmod lua5.4 man-db strace expect tree fuse
  squashfs-tools squashfs-tools-ng dosfstools mtools python3-jsonschema bsdutils
  libcap2-bin attr libarchive-tools fdisk gdisk qemu-efi-arm qemu-utils)

case "${1:-build}" in
  build) want=("${build_pkgs[@]}") ;;
  test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: run as root, or install them with apt-get" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
for a in arm64 armhf; do
  dpkg --print-foreign-architectures | grep -qx "$a" || dpkg --add-architecture "$a"
done
export DEBIAN_FRONTEND=noninteractive
# A mirror caught mid-sync fails one index; retry, then go on with what we have.
apt-get update -q || { sleep 5; apt-get update -q; } || echo "deps: apt-get update reported errors; continuing" >&2
apt-get install -y -q --no-install-recommends "${missing[@]}"
