/* Temporary files and directories that never outlive the run that made them.
 *
 * A temporary for the output NAME is called DIR/.BASE.lsbimg.XXXXXX (BASE and DIR from
 * NAME), so it is recognisable by name. While it exists it is registered: SIGINT,
 * SIGTERM, SIGHUP and SIGPIPE remove every registered temporary (a directory with its
 * contents) and then end the process with that signal (exit status 128+N). It is also locked (flock on its
 * descriptor) for as long as the run holds it, so a temporary left by a run killed with
 * SIGKILL is the one whose lock can be taken: the next run for the same NAME removes it. */
#ifndef LSBIMG_TEMPFILE_H
#define LSBIMG_TEMPFILE_H

struct tempfile {
	char *path;   /* NULL once removed or kept */
	int fd;       /* open (a directory O_RDONLY) and locked; -1 once closed */
	int dir;
};

/* Install the signal handlers now (commands that make temporaries call this first, so a
 * signal at any point of the run is handled the same way). */
void temp_signals(void);
/* Remove stale temporaries of NAME (warning about each), then create one: a file (opened
 * read-write) or, with DIR, a directory. 0, or -1 after reporting. */
int temp_create(struct tempfile *t, const char *name, int dir);
/* The temporary has been renamed into place: forget it (FD stays open). */
void temp_keep(struct tempfile *t);
/* Remove the temporary now (with its contents) and close FD. Safe when already kept or
 * removed. */
void temp_remove(struct tempfile *t);
/* Block (1) or unblock (0) the signals above around steps that must not be cut in two
 * (putting several outputs in place). Nests. */
void temp_hold_signals(int hold);

#endif
