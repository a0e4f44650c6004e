/*
 * Dates and times: business-local days in BUSINESS_TIMEZONE (DST-correct,
 * through the C library's zoneinfo), calendar dates as YYYY-MM-DD and
 * RFC 3339 instants.  Nothing here blocks.
 */
#ifndef TZ_H
#define TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TZ_YEAR_MIN	 1970	/* the years a date may have */
#define TZ_YEAR_MAX	 9999	/* four digits */

struct tz_date {
	int	 year;	/* TZ_YEAR_MIN..TZ_YEAR_MAX as parsed */
	int	 month;	/* 1..12 */
	int	 day;	/* 1..31, valid for the month */
};

/*
 * Make zone (an IANA name such as America/Los_Angeles) the process's
 * local time zone.  Returns 0, or -1 if the name is malformed or unknown.
 */
int	 tz_init(const char *zone);

/* Parse exactly YYYY-MM-DD, a real date.  Returns 0 or -1. */
int	 tz_parse_date(const char *, struct tz_date *);
/* Write YYYY-MM-DD into buf (at least 11 bytes). */
void	 tz_format_date(const struct tz_date *, char *buf, size_t bufsz);

/* Days since 1970-01-01 of a date, and back. */
long	 tz_date_days(const struct tz_date *);
void	 tz_days_date(long days, struct tz_date *);
/* d + n days. */
void	 tz_date_add(const struct tz_date *d, long n, struct tz_date *out);
/* ISO weekday, 1 = Monday .. 7 = Sunday. */
int	 tz_weekday(const struct tz_date *);

/* The local date of an instant. */
void	 tz_local_date(time_t, struct tz_date *);
/* The instant that local day d begins (its first existing second). */
time_t	 tz_day_start(const struct tz_date *);

/*
 * Parse an RFC 3339 instant: any fraction length, "Z" or a +hh:mm offset
 * (Square sends all of these).  Returns 0 and sets *out (UTC), or -1.
 */
int	 tz_parse_rfc3339(const char *, time_t *out);
/* Write "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void	 tz_format_rfc3339(time_t, char *buf, size_t bufsz);

/* Milliseconds on the monotonic clock: for durations and waits only. */
int64_t	 tz_mono_ms(void);

#endif
