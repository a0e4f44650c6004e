/*
 * Logging: one line per event on stderr, with a UTC time stamp.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *progname = "safari";

void
log_init(const char *name)
{
	if (name != NULL)
		progname = name;
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
