/*
 * Tests of lib/square.c over HTTP, against the project's fake Square
 * (tests/fake-square/server.mjs), whose base URL is in $FAKE_SQUARE_URL:
 *
 *	node tests/fake-square/server.mjs --port 0 --token T &
 *	FAKE_SQUARE_URL=http://127.0.0.1:PORT ./test_square_http
 *
 * Without FAKE_SQUARE_URL the program says so and exits 0 (skipped).
 * Each test resets the fake through its control API, sets the token to
 * "T", loads what it needs and reads back the requests the client made.
 * Timeouts and backoffs are small so that the whole run takes seconds.
 * Exits non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "log.h"
#include "square.h"

static const char	*base;		/* $FAKE_SQUARE_URL */

/* Default options for a test client: small timeouts and backoff. */
static void
opts_init(struct square_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->base_url = base;
	o->token = "T";
	o->connect_timeout_ms = 1000;
	o->timeout_ms = 2000;
	o->max_retries = 2;
	o->backoff_base_ms = 10;
	o->retry_after_cap_ms = 3000;
}

static struct square *
client(void)
{
	struct square_opts	 o;

	opts_init(&o);
	return square_new(&o);
}

static long long
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
ctl_write(char *p, size_t size, size_t n, void *arg)
{
	FILE	*f = arg;

	return fwrite(p, size, n, f);
}

/*
 * Call the fake's control API: method on path with a JSON body (or
 * NULL).  Returns its answer (owned) if it said {"ok":true}, else NULL.
 */
static struct json_object *
ctl(const char *method, const char *path, const char *body)
{
	CURL			*c;
	struct curl_slist	*h = NULL;
	struct json_object	*o = NULL, *okv;
	char			*buf = NULL, url[512];
	size_t			 len = 0;
	FILE			*f;
	CURLcode		 rc;

	if ((c = curl_easy_init()) == NULL ||
	    (f = open_memstream(&buf, &len)) == NULL) {
		curl_easy_cleanup(c);
		return NULL;
	}
	snprintf(url, sizeof(url), "%s%s", base, path);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ctl_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(c);
	fclose(f);
	if (rc == CURLE_OK && (o = json_tokener_parse(buf)) != NULL &&
	    (!json_object_object_get_ex(o, "ok", &okv) ||
	    !json_object_get_boolean(okv))) {
		fprintf(stderr, "control %s %s: %s\n", method, path, buf);
		json_object_put(o);
		o = NULL;
	}
	free(buf);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return o;
}

/* As ctl, for calls whose answer is not needed; returns 0 or -1. */
static int
ctl_do(const char *method, const char *path, const char *body)
{
	struct json_object	*o;

	if ((o = ctl(method, path, body)) == NULL)
		return -1;
	json_object_put(o);
	return 0;
}

/* A clean fake with token T; returns 0 or -1. */
static int
fresh(void)
{
	if (ctl_do("POST", "/__control/reset", "{}") == -1 ||
	    ctl_do("POST", "/__control/config", "{\"token\":\"T\"}") == -1)
		return -1;
	return 0;
}

/* The requests the fake saw under path (owned answer; *list borrowed). */
static struct json_object *
requests(const char *path, struct json_object **list)
{
	struct json_object	*o;
	char			 p[256];

	*list = NULL;
	snprintf(p, sizeof(p), "/__control/requests?path=%s", path);
	if ((o = ctl("GET", p, NULL)) != NULL)
		json_object_object_get_ex(o, "requests", list);
	return o;
}

/* A string at a path of keys in o ("" if absent). */
static const char *
str_at(struct json_object *o, const char *k1, const char *k2)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, k1, &v))
		return "";
	if (k2 != NULL && !json_object_object_get_ex(v, k2, &v))
		return "";
	return json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : "";
}

/* The golden file's bytes (owned), as in test_square.c. */
static char *
load(const char *name)
{
	const char	*dir = getenv("TEST_DATA_DIR");
	char		 path[1024];
	char		*buf = NULL;
	FILE		*f;
	long		 sz;

	/* $TEST_DATA_DIR may name tests/data or tests/data/square. */
	if (dir == NULL)
		dir = "tests/data";
	snprintf(path, sizeof(path), "%s/square/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		f = fopen(path, "rb");
	}
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)sz + 1)) != NULL) {
		if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
			free(buf);
			buf = NULL;
		} else
			buf[sz] = '\0';
	}
	fclose(f);
	return buf;
}

/* 2025-06-01T00:00:00Z and a day later: the window of most tests. */
#define T0	((time_t)1748736000)
#define T1	(T0 + 86400)

static void
test_square_http_sends_auth_version_and_window(void)
{
	struct square_opts	 o;
	struct square		*sq;
	struct square_page	*p;
	struct json_object	*r, *list, *e;
	char			 err[256];

	CU_ASSERT_FATAL(fresh() == 0);
	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL_FATAL(square_list_bookings(sq, T0, T1, NULL, NULL,
	    100, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p->nbookings, 0);
	square_page_free(p);
	square_free(sq);

	opts_init(&o);
	o.version = "2024-01-17";
	sq = square_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(square_list_bookings(sq, T0, T1, "LOC 1", NULL,
	    7, &p, err, sizeof(err)), -1);	/* malformed: no call */
	CU_ASSERT_EQUAL_FATAL(square_list_bookings(sq, T0, T1, "LOC1",
	    NULL, 7, &p, err, sizeof(err)), 0);
	square_page_free(p);
	square_free(sq);

	r = requests("/v2/bookings", &list);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(list), 2);
	e = json_object_array_get_idx(list, 0);
	CU_ASSERT_STRING_EQUAL(str_at(e, "method", NULL), "GET");
	CU_ASSERT_STRING_EQUAL(str_at(e, "headers", "authorization"),
	    "Bearer T");
	CU_ASSERT_STRING_EQUAL(str_at(e, "headers", "square-version"),
	    "2025-08-20");
	CU_ASSERT_STRING_EQUAL(str_at(e, "query", "start_at_min"),
	    "2025-06-01T00:00:00Z");
	CU_ASSERT_STRING_EQUAL(str_at(e, "query", "start_at_max"),
	    "2025-06-02T00:00:00Z");
	CU_ASSERT_STRING_EQUAL(str_at(e, "query", "limit"), "100");
	CU_ASSERT_STRING_EQUAL(str_at(e, "query", "location_id"), "");
	CU_ASSERT_STRING_EQUAL(str_at(e, "query", "cursor"), "");
	CU_ASSERT_EQUAL(json_object_array_length(
	    json_object_object_get(e, "defaults")), 0);
	e = json_object_array_get_idx(list, 1);
	CU_ASSERT_STRING_EQUAL(str_at(e, "headers", "square-version"),
	    "2024-01-17");
	CU_ASSERT_STRING_EQUAL(str_at(e, "query", "limit"), "7");
	CU_ASSERT_STRING_EQUAL(str_at(e, "query", "location_id"), "LOC1");
	json_object_put(r);
}

/*
 * Generate 250 bookings in the window and page through them 100 at a
 * time, the fake ending with lastCursor ("null" or "absent").
 */
static void
page_to_the_end(const char *last)
{
	struct square		*sq;
	struct square_page	*p;
	struct json_object	*r, *list;
	char			 err[256], cfg[64], *cursor = NULL;
	size_t			 total = 0, pages = 0, i;

	CU_ASSERT_FATAL(fresh() == 0);
	snprintf(cfg, sizeof(cfg), "{\"lastCursor\":\"%s\"}", last);
	CU_ASSERT_FATAL(ctl_do("POST", "/__control/config", cfg) == 0);
	CU_ASSERT_FATAL(ctl_do("POST", "/__control/generate",
	    "{\"count\":250,\"start\":\"2025-06-01T08:00:00Z\","
	    "\"days\":0.5,\"prefix\":\"pg\",\"customers\":10}") == 0);
	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	do {
		if (square_list_bookings(sq, T0, T1, NULL, cursor, 100, &p,
		    err, sizeof(err)) == -1) {
			CU_FAIL("square_list_bookings failed");
			break;
		}
		free(cursor);
		cursor = p->cursor != NULL ? strdup(p->cursor) : NULL;
		total += p->nbookings;
		CU_ASSERT_EQUAL(p->nerrors, 0);
		for (i = 0; i < p->nbookings; i++)
			CU_ASSERT_EQUAL(p->bookings[i].nsegments, 1);
		pages++;
		square_page_free(p);
	} while (cursor != NULL && pages < 10);
	free(cursor);
	CU_ASSERT_EQUAL(total, 250);
	CU_ASSERT_EQUAL(pages, 3);
	CU_ASSERT_EQUAL(square_stats(sq)->list_calls, 3);
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 3);
	square_free(sq);

	/* Pages 2 and 3 carried the cursor; the window stayed the same. */
	r = requests("/v2/bookings", &list);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(list), 3);
	CU_ASSERT_STRING_EQUAL(str_at(json_object_array_get_idx(list, 0),
	    "query", "cursor"), "");
	CU_ASSERT(strlen(str_at(json_object_array_get_idx(list, 2),
	    "query", "cursor")) > 0);
	CU_ASSERT_STRING_EQUAL(str_at(json_object_array_get_idx(list, 2),
	    "query", "start_at_min"), "2025-06-01T00:00:00Z");
	json_object_put(r);
}

static void
test_square_http_pages_to_the_end_with_null_cursor(void)
{
	page_to_the_end("null");
}

static void
test_square_http_pages_to_the_end_with_absent_cursor(void)
{
	page_to_the_end("absent");
}

static void
test_square_http_reports_odd_bookings_on_the_wire(void)
{
	struct square		*sq;
	struct square_page	*p;
	char			 err[256], *body;

	CU_ASSERT_FATAL(fresh() == 0);
	body = load("list_odd_bookings.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT(ctl_do("POST", "/__control/bookings", body) == 0);
	free(body);
	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL_FATAL(square_list_bookings(sq, T0, T1, NULL, NULL,
	    100, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p->nbookings, 3);
	CU_ASSERT_EQUAL(p->nerrors, 53);	/* as tests/test_square.c */
	square_page_free(p);
	square_free(sq);
}

/* One list call against the faults given; returns its result. */
static int
list_with_faults(struct square *sq, const char *faults, char *err,
    size_t errsz, long long *ms)
{
	struct square_page	*p = NULL;
	long long		 start;
	int			 rc;

	if (fresh() == -1 || (faults != NULL &&
	    ctl_do("POST", "/__control/faults", faults) == -1)) {
		snprintf(err, errsz, "control API failed");
		return -2;
	}
	start = mono_ms();
	rc = square_list_bookings(sq, T0, T1, NULL, NULL, 100, &p, err,
	    errsz);
	*ms = mono_ms() - start;
	if (rc == -1)
		CU_ASSERT_PTR_NULL(p);
	square_page_free(p);
	return rc;
}

static void
test_square_http_honours_retry_after_on_429(void)
{
	struct square	*sq;
	char		 err[256];
	long long	 ms;

	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"429\",\"retryAfter\":1,"
	    "\"times\":1}]}", err, sizeof(err), &ms), 0);
	CU_ASSERT(ms >= 1000);
	CU_ASSERT(ms < 2500);
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 2);
	CU_ASSERT_EQUAL(square_stats(sq)->retries, 1);
	CU_ASSERT_EQUAL(square_stats(sq)->list_calls, 1);
	CU_ASSERT(square_stats(sq)->wait_ms >= 1000);
	square_free(sq);
}

static void
test_square_http_caps_retry_after_and_ignores_dates(void)
{
	struct square_opts	 o;
	struct square		*sq;
	char			 err[256];
	long long		 ms;

	opts_init(&o);
	o.retry_after_cap_ms = 300;
	sq = square_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"429\",\"retryAfter\":60,"
	    "\"times\":1}]}", err, sizeof(err), &ms), 0);
	CU_ASSERT(ms >= 300);
	CU_ASSERT(ms < 1500);
	/* An HTTP-date is not seconds: plain backoff (10 ms) applies. */
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"503\",\"retryAfter\":"
	    "\"Wed, 21 Oct 2037 07:28:00 GMT\",\"times\":1}]}", err,
	    sizeof(err), &ms), 0);
	CU_ASSERT(ms < 300);
	square_free(sq);
}

static void
test_square_http_retries_500_and_503_then_succeeds(void)
{
	struct square	*sq;
	char		 err[256];
	long long	 ms;

	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":["
	    "{\"path\":\"/v2/bookings\",\"kind\":\"500\",\"times\":1},"
	    "{\"path\":\"/v2/bookings\",\"kind\":\"503\",\"times\":1}]}",
	    err, sizeof(err), &ms), 0);
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 3);
	CU_ASSERT_EQUAL(square_stats(sq)->retries, 2);
	CU_ASSERT_EQUAL(square_stats(sq)->list_calls, 1);
	square_free(sq);
}

static void
test_square_http_gives_up_after_max_retries(void)
{
	struct square	*sq;
	char		 err[256];
	long long	 ms;

	sq = client();				/* max_retries 2 */
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"503\",\"times\":-1}]}",
	    err, sizeof(err), &ms), -1);
	CU_ASSERT_STRING_EQUAL(err, "ListBookings: HTTP 503 "
	    "SERVICE_UNAVAILABLE (gave up after 2 retries)");
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 3);
	CU_ASSERT_EQUAL(square_stats(sq)->retries, 2);
	square_free(sq);
}

static void
test_square_http_does_not_retry_401(void)
{
	struct square_opts	 o;
	struct square		*sq;
	char			 err[256];
	long long		 ms;

	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"401\",\"times\":-1}]}",
	    err, sizeof(err), &ms), -1);
	CU_ASSERT_STRING_EQUAL(err, "ListBookings: HTTP 401 UNAUTHORIZED");
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 1);
	CU_ASSERT_EQUAL(square_stats(sq)->retries, 0);
	square_free(sq);

	opts_init(&o);				/* a wrong token */
	o.token = "not-the-token";
	sq = square_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(list_with_faults(sq, NULL, err, sizeof(err), &ms),
	    -1);
	CU_ASSERT_STRING_EQUAL(err, "ListBookings: HTTP 401 UNAUTHORIZED");
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 1);
	square_free(sq);
}

static void
test_square_http_malformed_or_truncated_json_fails(void)
{
	static const char *const kinds[] = { "malformed", "truncated" };
	struct square	*sq;
	char		 err[256], f[256];
	long long	 ms;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		sq = client();
		CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
		snprintf(f, sizeof(f), "{\"faults\":[{\"path\":"
		    "\"/v2/bookings\",\"kind\":\"%s\",\"times\":-1}]}",
		    kinds[i]);
		CU_ASSERT_EQUAL(list_with_faults(sq, f, err, sizeof(err),
		    &ms), -1);
		CU_ASSERT_STRING_EQUAL(err, "ListBookings: malformed JSON");
		CU_ASSERT_EQUAL(square_stats(sq)->calls, 1);
		square_free(sq);
	}
}

static void
test_square_http_refuses_huge_answers(void)
{
	struct square_opts	 o;
	struct square		*sq;
	char			 err[256];
	long long		 ms;

	opts_init(&o);
	o.max_body = 1 << 20;
	sq = square_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"huge\",\"size\":2097152,"
	    "\"times\":-1}]}", err, sizeof(err), &ms), -1);
	CU_ASSERT_STRING_EQUAL(err, "ListBookings: response over 1048576 "
	    "bytes");
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 1);
	/* Just under the limit it is read, and refused for holding far
	 * more bookings (about 2,500) than the 100 asked for. */
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"huge\",\"size\":1048576,"
	    "\"times\":1}]}", err, sizeof(err), &ms), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bookings on a page of at most "
	    "100"));
	square_free(sq);
}

static void
test_square_http_hang_times_out(void)
{
	struct square_opts	 o;
	struct square		*sq;
	char			 err[256];
	long long		 ms;

	opts_init(&o);
	o.timeout_ms = 300;
	o.max_retries = -1;			/* none */
	sq = square_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"hang\",\"times\":-1}]}",
	    err, sizeof(err), &ms), -1);
	CU_ASSERT_STRING_EQUAL(err, "ListBookings: timed out after 300 ms");
	CU_ASSERT(ms >= 300);
	CU_ASSERT(ms < 1000);
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 1);
	square_free(sq);

	/* With a retry: two timeouts and one short backoff. */
	opts_init(&o);
	o.timeout_ms = 300;
	o.max_retries = 1;
	sq = square_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"hang\",\"times\":-1}]}",
	    err, sizeof(err), &ms), -1);
	CU_ASSERT(ms >= 600);
	CU_ASSERT(ms < 1500);
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 2);
	square_free(sq);
}

static void
test_square_http_delay_counts_as_wait(void)
{
	struct square	*sq;
	char		 err[256];
	long long	 ms;

	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"delay\",\"ms\":250,\"times\":1}]}",
	    err, sizeof(err), &ms), 0);
	CU_ASSERT(ms >= 250);
	CU_ASSERT(square_stats(sq)->wait_ms >= 250);
	CU_ASSERT_EQUAL(square_stats(sq)->retries, 0);
	square_free(sq);
}

static void
test_square_http_respects_the_deadline(void)
{
	struct square_opts	 o;
	struct square		*sq;
	char			 err[256];
	long long		 ms;

	/* Retry-After 3 s, deadline in at most 2 s: no sleep, no retry. */
	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	square_set_deadline(sq, time(NULL) + 2);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"429\",\"retryAfter\":3,"
	    "\"times\":-1}]}", err, sizeof(err), &ms), -1);
	CU_ASSERT(ms < 500);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "HTTP 429 RATE_LIMITED"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "deadline"));
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 1);
	square_free(sq);

	/* A hang with a 30 s timeout ends at the deadline instead. */
	opts_init(&o);
	o.timeout_ms = 30000;
	sq = square_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	square_set_deadline(sq, time(NULL) + 2);
	CU_ASSERT_EQUAL(list_with_faults(sq, "{\"faults\":[{\"path\":"
	    "\"/v2/bookings\",\"kind\":\"hang\",\"times\":-1}]}",
	    err, sizeof(err), &ms), -1);
	CU_ASSERT(ms >= 900);
	CU_ASSERT(ms < 2600);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ListBookings: timed out"));
	square_free(sq);
}

static void
test_square_http_repeat_cursor_is_returned_verbatim(void)
{
	struct square		*sq;
	struct square_page	*p;
	char			 err[256], *first;

	CU_ASSERT_FATAL(fresh() == 0);
	CU_ASSERT_FATAL(ctl_do("POST", "/__control/faults", "{\"faults\":"
	    "[{\"path\":\"/v2/bookings\",\"kind\":\"repeat_cursor\","
	    "\"times\":2}]}") == 0);
	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL_FATAL(square_list_bookings(sq, T0, T1, NULL, NULL,
	    100, &p, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->cursor);
	first = strdup(p->cursor);
	square_page_free(p);
	CU_ASSERT_EQUAL_FATAL(square_list_bookings(sq, T0, T1, NULL, first,
	    100, &p, err, sizeof(err)), 0);
	/* The loop is the caller's to notice: the same cursor again. */
	CU_ASSERT_PTR_NOT_NULL(p->cursor);
	if (p->cursor != NULL)
		CU_ASSERT_STRING_EQUAL(p->cursor, first);
	square_page_free(p);
	free(first);
	square_free(sq);
}

static void
test_square_http_customers_100_per_call(void)
{
	struct square		*sq;
	struct square_customer	*cs;
	struct json_object	*r, *list, *e, *ids;
	const char		*want[101];
	char			 idbuf[101][32], err[256];
	size_t			 i;

	CU_ASSERT_FATAL(fresh() == 0);
	CU_ASSERT_FATAL(ctl_do("POST", "/__control/generate",
	    "{\"count\":0,\"prefix\":\"cu\",\"customers\":120}") == 0);
	CU_ASSERT_FATAL(ctl_do("POST", "/__control/customers",
	    "{\"customers\":[{\"id\":\"NICKONLY\",\"nickname\":\"Ziggy\"},"
	    "{\"id\":\"COONLY\",\"company_name\":\"Sunset Limo Co.\"}]}") == 0);
	/* Ids as the fake makes them: CU, zeros, number; 26 chars. */
	for (i = 0; i < 100; i++) {
		snprintf(idbuf[i], sizeof(idbuf[i]), "CUC%023zu", i + 1);
		want[i] = idbuf[i];
	}
	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL_FATAL(square_bulk_customers(sq, want, 100, &cs,
	    err, sizeof(err)), 0);
	for (i = 0; i < 100; i++) {
		CU_ASSERT_STRING_EQUAL(cs[i].id, want[i]);
		CU_ASSERT_EQUAL(cs[i].found, 1);
		CU_ASSERT_PTR_NOT_NULL(cs[i].name);
		CU_ASSERT_PTR_NOT_NULL(cs[i].phone);
		CU_ASSERT_PTR_NOT_NULL(cs[i].email);
	}
	CU_ASSERT_STRING_EQUAL(cs[0].name, "Ana Adams");
	CU_ASSERT_STRING_EQUAL(cs[0].email, "ana.adams.1@example.com");
	square_customers_free(cs, 100);

	want[0] = "NICKONLY";
	want[1] = "COONLY";
	want[2] = "NOSUCHCUSTOMER";
	CU_ASSERT_EQUAL_FATAL(square_bulk_customers(sq, want, 3, &cs,
	    err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cs[0].name, "Ziggy");
	CU_ASSERT_STRING_EQUAL(cs[1].name, "Sunset Limo Co.");
	CU_ASSERT_EQUAL(cs[2].found, 0);
	CU_ASSERT_PTR_NULL(cs[2].name);
	square_customers_free(cs, 3);

	for (i = 0; i < 101; i++)
		want[i] = "C1";
	CU_ASSERT_EQUAL(square_bulk_customers(sq, want, 101, &cs, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(square_stats(sq)->customer_calls, 2);
	square_free(sq);

	r = requests("/v2/customers", &list);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(list), 2);
	e = json_object_array_get_idx(list, 0);
	CU_ASSERT_STRING_EQUAL(str_at(e, "method", NULL), "POST");
	CU_ASSERT_STRING_EQUAL(str_at(e, "headers", "content-type"),
	    "application/json");
	CU_ASSERT_STRING_EQUAL(str_at(e, "headers", "authorization"),
	    "Bearer T");
	ids = json_object_object_get(json_object_object_get(e, "body"),
	    "customer_ids");
	CU_ASSERT_EQUAL(json_object_array_length(ids), 100);
	json_object_put(r);
}

static void
test_square_http_catalog_names_include_deleted(void)
{
	static const char *const ids[] = {
		"VLIVE", "VDEL", "VORPHAN", "VUNKNOWN",
	};
	struct square		*sq;
	struct square_name	*ns;
	struct json_object	*r, *list, *body, *v;
	char			 err[256];
	size_t			 n;

	CU_ASSERT_FATAL(fresh() == 0);
	CU_ASSERT_FATAL(ctl_do("POST", "/__control/catalog", "{\"objects\":["
	    "{\"type\":\"ITEM\",\"id\":\"ILIVE\",\"version\":1599775456731,"
	    "\"item_data\":{\"name\":\"Full Detail\"}},"
	    "{\"type\":\"ITEM_VARIATION\",\"id\":\"VLIVE\","
	    "\"item_variation_data\":{\"item_id\":\"ILIVE\"}},"
	    "{\"type\":\"ITEM\",\"id\":\"IDEL\",\"is_deleted\":true,"
	    "\"item_data\":{\"name\":\"Pet Hair Removal\"}},"
	    "{\"type\":\"ITEM_VARIATION\",\"id\":\"VDEL\",\"is_deleted\":true,"
	    "\"item_variation_data\":{\"item_id\":\"IDEL\"}},"
	    "{\"type\":\"ITEM_VARIATION\",\"id\":\"VORPHAN\","
	    "\"item_variation_data\":{\"item_id\":\"IGONE\"}}]}") == 0);
	sq = client();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL_FATAL(square_catalog_names(sq, ids, 4, &ns, &n,
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(ns[0].variation_id, "VLIVE");
	CU_ASSERT_STRING_EQUAL(ns[0].name, "Full Detail");
	CU_ASSERT_STRING_EQUAL(ns[1].variation_id, "VDEL");
	CU_ASSERT_STRING_EQUAL(ns[1].name, "Pet Hair Removal");
	square_names_free(ns, n);
	CU_ASSERT_EQUAL(square_stats(sq)->catalog_calls, 1);
	square_free(sq);

	r = requests("/v2/catalog", &list);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(list), 1);
	body = json_object_object_get(json_object_array_get_idx(list, 0),
	    "body");
	CU_ASSERT_EQUAL(json_object_array_length(
	    json_object_object_get(body, "object_ids")), 4);
	CU_ASSERT(json_object_object_get_ex(body, "include_related_objects",
	    &v) && json_object_get_boolean(v));
	CU_ASSERT(json_object_object_get_ex(body, "include_deleted_objects",
	    &v) && json_object_get_boolean(v));
	json_object_put(r);
}

static CU_TestInfo tests_http[] = {
	{ "bearer, Square-Version, window and limit sent",
	    test_square_http_sends_auth_version_and_window },
	{ "pages to the end (null cursor)",
	    test_square_http_pages_to_the_end_with_null_cursor },
	{ "pages to the end (absent cursor)",
	    test_square_http_pages_to_the_end_with_absent_cursor },
	{ "odd bookings on the wire reported",
	    test_square_http_reports_odd_bookings_on_the_wire },
	{ "429 Retry-After honoured",
	    test_square_http_honours_retry_after_on_429 },
	{ "Retry-After capped, HTTP-dates ignored",
	    test_square_http_caps_retry_after_and_ignores_dates },
	{ "500 and 503 retried, then success",
	    test_square_http_retries_500_and_503_then_succeeds },
	{ "gives up after max_retries",
	    test_square_http_gives_up_after_max_retries },
	{ "401 not retried",
	    test_square_http_does_not_retry_401 },
	{ "malformed or truncated JSON fails",
	    test_square_http_malformed_or_truncated_json_fails },
	{ "huge answers refused",
	    test_square_http_refuses_huge_answers },
	{ "hang times out",
	    test_square_http_hang_times_out },
	{ "delay counted as wait",
	    test_square_http_delay_counts_as_wait },
	{ "deadline respected",
	    test_square_http_respects_the_deadline },
	{ "repeated cursor returned verbatim",
	    test_square_http_repeat_cursor_is_returned_verbatim },
	{ "customers, 100 per call",
	    test_square_http_customers_100_per_call },
	{ "catalog names, deleted included",
	    test_square_http_catalog_names_include_deleted },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "square over HTTP (fake Square)", NULL, NULL, NULL, NULL,
	    tests_http },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	unsigned	 failures;

	log_init("test_square_http");
	if ((base = getenv("FAKE_SQUARE_URL")) == NULL || base[0] == '\0') {
		printf("test_square_http: FAKE_SQUARE_URL is not set; "
		    "skipped.\nStart the fake with `node "
		    "tests/fake-square/server.mjs --port 0 --token T` and set "
		    "FAKE_SQUARE_URL to the URL it prints.\n");
		return 0;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "%s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() +
	    CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	curl_global_cleanup();
	return failures == 0 ? 0 : 1;
}
