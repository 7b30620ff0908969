# Boot truth on armhf (qemu-system-arm, Debian armmp kernel): see tests/boot/boot.sh.
. "$TOP/tests/lib.sh"
. "$TOP/tests/boot/boot.sh"
boot_truth arm
echo ok
