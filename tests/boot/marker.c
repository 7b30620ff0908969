/* The init program of the boot tests (init= on the kernel command line): proves a kernel
 * mounted the image and ran a dynamically linked program through the image's own loader
 * and libc, then powers off. */
#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	(void)argc;
	printf("LSBIMG-BOOT-MARKER %s pid=%d\n", argv[0], (int)getpid());
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
