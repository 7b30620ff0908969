/* fatsum DIR: print "FATDIR path" for each directory and "FATSUM size fnv1a64 path" for
 * each regular file below DIR, then "FATSUM-END count". t_boot_vfat runs it as init on a
 * vfat root (DIR "/", then it powers the machine off) and on the host over the tree the
 * image was composed from; the sorted lists must agree. Mount points below DIR (the
 * /dev, /proc and /sys moved in by the initramfs) are listed but not entered. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long count;
static dev_t root_dev;

static int sum(const char *path, const char *name)
{
	char buf[65536];
	uint64_t h = 14695981039346656037ull, size = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0; size += (uint64_t)n)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
	close(fd);
	printf("FATSUM %llu %016llx %s\n", (unsigned long long)size, (unsigned long long)h, name);
	return 0;
}

static void walk(const char *path, const char *name)
{
	DIR *d = opendir(path);
	struct dirent *e;
	if (!d) {
		printf("FATERR cannot open %s\n", name);
		return;
	}
	while ((e = readdir(d))) {
		char p[4096], n[4096];
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		snprintf(n, sizeof(n), "%s/%s", name, e->d_name);
		if (lstat(p, &st)) {
			printf("FATERR cannot stat %s\n", n);
			continue;
		}
		count++;
		if (S_ISDIR(st.st_mode)) {
			printf("FATDIR %s\n", n);
			if (st.st_dev == root_dev)
				walk(p, n);
		} else if (S_ISREG(st.st_mode)) {
			if (sum(p, n))
				printf("FATERR cannot read %s\n", n);
		} else {
			printf("FATODD %s\n", n);
		}
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	const char *top = argc > 1 ? argv[1] : "/";
	struct stat st;
	if (stat(top, &st))
		return 1;
	root_dev = st.st_dev;
	walk(top, "");
	printf("FATSUM-END %lu\n", count);
	fflush(stdout);
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return 0;
}
