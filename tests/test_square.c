/*
 * Unit tests of lib/square.c without a network: the parsers, on golden
 * files under tests/data/square/, asserted field by field, and the
 * argument checks that refuse before any call.
 *
 * Run from the repository root, or set $TEST_DATA_DIR to tests/data (or
 * to tests/data/square).  Exits non-zero on any failure.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "log.h"
#include "square.h"

/* The golden file's bytes (owned, NUL-terminated), or NULL. */
static char *
load(const char *name, size_t *len)
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
	if (f == NULL) {
		fprintf(stderr, "cannot open %s (run from the repository root "
		    "or set TEST_DATA_DIR)\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)sz + 1)) != NULL) {
		if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
			free(buf);
			buf = NULL;
		} else {
			buf[sz] = '\0';
			*len = (size_t)sz;
		}
	}
	fclose(f);
	return buf;
}

/* Parse a golden ListBookings body; returns the page or NULL. */
static struct square_page *
page_of(const char *name, char *err, size_t errsz)
{
	struct square_page	*p = NULL;
	char			*body;
	size_t			 len = 0;

	err[0] = '\0';
	if ((body = load(name, &len)) == NULL)
		return NULL;
	if (square_page_parse(body, len, 100, &p, err, errsz) == -1)
		p = NULL;
	free(body);
	return p;
}

/* Parse a golden file as one JSON object, or NULL. */
static struct json_object *
json_of(const char *name)
{
	struct json_object	*o;
	char			*body;
	size_t			 len = 0;

	if ((body = load(name, &len)) == NULL)
		return NULL;
	o = json_tokener_parse(body);
	free(body);
	return o;
}

static void
test_square_page_spec_example_null_cursor_ends(void)
{
	struct square_page	*p;
	struct square_booking	*b;
	char			 err[256];

	p = page_of("list_spec_example.json", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NULL(p->cursor);
	CU_ASSERT_EQUAL(p->nerrors, 0);
	CU_ASSERT_EQUAL_FATAL(p->nbookings, 1);
	b = &p->bookings[0];
	CU_ASSERT_STRING_EQUAL(b->id, "zkras0xv0xwswx");
	CU_ASSERT_EQUAL(b->version, 1);
	CU_ASSERT_STRING_EQUAL(b->status, "ACCEPTED");
	CU_ASSERT_EQUAL(b->start_at, 1606395600);	/* 2020-11-26T13:00Z */
	CU_ASSERT_EQUAL(b->duration_minutes, 60);
	CU_ASSERT_STRING_EQUAL(b->location_id, "LEQHH0YY8B42M");
	CU_ASSERT_STRING_EQUAL(b->customer_id, "EX2QSVGTZN4K1E5QE1CBFNVQ8M");
	CU_ASSERT_STRING_EQUAL(b->team_member_id, "TMXUrsBWWcHTt79t");
	CU_ASSERT_PTR_NULL(b->customer_note);		/* "" is no note */
	CU_ASSERT_EQUAL(b->nsegments, 1);
	CU_ASSERT_STRING_EQUAL(b->variation_ids[0],
	    "RU3PBTZTK7DXZDQFCJHOK2MC");
	square_page_free(p);
}

static void
test_square_page_timestamp_forms_and_64bit_versions(void)
{
	struct square_page	*p;
	struct square_booking	*b;
	char			 err[256];

	p = page_of("list_forms_absent_cursor.json", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NULL(p->cursor);			/* absent cursor */
	CU_ASSERT_EQUAL(p->nerrors, 0);
	CU_ASSERT_EQUAL_FATAL(p->nbookings, 4);

	b = &p->bookings[0];				/* 3-digit fraction */
	CU_ASSERT_STRING_EQUAL(b->id, "frac3");
	CU_ASSERT_EQUAL(b->version, 1599775456731LL);
	CU_ASSERT_EQUAL(b->start_at, 1458764514);
	CU_ASSERT_EQUAL(b->duration_minutes, 30);
	CU_ASSERT_STRING_EQUAL(b->team_member_id, "TM1");
	CU_ASSERT_STRING_EQUAL(b->variation_ids[0], "VAR1");

	b = &p->bookings[1];				/* 2-digit fraction */
	CU_ASSERT_STRING_EQUAL(b->id, "frac2");
	CU_ASSERT_EQUAL(b->version, 0);
	CU_ASSERT_STRING_EQUAL(b->status, "PENDING");
	CU_ASSERT_EQUAL(b->start_at, 1705624074);
	CU_ASSERT_EQUAL(b->nsegments, 1);
	CU_ASSERT_EQUAL(b->duration_minutes, 45);

	b = &p->bookings[2];				/* offset, > 2^53 */
	CU_ASSERT_STRING_EQUAL(b->id, "offset");
	CU_ASSERT_EQUAL(b->version, 9007199254740993LL);
	CU_ASSERT_STRING_EQUAL(b->status, "CANCELLED_BY_CUSTOMER");
	CU_ASSERT_EQUAL(b->start_at, 1580005534);
	CU_ASSERT_STRING_EQUAL(b->customer_id, "");
	CU_ASSERT_STRING_EQUAL(b->location_id, "");
	CU_ASSERT_PTR_NULL(b->customer_note);
	CU_ASSERT_EQUAL(b->nsegments, 1);

	b = &p->bookings[3];				/* 9 digits, +05:30 */
	CU_ASSERT_STRING_EQUAL(b->id, "nanos");
	CU_ASSERT_EQUAL(b->version, 3);
	CU_ASSERT_EQUAL(b->start_at, 1741492800);
	CU_ASSERT_EQUAL(b->nsegments, 1);
	CU_ASSERT_STRING_EQUAL(b->team_member_id, "TM1");
	square_page_free(p);
}

static void
test_square_page_keeps_cursor_verbatim(void)
{
	struct square_page	*p;
	struct square_booking	*b;
	char			 err[256];

	p = page_of("list_with_cursor.json", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->cursor);
	CU_ASSERT_STRING_EQUAL(p->cursor, "Q3Vyc29yIHBhZ2UgMg==/+&x");
	CU_ASSERT_EQUAL_FATAL(p->nbookings, 1);
	b = &p->bookings[0];
	CU_ASSERT_STRING_EQUAL(b->id, "p1b1");
	CU_ASSERT_EQUAL(b->version, 2);
	CU_ASSERT_EQUAL(b->start_at, 1748790000);
	CU_ASSERT_EQUAL(b->duration_minutes, 90);
	CU_ASSERT_STRING_EQUAL(b->location_id, "LOC1");
	CU_ASSERT_STRING_EQUAL(b->customer_id, "CUST1");
	CU_ASSERT_STRING_EQUAL(b->team_member_id, "TM9");
	CU_ASSERT_STRING_EQUAL(b->variation_ids[0], "VARX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->customer_note);
	CU_ASSERT_STRING_EQUAL(b->customer_note, "Please park in the shade");
	square_page_free(p);
}

static void
test_square_page_empty_cursor_ends(void)
{
	struct square_page	*p;
	char			 err[256];

	p = page_of("list_empty_cursor.json", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NULL(p->cursor);
	CU_ASSERT_EQUAL(p->nbookings, 0);
	CU_ASSERT_EQUAL(p->nerrors, 0);
	square_page_free(p);
}

static void
test_square_page_missing_bookings_is_empty(void)
{
	struct square_page	*p;
	char			 err[256];

	p = page_of("list_empty_object.json", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NULL(p->cursor);
	CU_ASSERT_EQUAL(p->nbookings, 0);
	CU_ASSERT_PTR_NULL(p->bookings);
	square_page_free(p);
}

static void
test_square_page_errors_in_200_fail_the_call(void)
{
	char	 err[256];

	CU_ASSERT_PTR_NULL(page_of("list_errors.json", err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err, "ListBookings: error INVALID_CURSOR");
}

static void
test_square_page_rejects_malformed_answers(void)
{
	static const struct {
		const char	*file;
		const char	*err;
	} cases[] = {
		{ "list_truncated.json", "ListBookings: malformed JSON" },
		{ "list_trailing_garbage.json", "ListBookings: malformed JSON" },
		{ "list_top_array.json",
		    "ListBookings: answer is not a JSON object" },
		{ "list_cursor_number.json",
		    "ListBookings: cursor is not a string of at most 65536 "
		    "bytes" },
		{ "list_bookings_object.json",
		    "ListBookings: bookings is not an array" },
	};
	static const char	 nul[] = "{\"bookings\":[]}\0{}";
	struct square_page	*p = (struct square_page *)1;
	char			 err[256];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_PTR_NULL(page_of(cases[i].file, err, sizeof(err)));
		CU_ASSERT_STRING_EQUAL(err, cases[i].err);
	}
	CU_ASSERT_EQUAL(square_page_parse("", 0, 100, &p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(square_page_parse(nul, sizeof(nul) - 1, 100, &p, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(square_page_parse("{\"a\":1,}", 8, 100, &p, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(square_page_parse("{\"a\":\"\xff\"}", 9, 100, &p, err,
	    sizeof(err)), -1);
	/* Not NUL-terminated: only len bytes are read. */
	CU_ASSERT_EQUAL(square_page_parse("{}XYZ", 2, 100, &p, err,
	    sizeof(err)), 0);
	square_page_free(p);
}

/* Issue 7 item 14: a page is never bigger than the limit asked for. */
static void
test_square_page_refuses_more_bookings_than_asked(void)
{
	static const char one[] = "{\"id\":\"b%zu\",\"version\":1,"
	    "\"status\":\"ACCEPTED\",\"start_at\":\"2026-01-05T17:00:00Z\","
	    "\"appointment_segments\":[{\"duration_minutes\":30,"
	    "\"team_member_id\":\"TM\"}]}";
	struct square_page	*p;
	char			 err[256], *body;
	size_t			 i, len, cap = 1 << 20;

	CU_ASSERT_PTR_NOT_NULL_FATAL(body = malloc(cap));
	len = (size_t)snprintf(body, cap, "{\"bookings\":[");
	for (i = 0; i < 3; i++) {
		if (i > 0)
			body[len++] = ',';
		len += (size_t)snprintf(body + len, cap - len, one, i);
	}
	len += (size_t)snprintf(body + len, cap - len, "]}");
	CU_ASSERT_EQUAL(square_page_parse(body, len, 3, &p, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(p->nbookings, 3);
	square_page_free(p);
	CU_ASSERT_EQUAL(square_page_parse(body, len, 2, &p, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_STRING_EQUAL(err, "ListBookings: 3 bookings on a page of "
	    "at most 2");

	/* A megabyte of empty bookings is refused before json-c builds
	 * hundreds of thousands of objects of it. */
	len = (size_t)snprintf(body, cap, "{\"bookings\":[{}");
	while (len + 8 < cap)
		len += (size_t)snprintf(body + len, cap - len, ",{}");
	len += (size_t)snprintf(body + len, cap - len, "]}");
	CU_ASSERT_EQUAL(square_page_parse(body, len, 100, &p, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(p);
	free(body);
}

static void
test_square_page_reports_odd_bookings_and_keeps_good_ones(void)
{
	/* The ids the odd bookings are reported under, in file order. */
	static const char *const ids[] = {
		"", "", "", "", "", "", "", "", "", "", "",
		"v-str", "v-float", "v-neg", "v-huge",
		"st-missing", "st-long", "st-num", "st-lower",
		"sa-missing", "sa-bad", "sa-date", "sa-num",
		"seg-obj", "seg-17", "seg-elem", "dur-neg", "dur-big",
		"dur-huge", "dur-str", "dur-float", "gap-neg", "var-long",
		"tm-long", "tm-num", "loc-long", "loc-num", "cust-long",
		"cust-obj", "note-long", "note-num",
		/* Present and of Square's alphabet, as in a webhook. */
		"v-null", "v-missing", "seg-null", "seg-missing", "seg-empty",
		"dur-null", "dur-missing", "tm-missing", "loc-dots",
		"cust-quote", "var-slash", "",
	};
	struct square_page	*p;
	struct square_booking	*b;
	char			 err[256], big[193];
	size_t			 i;

	p = page_of("list_odd_bookings.json", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(p->nerrors, sizeof(ids) / sizeof(ids[0]));
	for (i = 0; i < p->nerrors; i++) {
		CU_ASSERT_STRING_EQUAL(p->errors[i].booking_id, ids[i]);
		CU_ASSERT(p->errors[i].message[0] != '\0');
	}
	CU_ASSERT_STRING_EQUAL(p->errors[0].message,
	    "booking is not an object");
	CU_ASSERT_STRING_EQUAL(p->errors[5].message,
	    "id is missing or malformed");
	CU_ASSERT_STRING_EQUAL(p->errors[19].message,
	    "start_at is missing or not RFC 3339");
	CU_ASSERT_STRING_EQUAL(p->errors[24].message,
	    "more than 16 appointment_segments");
	CU_ASSERT_STRING_EQUAL(p->errors[27].message,
	    "appointment_segments[0].duration_minutes is missing or not "
	    "0..1500");
	for (i = 0; i < p->nerrors; i++) {
		const char	*id = p->errors[i].booking_id;
		const char	*m = p->errors[i].message;

		if (strcmp(id, "v-null") == 0 || strcmp(id, "v-missing") == 0)
			CU_ASSERT_STRING_EQUAL(m, "version is missing or not "
			    "a 64-bit integer >= 0");
		if (strcmp(id, "seg-null") == 0 || strcmp(id, "seg-empty") == 0)
			CU_ASSERT_STRING_EQUAL(m, "appointment_segments is "
			    "missing or not a list of segments");
		if (strcmp(id, "tm-missing") == 0)
			CU_ASSERT_STRING_EQUAL(m, "appointment_segments[0]."
			    "team_member_id is missing or malformed");
		if (strcmp(id, "loc-dots") == 0)
			CU_ASSERT_STRING_EQUAL(m, "location_id is malformed");
	}

	CU_ASSERT_EQUAL_FATAL(p->nbookings, 3);
	b = &p->bookings[0];
	CU_ASSERT_STRING_EQUAL(b->id, "good1");
	CU_ASSERT_EQUAL(b->start_at, 1748790000);

	b = &p->bookings[1];				/* every limit, exactly */
	CU_ASSERT_STRING_EQUAL(b->id, "good2");
	CU_ASSERT_EQUAL(b->version, 9223372036854775806LL);
	CU_ASSERT_EQUAL(b->duration_minutes, 4500);
	CU_ASSERT_EQUAL(b->nsegments, 2);
	CU_ASSERT_EQUAL(strlen(b->variation_ids[0]), 64);
	CU_ASSERT_STRING_EQUAL(b->variation_ids[1], "");
	CU_ASSERT_STRING_EQUAL(b->team_member_id, "TM");
	CU_ASSERT_EQUAL(strlen(b->location_id), 64);
	memset(big, 'C', 192);
	big[192] = '\0';
	CU_ASSERT_STRING_EQUAL(b->customer_id, big);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->customer_note);
	CU_ASSERT_EQUAL(strlen(b->customer_note), 4096);

	b = &p->bookings[2];
	CU_ASSERT_STRING_EQUAL(b->id, "good3");
	CU_ASSERT_EQUAL(b->nsegments, 16);
	CU_ASSERT_EQUAL(b->duration_minutes, 16 * 30);
	square_page_free(p);
}

static void
test_square_booking_sums_segments_and_intermissions(void)
{
	struct json_object	*o;
	struct square_booking	 b;
	char			 err[160];

	o = json_of("booking_multi_segment.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL_FATAL(square_booking_parse(o, &b, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(b.id, "multi1");
	CU_ASSERT_EQUAL(b.version, 4294967298LL);
	CU_ASSERT_STRING_EQUAL(b.status, "ACCEPTED");
	CU_ASSERT_EQUAL(b.start_at, 1764082800);	/* 15:00Z */
	/* 60 + 15 + 120 + 30 + 45; the last intermission (20) not. */
	CU_ASSERT_EQUAL(b.duration_minutes, 270);
	CU_ASSERT_EQUAL(b.nsegments, 3);
	CU_ASSERT_STRING_EQUAL(b.variation_ids[0], "WASH");
	CU_ASSERT_STRING_EQUAL(b.variation_ids[1], "WAX");
	CU_ASSERT_STRING_EQUAL(b.variation_ids[2], "");
	CU_ASSERT_STRING_EQUAL(b.team_member_id, "_4GsfYnqGHyurOwzWdKj");
	CU_ASSERT_STRING_EQUAL(b.location_id, "L9R0X9X5SGDBJ");
	CU_ASSERT_STRING_EQUAL(b.customer_id, "SSKBT02ECWZXK6W3VWYC78E52R");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b.customer_note);
	CU_ASSERT_STRING_EQUAL(b.customer_note, "Two cars");
	square_booking_clear(&b);
	CU_ASSERT_PTR_NULL(b.customer_note);
	square_booking_clear(&b);			/* twice is fine */
	json_object_put(o);
}

static void
test_square_booking_from_webhook_event(void)
{
	struct json_object	*ev, *bo;
	struct square_booking	 b;
	char			 err[160];

	ev = json_of("booking_webhook_created.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	bo = json_object_object_get(json_object_object_get(
	    json_object_object_get(ev, "data"), "object"), "booking");
	CU_ASSERT_EQUAL_FATAL(square_booking_parse(bo, &b, err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(b.id, "i2id2g3enyspi7");	/* not data.id */
	CU_ASSERT_EQUAL(b.version, 0);
	CU_ASSERT_EQUAL(b.start_at, 1608220800);
	CU_ASSERT_EQUAL(b.duration_minutes, 30);
	CU_ASSERT_STRING_EQUAL(b.team_member_id, "_4GsfYnqGHyurOwzWdKj");
	CU_ASSERT_STRING_EQUAL(b.variation_ids[0],
	    "T3WUWYFJOVW2EU6XGRU5YG4A");
	square_booking_clear(&b);
	/* The event itself is no booking. */
	CU_ASSERT_EQUAL(square_booking_parse(ev, &b, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(square_booking_parse(NULL, &b, err, sizeof(err)),
	    -1);
	CU_ASSERT_STRING_EQUAL(err, "booking is not an object");
	json_object_put(ev);
}

static void
test_square_booking_failure_frees_note(void)
{
	struct json_object	*o;
	struct square_booking	 b;
	char			 err[160];

	/* The note is read after the segments; a bad segment after it. */
	o = json_tokener_parse("{\"id\":\"n1\",\"status\":\"ACCEPTED\","
	    "\"start_at\":\"2025-01-01T00:00:00Z\",\"customer_note\":\"x\","
	    "\"appointment_segments\":[{\"duration_minutes\":-1}]}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(square_booking_parse(o, &b, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(b.customer_note);
	json_object_put(o);
}

static void
test_square_customers_spec_example_not_found(void)
{
	static const char *const ids[] = {
		"N18CPRVXR5214XPBBA6BZQWF3C",
		"2GYD7WNXF7BJZW1PMGNXZ3Y8M8",
		"8DDA5NZVBZFGAX0V3HPF81HHE0",
	};
	struct square_customer	*cs;
	char			*body, err[256];
	size_t			 len = 0;

	body = load("customers_spec_example.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(square_customers_parse(body, len, ids, 3, &cs,
	    err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cs[0].id, ids[0]);	/* order of ids */
	CU_ASSERT_EQUAL(cs[0].found, 1);
	CU_ASSERT_STRING_EQUAL(cs[0].name, "Marie Curie");
	CU_ASSERT_PTR_NULL(cs[0].phone);
	CU_ASSERT_PTR_NULL(cs[0].email);
	CU_ASSERT_STRING_EQUAL(cs[1].id, ids[1]);
	CU_ASSERT_EQUAL(cs[1].found, 0);		/* NOT_FOUND */
	CU_ASSERT_PTR_NULL(cs[1].name);
	CU_ASSERT_STRING_EQUAL(cs[2].id, ids[2]);
	CU_ASSERT_EQUAL(cs[2].found, 1);
	CU_ASSERT_STRING_EQUAL(cs[2].name, "Amelia Earhart");
	CU_ASSERT_STRING_EQUAL(cs[2].email, "New.Amelia.Earhart@example.com");
	square_customers_free(cs, 3);
	free(body);
}

static void
test_square_customers_name_falls_back_to_nickname_then_company(void)
{
	static const char *const ids[] = {
		"NICK", "COMPANY", "GIVEN", "FAMILY", "NONAME", "ABSENT",
	};
	struct square_customer	*cs;
	char			*body, err[256];
	size_t			 len = 0;

	body = load("customers_names.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(square_customers_parse(body, len, ids, 6, &cs,
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cs[0].found, 1);
	CU_ASSERT_STRING_EQUAL(cs[0].name, "Skip");
	CU_ASSERT_STRING_EQUAL(cs[0].phone, "+1-212-555-4240");
	CU_ASSERT_PTR_NULL(cs[0].email);
	CU_ASSERT_STRING_EQUAL(cs[1].name, "Acme Fleet");	/* "" given */
	CU_ASSERT_STRING_EQUAL(cs[1].email, "fleet@example.com");
	CU_ASSERT_STRING_EQUAL(cs[2].name, "Zo\xc3\xab");	/* given only */
	CU_ASSERT_STRING_EQUAL(cs[3].name, "Nakamura");		/* family */
	CU_ASSERT_EQUAL(cs[4].found, 1);
	CU_ASSERT_PTR_NULL(cs[4].name);
	CU_ASSERT_STRING_EQUAL(cs[4].phone, "5551234");
	CU_ASSERT_STRING_EQUAL(cs[5].id, "ABSENT");	/* not in the map */
	CU_ASSERT_EQUAL(cs[5].found, 0);
	CU_ASSERT_PTR_NULL(cs[5].name);
	square_customers_free(cs, 6);
	free(body);
}

static void
test_square_customers_cut_long_text_at_utf8_boundary(void)
{
	static const char *const ids[] = { "LONG" };
	struct square_customer	*cs;
	char			*body, err[256];
	size_t			 len = 0;

	body = load("customers_names.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(square_customers_parse(body, len, ids, 1, &cs,
	    err, sizeof(err)), 0);
	/* given: 254 'a' + "é" (2 bytes) is 256 bytes: the é goes. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(cs[0].name);
	CU_ASSERT_EQUAL(strlen(cs[0].name), 254 + 1 + 255);
	CU_ASSERT(cs[0].name[254] == ' ');
	CU_ASSERT_EQUAL(strlen(cs[0].email), 255);
	square_customers_free(cs, 1);
	free(body);
}

static void
test_square_customers_reject_bad_answers(void)
{
	static const struct {
		const char	*file;
		const char	*err;
	} cases[] = {
		{ "customers_bad_type.json", "BulkRetrieveCustomers: "
		    "customer given_name is not a string" },
		{ "customers_other_error.json", "BulkRetrieveCustomers: "
		    "customer 0: error FORBIDDEN" },
		{ "customers_top_errors.json", "BulkRetrieveCustomers: "
		    "error RATE_LIMITED" },
		{ "customers_no_customer.json", "BulkRetrieveCustomers: "
		    "response 0 has no customer" },
		{ "customers_responses_array.json", "BulkRetrieveCustomers: "
		    "responses is not an object" },
	};
	static const char *const ids[] = { "X1" };
	struct square_customer	*cs;
	char			*body, err[256];
	size_t			 i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = load(cases[i].file, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(body);
		CU_ASSERT_EQUAL(square_customers_parse(body, len, ids, 1,
		    &cs, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NULL(cs);
		CU_ASSERT_STRING_EQUAL(err, cases[i].err);
		free(body);
	}
}

static void
test_square_customers_need_1_to_100_good_ids(void)
{
	static const char *const bad[] = { "has space" };
	const char		*ids[101];
	struct square_customer	*cs;
	struct square_opts	 o;
	struct square		*sq;
	char			 err[256];
	size_t			 i;

	for (i = 0; i < 101; i++)
		ids[i] = "C1";
	CU_ASSERT_EQUAL(square_customers_parse("{}", 2, ids, 0, &cs, err,
	    sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err,
	    "BulkRetrieveCustomers: 0 ids (1..100 allowed)");
	CU_ASSERT_EQUAL(square_customers_parse("{}", 2, ids, 101, &cs, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(square_customers_parse("{}", 2, bad, 1, &cs, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(square_customers_parse("{}", 2, ids, 100, &cs, err,
	    sizeof(err)), 0);
	square_customers_free(cs, 100);

	/* The call refuses without sending anything. */
	memset(&o, 0, sizeof(o));
	o.base_url = "http://127.0.0.1:9";
	o.token = "T";
	sq = square_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(square_bulk_customers(sq, ids, 0, &cs, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(square_bulk_customers(sq, ids, 101, &cs, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 0);
	CU_ASSERT_EQUAL(square_stats(sq)->customer_calls, 0);
	square_free(sq);
}

static void
test_square_catalog_maps_variations_to_item_names(void)
{
	static const char *const ids[] = {
		"VFULL", "VDEL", "VORPHAN", "VSELF", "VNONAME", "VNODATA",
		"VUNKNOWN", "VFULL",
	};
	struct square_name	*ns;
	char			*body, err[256];
	size_t			 len = 0, n;

	body = load("catalog_names.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(square_names_parse(body, len, ids, 8, &ns, &n,
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);		/* resolvable, each once */
	CU_ASSERT_STRING_EQUAL(ns[0].variation_id, "VFULL");
	CU_ASSERT_STRING_EQUAL(ns[0].name, "Full Detail");
	CU_ASSERT_STRING_EQUAL(ns[1].variation_id, "VDEL");	/* deleted */
	CU_ASSERT_STRING_EQUAL(ns[1].name, "Ceramic Coating (retired)");
	CU_ASSERT_STRING_EQUAL(ns[2].variation_id, "VSELF");	/* in objects */
	CU_ASSERT_STRING_EQUAL(ns[2].name, "Interior Shampoo");
	square_names_free(ns, n);
	free(body);
}

static void
test_square_catalog_not_found_errors_mean_unknown_ids(void)
{
	static const char *const ids[] = { "VFULL", "VGONE" };
	struct square_name	*ns;
	char			*body, err[256];
	size_t			 len = 0, n;

	body = load("catalog_not_found_errors.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(square_names_parse(body, len, ids, 2, &ns, &n,
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(ns[0].name, "Full Detail");
	square_names_free(ns, n);
	free(body);

	body = load("catalog_empty.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL(square_names_parse(body, len, ids, 2, &ns, &n,
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 0);
	square_names_free(ns, n);
	free(body);
}

static void
test_square_catalog_other_errors_fail(void)
{
	static const char *const ids[] = { "VFULL" };
	struct square_name	*ns;
	char			*body, err[256];
	size_t			 len = 0, n;

	body = load("catalog_other_errors.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL(square_names_parse(body, len, ids, 1, &ns, &n,
	    err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err,
	    "BatchRetrieveCatalogObjects: error INSUFFICIENT_SCOPES");
	CU_ASSERT_PTR_NULL(ns);
	CU_ASSERT_EQUAL(n, 0);
	free(body);
	CU_ASSERT_EQUAL(square_names_parse("{}", 2, ids, 0, &ns, &n,
	    err, sizeof(err)), -1);
}

static void
test_square_new_refuses_bad_options(void)
{
	static const struct {
		const char	*url;
		const char	*token;
		const char	*version;
	} cases[] = {
		{ NULL, "T", NULL },
		{ "ftp://example.com", "T", NULL },
		{ "http://127.0.0.1:9", NULL, NULL },
		{ "http://127.0.0.1:9", "", NULL },
		{ "http://127.0.0.1:9", "T\r\nX-Evil: 1", NULL },
		{ "http://127.0.0.1:9", "two words", NULL },
		{ "http://127.0.0.1:9", "T", "2025-08-20\n" },
	};
	struct square_opts	 o;
	struct square		*sq;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&o, 0, sizeof(o));
		o.base_url = cases[i].url;
		o.token = cases[i].token;
		o.version = cases[i].version;
		sq = square_new(&o);
		CU_ASSERT_PTR_NULL(sq);
		square_free(sq);
	}
	square_free(NULL);
	square_page_free(NULL);
	square_customers_free(NULL, 3);
	square_names_free(NULL, 3);
	square_booking_clear(NULL);
}

static void
test_square_list_bookings_checks_arguments_before_calling(void)
{
	struct square_opts	 o;
	struct square		*sq;
	struct square_page	*p;
	char			 err[256];

	memset(&o, 0, sizeof(o));
	o.base_url = "http://127.0.0.1:9/";
	o.token = "T";
	sq = square_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
	CU_ASSERT_EQUAL(square_list_bookings(sq, 1000, 2000, NULL, NULL, 0,
	    &p, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "ListBookings: limit 0 not in 1..10000");
	CU_ASSERT_EQUAL(square_list_bookings(sq, 1000, 2000, NULL, NULL,
	    10001, &p, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(square_list_bookings(sq, 2000, 1000, NULL, NULL,
	    100, &p, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(square_list_bookings(sq, 1000, 2000, "a b", NULL,
	    100, &p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 0);
	CU_ASSERT_EQUAL(square_stats(sq)->list_calls, 0);
	/* A deadline already past: no call starts. */
	square_set_deadline(sq, 1);
	CU_ASSERT_EQUAL(square_list_bookings(sq, 1000, 2000, NULL, NULL,
	    100, &p, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "ListBookings: deadline reached");
	CU_ASSERT_EQUAL(square_stats(sq)->calls, 0);
	square_free(sq);
}

/*
 * Serve one connection on a loopback port from a child process: read the
 * request head, write answer (len bytes), close.  Returns the port (and
 * the child in *pid), or -1.
 */
static int
serve_once(const char *answer, size_t len, pid_t *pid)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	char			 req[8192];
	size_t			 got = 0;
	ssize_t			 n;
	int			 s, c;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 1) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &slen) == -1 ||
	    (*pid = fork()) == -1) {
		close(s);
		return -1;
	}
	if (*pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		if ((c = accept(s, NULL, NULL)) == -1)
			_exit(1);
		while (got < sizeof(req) - 1 &&
		    (n = read(c, req + got, sizeof(req) - 1 - got)) > 0) {
			got += (size_t)n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL)
				break;
		}
		for (got = 0; got < len; got += (size_t)n)
			if ((n = write(c, answer + got, len - got)) <= 0)
				break;
		close(c);
		_exit(0);
	}
	close(s);
	return ntohs(sin.sin_port);
}

/* A chunked 200 whose JSON body is size bytes (no Content-Length). */
static char *
chunked_answer(size_t size, size_t *len)
{
	static const char	 head[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
	static const char	 pre[] = "{\"bookings\":[],\"x\":\"";
	char			*a;
	size_t			 off;

	if ((a = malloc(sizeof(head) + size + 64)) == NULL)
		return NULL;
	off = (size_t)snprintf(a, sizeof(head) + 32, "%s%zx\r\n", head, size);
	memcpy(a + off, pre, sizeof(pre) - 1);
	memset(a + off + sizeof(pre) - 1, 'a', size - (sizeof(pre) - 1) - 2);
	memcpy(a + off + size - 2, "\"}", 2);
	off += size;
	memcpy(a + off, "\r\n0\r\n\r\n", 7);
	*len = off + 7;
	return a;
}

static void
test_square_list_bookings_stops_reading_past_max_body(void)
{
	static const size_t	 sizes[] = { 5000, 1000 };
	struct square_opts	 o;
	struct square		*sq;
	struct square_page	*p;
	char			 url[64], err[256], *a;
	size_t			 i, len = 0;
	pid_t			 pid;
	int			 port, status, rc;

	for (i = 0; i < 2; i++) {
		a = chunked_answer(sizes[i], &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		port = serve_once(a, len, &pid);
		free(a);
		CU_ASSERT_FATAL(port > 0);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
		memset(&o, 0, sizeof(o));
		o.base_url = url;
		o.token = "T";
		o.max_body = 1000;
		o.timeout_ms = 5000;
		sq = square_new(&o);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sq);
		rc = square_list_bookings(sq, 1000, 2000, NULL, NULL, 100,
		    &p, err, sizeof(err));
		if (i == 0) {			/* 5000 bytes: refused */
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_STRING_EQUAL(err,
			    "ListBookings: response over 1000 bytes");
		} else {			/* exactly 1000: fine */
			CU_ASSERT_EQUAL(rc, 0);
			square_page_free(p);
		}
		CU_ASSERT_EQUAL(square_stats(sq)->calls, 1);
		square_free(sq);
		waitpid(pid, &status, 0);
	}
}

static CU_TestInfo tests_page[] = {
	{ "spec example: null cursor ends paging",
	    test_square_page_spec_example_null_cursor_ends },
	{ "timestamp forms and 64-bit versions, absent cursor",
	    test_square_page_timestamp_forms_and_64bit_versions },
	{ "cursor kept verbatim",
	    test_square_page_keeps_cursor_verbatim },
	{ "empty cursor ends paging",
	    test_square_page_empty_cursor_ends },
	{ "missing bookings is an empty page",
	    test_square_page_missing_bookings_is_empty },
	{ "errors in a 200 fail the call",
	    test_square_page_errors_in_200_fail_the_call },
	{ "malformed answers rejected",
	    test_square_page_rejects_malformed_answers },
	{ "more bookings than the limit refused",
	    test_square_page_refuses_more_bookings_than_asked },
	{ "odd bookings reported, good ones kept",
	    test_square_page_reports_odd_bookings_and_keeps_good_ones },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo tests_booking[] = {
	{ "segments and intermissions between them summed",
	    test_square_booking_sums_segments_and_intermissions },
	{ "booking from a webhook event",
	    test_square_booking_from_webhook_event },
	{ "failure frees the note",
	    test_square_booking_failure_frees_note },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo tests_customers[] = {
	{ "spec example with NOT_FOUND",
	    test_square_customers_spec_example_not_found },
	{ "name falls back to nickname, then company",
	    test_square_customers_name_falls_back_to_nickname_then_company },
	{ "long text cut at a UTF-8 boundary",
	    test_square_customers_cut_long_text_at_utf8_boundary },
	{ "bad answers rejected",
	    test_square_customers_reject_bad_answers },
	{ "1 to 100 good ids, else no call",
	    test_square_customers_need_1_to_100_good_ids },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo tests_catalog[] = {
	{ "variations mapped to item names, deleted included",
	    test_square_catalog_maps_variations_to_item_names },
	{ "NOT_FOUND errors mean unknown ids",
	    test_square_catalog_not_found_errors_mean_unknown_ids },
	{ "other errors fail",
	    test_square_catalog_other_errors_fail },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo tests_client[] = {
	{ "bad options refused",
	    test_square_new_refuses_bad_options },
	{ "list arguments checked before calling",
	    test_square_list_bookings_checks_arguments_before_calling },
	{ "reading stops past max_body (chunked answer)",
	    test_square_list_bookings_stops_reading_past_max_body },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "square: ListBookings pages", NULL, NULL, NULL, NULL, tests_page },
	{ "square: bookings", NULL, NULL, NULL, NULL, tests_booking },
	{ "square: customers", NULL, NULL, NULL, NULL, tests_customers },
	{ "square: catalog", NULL, NULL, NULL, NULL, tests_catalog },
	{ "square: client", NULL, NULL, NULL, NULL, tests_client },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	unsigned	 failures;

	log_init("test_square");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    CU_initialize_registry() != CUE_SUCCESS)
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
