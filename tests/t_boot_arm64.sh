# Boot truth on arm64: see tests/boot/boot.sh.
. "$TOP/tests/lib.sh"
. "$TOP/tests/boot/boot.sh"
boot_truth arm64
echo ok
