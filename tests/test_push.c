/*
 * lib/push.c: the message carries ids, versions and days only;
 * previousDay only for a job that moved days; publishing is off without a
 * socket and bounded when the publisher is absent.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "push.h"
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
test_push_days_are_business_local(void)
{
	struct push_job	 e;

	CU_ASSERT_EQUAL_FATAL(tz_init("America/Los_Angeles"), 0);
	memset(&e, 0, sizeof(e));
	/* 03:00 UTC on the 3rd is the evening of the 2nd in Los Angeles. */
	push_set_days(&e, utc("2026-12-03T03:00:00Z"), 0);
	CU_ASSERT_STRING_EQUAL(e.day, "2026-12-02");
	CU_ASSERT_STRING_EQUAL(e.previous_day, "");
	push_set_days(&e, utc("2026-12-03T20:00:00Z"), utc("2026-12-03T03:00:00Z"));
	CU_ASSERT_STRING_EQUAL(e.day, "2026-12-03");
	CU_ASSERT_STRING_EQUAL(e.previous_day, "2026-12-02");
	/* Moved within the day: no previousDay. */
	push_set_days(&e, utc("2026-12-03T22:00:00Z"), utc("2026-12-03T20:00:00Z"));
	CU_ASSERT_STRING_EQUAL(e.previous_day, "");
}

static void
test_push_message_has_ids_versions_days_only(void)
{
	struct push_job	 j[2];
	char		*m;

	memset(j, 0, sizeof(j));
	strcpy(j[0].id, "abc_DEF-1");
	j[0].version = 7;
	strcpy(j[0].day, "2026-12-02");
	strcpy(j[1].id, "x");
	j[1].version = 1;
	strcpy(j[1].day, "2026-12-04");
	strcpy(j[1].previous_day, "2026-12-03");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m = push_message(j, 2));
	CU_ASSERT_STRING_EQUAL(m, "{\"jobs\":[{\"id\":\"abc_DEF-1\",\"version\":7,"
	    "\"day\":\"2026-12-02\"},{\"id\":\"x\",\"version\":1,\"day\":"
	    "\"2026-12-04\",\"previousDay\":\"2026-12-03\"}]}");
	free(m);
}

static void
test_push_off_without_socket_and_bounded_when_absent(void)
{
	struct push_batch	 b;
	struct push_job		 e;
	struct timespec		 t0, t1;
	long			 ms;

	memset(&b, 0, sizeof(b));
	memset(&e, 0, sizeof(e));
	strcpy(e.id, "j1");
	strcpy(e.day, "2026-12-02");
	CU_ASSERT_EQUAL(push_batch_add(&b, &e), 0);
	CU_ASSERT_EQUAL(push_flush(&b, NULL), 0);	/* off: nothing to do */
	CU_ASSERT_EQUAL(b.n, 0);
	CU_ASSERT_EQUAL(push_batch_add(&b, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(push_flush(&b, "/nonexistent/push.sock"), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CU_ASSERT(ms <= PUSH_TIMEOUT_MS);
	CU_ASSERT_EQUAL(b.n, 0);	/* emptied either way */
	push_batch_free(&b);
}

static CU_TestInfo tests[] = {
	{ "days are business-local; previousDay only when moved",
	    test_push_days_are_business_local },
	{ "a message has ids, versions and days only",
	    test_push_message_has_ids_versions_days_only },
	{ "off without a socket; an absent publisher fails at once",
	    test_push_off_without_socket_and_bounded_when_absent },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "push", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return testmain_run(suites);
}
