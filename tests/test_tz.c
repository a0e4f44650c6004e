/*
 * lib/tz.c: dates, RFC 3339 and business-local day boundaries, with the
 * 2026 and 2027 DST changes of America/Los_Angeles.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testmain.h"
#include "tz.h"

static time_t
utc(const char *s)
{
	time_t	 t = 0;

	CU_ASSERT_EQUAL_FATAL(tz_parse_rfc3339(s, &t), 0);
	return t;
}

static void
test_tz_parse_date_accepts_real_dates(void)
{
	struct tz_date	 d;

	CU_ASSERT_EQUAL(tz_parse_date("2026-11-25", &d), 0);
	CU_ASSERT_EQUAL(d.year, 2026);
	CU_ASSERT_EQUAL(d.month, 11);
	CU_ASSERT_EQUAL(d.day, 25);
	CU_ASSERT_EQUAL(tz_parse_date("2028-02-29", &d), 0);
}

static void
test_tz_parse_date_rejects_impossible_and_other_forms(void)
{
	struct tz_date	 d;
	const char	*bad[] = { "2026-02-30", "2027-02-29", "2026-13-01",
	    "2026-00-10", "2026-1-05", "26-01-05", "2026/01/05", "2026-01-05x",
	    " 2026-01-05", "", "2026-04-31", "1969-12-31", "abcd-ef-gh", NULL };
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++)
		CU_ASSERT_EQUAL(tz_parse_date(bad[i], &d), -1);
	CU_ASSERT_EQUAL(tz_parse_date(NULL, &d), -1);
}

static void
test_tz_days_round_trip_and_weekday(void)
{
	struct tz_date	 d = { 2026, 11, 25 }, back;

	tz_days_date(tz_date_days(&d), &back);
	CU_ASSERT(memcmp(&d, &back, sizeof(d)) == 0);
	CU_ASSERT_EQUAL(tz_weekday(&d), 3);		/* a Wednesday */
	d = (struct tz_date){ 2026, 11, 23 };
	CU_ASSERT_EQUAL(tz_weekday(&d), 1);		/* Monday */
	d = (struct tz_date){ 1970, 1, 1 };
	CU_ASSERT_EQUAL(tz_date_days(&d), 0);
	tz_date_add(&(struct tz_date){ 2026, 12, 31 }, 1, &back);
	CU_ASSERT_EQUAL(back.year, 2027);
	CU_ASSERT_EQUAL(back.month, 1);
	CU_ASSERT_EQUAL(back.day, 1);
}

static void
test_tz_rfc3339_accepts_square_forms(void)
{
	time_t	 base = utc("2020-10-28T15:47:41Z"), t;

	CU_ASSERT_EQUAL(base, 1603900061);
	CU_ASSERT_EQUAL(tz_parse_rfc3339("2020-10-28T15:47:41.859Z", &t), 0);
	CU_ASSERT_EQUAL(t, base);
	CU_ASSERT_EQUAL(tz_parse_rfc3339("2020-10-28T15:47:41.59Z", &t), 0);
	CU_ASSERT_EQUAL(t, base);
	CU_ASSERT_EQUAL(tz_parse_rfc3339("2020-10-28T07:47:41-08:00", &t), 0);
	CU_ASSERT_EQUAL(t, base);
	CU_ASSERT_EQUAL(tz_parse_rfc3339("2020-10-28T21:17:41.000001+05:30",
	    &t), 0);
	CU_ASSERT_EQUAL(t, base);
}

static void
test_tz_rfc3339_rejects_malformed(void)
{
	time_t		 t;
	const char	*bad[] = { "2020-10-28", "2020-10-28T15:47:41",
	    "2020-10-28T15:47Z", "2020-10-28T25:00:00Z", "2020-02-30T00:00:00Z",
	    "2020-10-28T15:47:41.Z", "2020-10-28T15:47:41+0800",
	    "2020-10-28T15:47:41Zjunk", "x020-10-28T15:47:41Z", NULL };
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++)
		CU_ASSERT_EQUAL(tz_parse_rfc3339(bad[i], &t), -1);
}

static void
test_tz_format_rfc3339_is_utc(void)
{
	char	 buf[32];

	tz_format_rfc3339(1603900061, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2020-10-28T15:47:41Z");
}

/* 2026-11-01: clocks go back at 02:00 PDT; the day has 25 hours. */
static void
test_tz_day_boundaries_fall_back_2026_11_01(void)
{
	struct tz_date	 d = { 2026, 11, 1 }, next;
	time_t		 a, b;

	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	a = tz_day_start(&d);
	tz_date_add(&d, 1, &next);
	b = tz_day_start(&next);
	CU_ASSERT_EQUAL(a, utc("2026-11-01T07:00:00Z"));	/* PDT */
	CU_ASSERT_EQUAL(b, utc("2026-11-02T08:00:00Z"));	/* PST */
	CU_ASSERT_EQUAL(b - a, 25 * 3600);
	/* 23:30 local on the 1st is still the 1st. */
	tz_local_date(utc("2026-11-02T07:30:00Z"), &next);
	CU_ASSERT_EQUAL(next.day, 1);
}

/* 2027-03-14: clocks go forward at 02:00 PST; the day has 23 hours. */
static void
test_tz_day_boundaries_spring_forward_2027_03_14(void)
{
	struct tz_date	 d = { 2027, 3, 14 }, next;
	time_t		 a, b;

	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	a = tz_day_start(&d);
	tz_date_add(&d, 1, &next);
	b = tz_day_start(&next);
	CU_ASSERT_EQUAL(a, utc("2027-03-14T08:00:00Z"));	/* PST */
	CU_ASSERT_EQUAL(b, utc("2027-03-15T07:00:00Z"));	/* PDT */
	CU_ASSERT_EQUAL(b - a, 23 * 3600);
}

static void
test_tz_init_rejects_unknown_zones(void)
{
	CU_ASSERT_EQUAL(tz_init("Mars/Olympus_Mons"), -1);
	CU_ASSERT_EQUAL(tz_init("../../etc/passwd"), -1);
	CU_ASSERT_EQUAL(tz_init("/etc/localtime"), -1);
	CU_ASSERT_EQUAL(tz_init(""), -1);
	CU_ASSERT_EQUAL(tz_init("Europe/Madrid"), 0);
	CU_ASSERT_EQUAL(tz_init("UTC"), 0);
}

static CU_TestInfo tests[] = {
	{ "parse_date accepts real dates", test_tz_parse_date_accepts_real_dates },
	{ "parse_date rejects impossible dates and other forms",
	    test_tz_parse_date_rejects_impossible_and_other_forms },
	{ "day numbers round-trip; weekdays", test_tz_days_round_trip_and_weekday },
	{ "rfc3339 accepts fractions and offsets", test_tz_rfc3339_accepts_square_forms },
	{ "rfc3339 rejects malformed", test_tz_rfc3339_rejects_malformed },
	{ "rfc3339 output is UTC", test_tz_format_rfc3339_is_utc },
	{ "LA day of 2026-11-01 has 25 hours", test_tz_day_boundaries_fall_back_2026_11_01 },
	{ "LA day of 2027-03-14 has 23 hours", test_tz_day_boundaries_spring_forward_2027_03_14 },
	{ "unknown zones are refused", test_tz_init_rejects_unknown_zones },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "tz", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return testmain_run(suites);
}
