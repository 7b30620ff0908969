/* The progress line: counters, a coarse clock, and a line sized to the terminal. */
#include "base/progress.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_INTERVAL_MS 250   /* default; LSBIMG_PROGRESS_MS overrides it */
#define PROGRESS_CALLS 32
#define PROGRESS_BYTES (4u << 20)
/* Writing a file costs about as much as this much data (inode, extent, directory entry,
 * open): percent and ETA count both, so neither many small files nor one big one stall it. */
#define FILE_COST (32u << 10)

/* Read by the signal handler (progress_abandon). */
static volatile sig_atomic_t shown;

static struct {
	int on;
	int64_t interval;        /* ms between redraws */
	const char *what;
	uint64_t files, bytes, files_total, bytes_total;
	unsigned calls;          /* since the clock was last read */
	uint64_t unclocked;      /* bytes since the clock was last read */
	uint64_t file_bytes;     /* bytes since the last progress_file_done */
	int64_t start, last;     /* ms */
} p;

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int columns(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) || ws.ws_col < 20)
		return 80;
	return ws.ws_col;
}

/* "12.3 MiB" into BUF. */
static const char *size_text(uint64_t b, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = 0;
	for (; v >= 1024 && u < 4; u++)
		v /= 1024;
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

static void draw(int64_t t)
{
	char line[512], a[32], b[32], r[32], eta[32] = "ETA --:--";
	double secs = (double)(t - p.start) / 1000;
	/* One column short of the width: a full line would wrap on some terminals. */
	int w = columns() - 1, n;
	if (!p.files_total && !p.bytes_total && !p.files && !p.bytes) {
		n = snprintf(line, sizeof(line), "%s...", p.what);   /* a phase that counts nothing */
	} else if (!p.files_total && !p.bytes_total) {
		n = snprintf(line, sizeof(line), "%s: %llu files, %s, %.0f s", p.what,
			     (unsigned long long)p.files, size_text(p.bytes, a, sizeof(a)), secs);
	} else {
		double done = ((double)p.bytes + (double)p.files * FILE_COST) /
			      ((double)p.bytes_total + (double)p.files_total * FILE_COST);
		if (done > 1)
			done = 1;
		if (done > 0 && secs >= 1) {
			unsigned left = (unsigned)(secs / done - secs + 0.5);
			snprintf(eta, sizeof(eta), "ETA %u:%02u", left / 60, left % 60);
		}
		size_text(secs > 0 ? (uint64_t)((double)p.bytes / secs) : 0, r, sizeof(r));
		n = snprintf(line, sizeof(line), "%s: %llu/%llu files, %s/%s, %.0f%%, %s/s, %s",
			     p.what, (unsigned long long)p.files,
			     (unsigned long long)p.files_total, size_text(p.bytes, a, sizeof(a)),
			     size_text(p.bytes_total, b, sizeof(b)), done * 100, r, eta);
		/* Narrow terminals: percent, rate and ETA matter most. */
		if (n > w)
			n = snprintf(line, sizeof(line), "%s: %.0f%%, %s/s, %s", p.what,
				     done * 100, r, eta);
	}
	if (n > w)
		n = w;
	fprintf(stderr, "\r%.*s\033[K", n, line);
	fflush(stderr);
	shown = 1;
	p.last = t;
}

void progress_enable(int on)
{
	const char *ms = getenv("LSBIMG_PROGRESS_MS");
	char *end;
	long v = ms && *ms ? strtol(ms, &end, 10) : -1;
	p.on = on;
	p.interval = v >= 0 && v <= 60000 && !*end ? v : PROGRESS_INTERVAL_MS;
}

void progress_phase(const char *what, uint64_t files_total, uint64_t bytes_total)
{
	if (!p.on)
		return;
	p.what = what;
	p.files = p.bytes = 0;
	p.files_total = files_total;
	p.bytes_total = bytes_total;
	p.calls = 0;
	p.unclocked = 0;
	p.file_bytes = 0;
	p.start = now_ms();
	draw(p.start);
}

void progress_add(uint64_t files, uint64_t bytes)
{
	if (!p.on || !p.what)
		return;
	p.files += files;
	p.bytes += bytes;
	p.unclocked += bytes;
	p.file_bytes += bytes;
	if (++p.calls < PROGRESS_CALLS && p.unclocked < PROGRESS_BYTES)
		return;
	p.calls = 0;
	p.unclocked = 0;
	int64_t t = now_ms();
	if (t - p.last >= p.interval)
		draw(t);
}

void progress_file_done(uint64_t size)
{
	if (!p.on || !p.what)
		return;
	uint64_t holes = size > p.file_bytes ? size - p.file_bytes : 0;
	progress_add(1, holes);
	p.file_bytes = 0;
}

void progress_clear(void)
{
	if (!shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	shown = 0;
}

void progress_abandon(void)
{
	if (shown)
		(void)!write(STDERR_FILENO, "\r\033[K", 4);
}

void progress_end(void)
{
	progress_clear();
	p.what = NULL;
}
