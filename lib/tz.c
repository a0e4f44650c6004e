/*
 * Dates and times.  Calendar arithmetic is done on day numbers (the
 * proleptic Gregorian algorithm of H. Hinnant's "chrono-compatible
 * low-level date algorithms"); only local-day boundaries need the zone,
 * and those go through mktime with the process's TZ.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tz.h"

int
tz_init(const char *zone)
{
	char	 path[256];
	size_t	 i, len;

	if (zone == NULL || (len = strlen(zone)) == 0 || len > 64 ||
	    zone[0] == '/' || strstr(zone, "..") != NULL)
		return -1;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)zone[i]) &&
		    strchr("/_+-", zone[i]) == NULL)
			return -1;
	if (strcmp(zone, "UTC") != 0) {
		snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
		if (access(path, R_OK) == -1)
			return -1;
	}
	if (setenv("TZ", zone, 1) == -1)
		return -1;
	tzset();
	return 0;
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int days[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Parse exactly n digits at s. */
static int
digits(const char *s, int n, int *out)
{
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
tz_parse_date(const char *s, struct tz_date *d)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &d->year) == -1 || digits(s + 5, 2, &d->month) ||
	    digits(s + 8, 2, &d->day) == -1)
		return -1;
	if (d->year < TZ_YEAR_MIN || d->month < 1 || d->month > 12 || d->day < 1 ||
	    d->day > month_days(d->year, d->month))
		return -1;
	return 0;
}

void
tz_format_date(const struct tz_date *d, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%04d-%02d-%02d", d->year, d->month, d->day);
}

long
tz_date_days(const struct tz_date *d)
{
	long	 y = d->year - (d->month <= 2);
	long	 era = (y >= 0 ? y : y - 399) / 400;
	long	 yoe = y - era * 400;
	long	 mp = (d->month + 9) % 12;
	long	 doy = (153 * mp + 2) / 5 + d->day - 1;
	long	 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
tz_days_date(long z, struct tz_date *d)
{
	long	 era, doe, yoe, y, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d->year = (int)(y + (d->month <= 2));
}

void
tz_date_add(const struct tz_date *d, long n, struct tz_date *out)
{
	tz_days_date(tz_date_days(d) + n, out);
}

int
tz_weekday(const struct tz_date *d)
{
	long	 z = tz_date_days(d);	/* 1970-01-01 was a Thursday (4) */
	long	 w = (z + 3) % 7;

	if (w < 0)
		w += 7;
	return (int)w + 1;
}

void
tz_local_date(time_t t, struct tz_date *d)
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	d->year = tm.tm_year + 1900;
	d->month = tm.tm_mon + 1;
	d->day = tm.tm_mday;
}

time_t
tz_day_start(const struct tz_date *d)
{
	struct tm	 tm;
	struct tz_date	 got;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d->year - 1900;
	tm.tm_mon = d->month - 1;
	tm.tm_mday = d->day;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/*
	 * Where midnight does not exist (a DST jump at 00:00) mktime may
	 * land on the day before; step forward to the day's first hour.
	 */
	tz_local_date(t, &got);
	if (tz_date_days(&got) < tz_date_days(d))
		t += 3600;
	return t;
}

int
tz_parse_rfc3339(const char *s, time_t *out)
{
	struct tz_date	 d;
	int		 hh, mm, ss, oh, om, sign;
	size_t		 i;
	long		 secs;

	if (s == NULL || strlen(s) < 20 || strlen(s) > 40)
		return -1;
	if (digits(s, 4, &d.year) == -1 || s[4] != '-' ||
	    digits(s + 5, 2, &d.month) == -1 || s[7] != '-' ||
	    digits(s + 8, 2, &d.day) == -1 ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &hh) == -1 || s[13] != ':' ||
	    digits(s + 14, 2, &mm) == -1 || s[16] != ':' ||
	    digits(s + 17, 2, &ss) == -1)
		return -1;
	if (d.year < 1970 || d.month < 1 || d.month > 12 || d.day < 1 ||
	    d.day > month_days(d.year, d.month) || hh > 23 || mm > 59 ||
	    ss > 60)
		return -1;
	i = 19;
	if (s[i] == '.') {
		if (!isdigit((unsigned char)s[++i]))
			return -1;
		while (isdigit((unsigned char)s[i]))
			i++;
	}
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0')
		oh = om = sign = 0;
	else if ((s[i] == '+' || s[i] == '-') && strlen(s + i) == 6 &&
	    digits(s + i + 1, 2, &oh) == 0 && s[i + 3] == ':' &&
	    digits(s + i + 4, 2, &om) == 0 && oh <= 23 && om <= 59)
		sign = s[i] == '+' ? 1 : -1;
	else
		return -1;
	if (ss == 60)
		ss = 59;		/* a leap second: good enough */
	secs = tz_date_days(&d) * 86400L + hh * 3600L + mm * 60L + ss;
	secs -= sign * (oh * 3600L + om * 60L);
	*out = (time_t)secs;
	return 0;
}

void
tz_format_rfc3339(time_t t, char *buf, size_t bufsz)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t
tz_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
