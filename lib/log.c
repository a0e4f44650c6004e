/*
 * Logging: one line per event on stderr, with a UTC time stamp; stderr
 * may be a LOG_FILE of its own, reopened on SIGHUP (log_reopen).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *progname = "safari";
static const char *logpath;		/* LOG_FILE, borrowed; NULL: stderr */

void
log_init(const char *name)
{
	if (name != NULL)
		progname = name;
}

/* (Re)open logpath as stderr: append, 0640 when made. */
static int
log_open_path(void)
{
	int	 fd;

	if (logpath == NULL)
		return 0;
	if ((fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1)
		return -1;
	if (fd != STDERR_FILENO) {
		if (dup2(fd, STDERR_FILENO) == -1) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

int
log_open(const char *path)
{
	logpath = path;
	if (log_open_path() == -1) {
		log_warn("%s: cannot open LOG_FILE %s", __func__, path);
		logpath = NULL;
		return -1;
	}
	return 0;
}

int
log_reopen(void)
{
	return log_open_path();	/* open, dup2, close: signal-safe */
}

static void	log_vline(const char *, const char *, va_list, const char *)
	    __attribute__((format(printf, 2, 0)));

static void
log_vline(const char *level, const char *fmt, va_list ap, const char *suffix)
{
	char		 stamp[32];
	time_t		 now = time(NULL);
	struct tm	 tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s[%ld] %s ", stamp, progname, (long)getpid(),
	    level);
	vfprintf(stderr, fmt, ap);
	if (suffix != NULL)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
	fflush(stderr);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vline("info", fmt, ap, NULL);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vline("warn", fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vline("warn", fmt, ap, strerror(saved));
	va_end(ap);
}
