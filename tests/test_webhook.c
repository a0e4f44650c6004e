/*
 * lib/webhook.c: the signature check, on square-api.md's test vector
 * (HMAC-SHA256 keyed with the key's own bytes over the registered URL
 * followed by the raw body, base64).
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "testmain.h"
#include "webhook.h"

#define URL	"https://example.com/webhook"
#define KEY	"asdf1234"
#define BODY	"{\"merchant_id\":\"GQQWA3J6A3AEZ\",\"type\":\"booking.created\"," \
		"\"event_id\":\"76193e8a-db85-53c6-b538-1837519cbc12\"}"
#define SIG	"u71kxl55aVJ4vTuJDQrjnLqI01NbL7WJ3PTRNfiunis="

static int
valid(const char *key, const char *url, const char *body, const char *header)
{
	return webhook_signature_valid(key, url, body,
	    body != NULL ? strlen(body) : 0, header);
}

static void
test_webhook_signature_matches_square_vector(void)
{
	CU_ASSERT_EQUAL(strlen(SIG), 44);
	CU_ASSERT_EQUAL(valid(KEY, URL, BODY, SIG), 1);
}

/* Only len bytes of the body count: it need not be NUL-terminated. */
static void
test_webhook_signature_uses_len_bytes_of_body(void)
{
	const char	*more = BODY "\n";
	char		 buf[sizeof(BODY) + 8];

	memcpy(buf, BODY, strlen(BODY));
	memset(buf + strlen(BODY), 'X', sizeof(buf) - strlen(BODY));
	CU_ASSERT_EQUAL(webhook_signature_valid(KEY, URL, buf, strlen(BODY),
	    SIG), 1);
	/* A trailing newline is a different body. */
	CU_ASSERT_EQUAL(valid(KEY, URL, more, SIG), 0);
}

static void
test_webhook_signature_fails_on_changed_body(void)
{
	char	 body[] = BODY;
	size_t	 i;

	/* Any one byte changed, wherever it is. */
	for (i = 0; body[i] != '\0'; i++) {
		body[i] ^= 0x01;
		if (valid(KEY, URL, body, SIG) != 0)
			CU_FAIL("a changed body byte still matched");
		body[i] ^= 0x01;
	}
	CU_ASSERT_EQUAL(valid(KEY, URL, body, SIG), 1);
	/* Reformatted JSON is another body. */
	CU_ASSERT_EQUAL(valid(KEY, URL, "{\"merchant_id\": \"GQQWA3J6A3AEZ\", "
	    "\"type\": \"booking.created\", \"event_id\": "
	    "\"76193e8a-db85-53c6-b538-1837519cbc12\"}", SIG), 0);
}

static void
test_webhook_signature_fails_on_other_url(void)
{
	const char	*urls[] = { "https://example.com/webhook/",
	    "http://example.com/webhook", "https://example.com/Webhook",
	    "https://example.com:443/webhook", "https://example.com/webhook?x=1",
	    "example.com/webhook", NULL };
	size_t		 i;

	for (i = 0; urls[i] != NULL; i++)
		if (valid(KEY, urls[i], BODY, SIG) != 0)
			CU_FAIL(urls[i]);
	CU_ASSERT_EQUAL(valid(KEY, "", BODY, SIG), 0);
	CU_ASSERT_EQUAL(valid(KEY, NULL, BODY, SIG), 0);
}

/*
 * The key is used as its own bytes, not base64-decoded: a signature made
 * with the decoded key does not match, and the right one does not match
 * when the decoded key is given.
 */
static void
test_webhook_signature_key_is_not_base64_decoded(void)
{
	unsigned char	 raw[16], mac[EVP_MAX_MD_SIZE], b64[64], msg[256];
	unsigned int	 maclen = 0;
	int		 rawlen;
	size_t		 ulen = strlen(URL), blen = strlen(BODY);

	rawlen = EVP_DecodeBlock(raw, (const unsigned char *)KEY,
	    (int)strlen(KEY));
	CU_ASSERT_EQUAL_FATAL(rawlen, 6);
	CU_ASSERT_FATAL(ulen + blen <= sizeof(msg));
	memcpy(msg, URL, ulen);
	memcpy(msg + ulen, BODY, blen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(HMAC(EVP_sha256(), raw, rawlen, msg,
	    ulen + blen, mac, &maclen));
	CU_ASSERT_EQUAL_FATAL(EVP_EncodeBlock(b64, mac, (int)maclen), 44);
	CU_ASSERT(strcmp((char *)b64, SIG) != 0);
	CU_ASSERT_EQUAL(valid(KEY, URL, BODY, (char *)b64), 0);

	/* The decoded bytes as the key (NUL-free here) do not give SIG. */
	raw[rawlen] = '\0';
	if (strlen((char *)raw) == (size_t)rawlen)
		CU_ASSERT_EQUAL(valid((char *)raw, URL, BODY, SIG), 0);
	/* Nor does another key. */
	CU_ASSERT_EQUAL(valid("asdf1235", URL, BODY, SIG), 0);
	CU_ASSERT_EQUAL(valid("ASDF1234", URL, BODY, SIG), 0);
}

static void
test_webhook_signature_refuses_empty_inputs(void)
{
	CU_ASSERT_EQUAL(valid(KEY, URL, "", SIG), 0);
	CU_ASSERT_EQUAL(webhook_signature_valid(KEY, URL, BODY, 0, SIG), 0);
	CU_ASSERT_EQUAL(webhook_signature_valid(KEY, URL, NULL, 10, SIG), 0);
	CU_ASSERT_EQUAL(valid("", URL, BODY, SIG), 0);
	CU_ASSERT_EQUAL(valid(NULL, URL, BODY, SIG), 0);
	CU_ASSERT_EQUAL(valid(KEY, URL, BODY, NULL), 0);
	CU_ASSERT_EQUAL(valid(KEY, URL, BODY, ""), 0);
}

static void
test_webhook_signature_refuses_altered_headers(void)
{
	const char	*bad[] = {
		"u71kxl55aVJ4vTuJDQrjnLqI01NbL7WJ3PTRNfiunis",	/* truncated */
		"u71kxl55aVJ4vTuJDQrjnLqI01NbL7WJ3PTRNfiuni",
		"u71kxl55",
		"u71kxl55aVJ4vTuJDQrjnLqI01NbL7WJ3PTRNfiunis= ",
		" u71kxl55aVJ4vTuJDQrjnLqI01NbL7WJ3PTRNfiunis=",
		"u71kxl55aVJ4vTuJDQrjnLqI01NbL7WJ3PTRNfiunis=\n",
		"u71kxl55aVJ4vTuJDQrjnLqI01NbL7WJ3PTRNfiunis==",
		"U71kxl55aVJ4vTuJDQrjnLqI01NbL7WJ3PTRNfiunis=",
		"u71kxl55aVJ4vTuJDQrjnLqI01NbL7WJ3PTRNfiunit=",
		"sha256=u71kxl55aVJ4vTuJDQrjnLqI01NbL7WJ3PTRNfiunis=",
		NULL
	};
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++)
		if (valid(KEY, URL, BODY, bad[i]) != 0)
			CU_FAIL(bad[i]);
}

/* An event around a booking whose members are given as JSON text. */
#define EVENT(bk)	"{\"event_id\":\"e1\",\"type\":\"booking.created\"," \
			"\"data\":{\"type\":\"booking\",\"id\":\"b1:0\"," \
			"\"object\":{\"booking\":{" bk "}}}}"
#define GOOD_BOOKING	"\"id\":\"bookingid0001\",\"version\":0," \
			"\"status\":\"ACCEPTED\"," \
			"\"start_at\":\"2026-01-05T17:00:00Z\"," \
			"\"location_id\":\"L1\",\"customer_id\":\"C1\"," \
			"\"appointment_segments\":[{\"duration_minutes\":30," \
			"\"team_member_id\":\"TM1\"," \
			"\"service_variation_id\":\"V1\"}]"

static enum webhook_status
parse(const char *body, size_t len, char *err, size_t errsz)
{
	struct webhook_event	 ev;
	enum webhook_status	 st;

	st = webhook_parse(body, len, &ev, err, errsz);
	if (st == WEBHOOK_PROCESSED)
		webhook_event_clear(&ev);
	return st;
}
#define PARSE(s)	parse((s), sizeof(s) - 1, err, sizeof(err))

static void
test_webhook_parse_reads_a_booking_event(void)
{
	static const char	 body[] = EVENT(GOOD_BOOKING);
	static const char	 other[] = "{\"event_id\":\"e2\","
	    "\"type\":\"customer.updated\"}";
	struct webhook_event	 ev;
	char			 err[256];

	CU_ASSERT_EQUAL_FATAL(webhook_parse(body, sizeof(body) - 1, &ev, err,
	    sizeof(err)), WEBHOOK_PROCESSED);
	CU_ASSERT_STRING_EQUAL(ev.event_id, "e1");
	CU_ASSERT_STRING_EQUAL(ev.type, "booking.created");
	CU_ASSERT_EQUAL(ev.is_booking, 1);
	CU_ASSERT_STRING_EQUAL(ev.booking.id, "bookingid0001");
	CU_ASSERT_EQUAL(ev.booking.duration_minutes, 30);
	webhook_event_clear(&ev);
	/* Other types are read (and then acknowledged), not refused. */
	CU_ASSERT_EQUAL(webhook_parse(other, strlen(other), &ev, err,
	    sizeof(err)), WEBHOOK_PROCESSED);
	CU_ASSERT_EQUAL(ev.is_booking, 0);
	webhook_event_clear(&ev);
}

/* Issue 7 item 19: nothing may follow the signed object. */
static void
test_webhook_parse_refuses_trailing_bytes(void)
{
	char	 err[256];

	CU_ASSERT_EQUAL(PARSE(EVENT(GOOD_BOOKING) "x"), WEBHOOK_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "after the value"));
	CU_ASSERT_EQUAL(PARSE(EVENT(GOOD_BOOKING) "{}"), WEBHOOK_INVALID);
	CU_ASSERT_EQUAL(PARSE(EVENT(GOOD_BOOKING) "\0"), WEBHOOK_INVALID);
	/* White space is no content. */
	CU_ASSERT_EQUAL(PARSE(EVENT(GOOD_BOOKING) "\r\n"), WEBHOOK_PROCESSED);
}

/* Issue 7 item 24: one strict parser, duplicate keys included. */
static void
test_webhook_parse_refuses_lenient_json(void)
{
	char	 err[256];

	CU_ASSERT_EQUAL(PARSE("{\"event_id\":\"e1\",\"type\":\"booking."
	    "created\",\"event_id\":\"e2\"}"), WEBHOOK_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "twice"));
	CU_ASSERT_EQUAL(PARSE(EVENT(GOOD_BOOKING ",\"version\":1")),
	    WEBHOOK_INVALID);
	CU_ASSERT_EQUAL(PARSE("{\"event_id\":'e1',\"type\":\"t\"}"),
	    WEBHOOK_INVALID);
	CU_ASSERT_EQUAL(PARSE("{\"event_id\":\"e1\",\"type\":\"t\",}"),
	    WEBHOOK_INVALID);
	CU_ASSERT_EQUAL(PARSE("{\"event_id\":\"e1\",/**/\"type\":\"t\"}"),
	    WEBHOOK_INVALID);
	CU_ASSERT_EQUAL(PARSE("{\"event_id\":\"e1\\u0000x\",\"type\":\"t\"}"),
	    WEBHOOK_INVALID);
	CU_ASSERT_EQUAL(PARSE("{\"event_id\":\"e\xff\",\"type\":\"t\"}"),
	    WEBHOOK_INVALID);
	CU_ASSERT_EQUAL(PARSE("[]"), WEBHOOK_INVALID);
}

/* Issue 7 item 26: a signed event is no reason to trust its booking. */
static void
test_webhook_parse_checks_the_booking_as_a_page_does(void)
{
	char	 err[256];

	CU_ASSERT_EQUAL(PARSE(EVENT("\"id\":\"../../x\",\"version\":0,"
	    "\"status\":\"ACCEPTED\",\"start_at\":\"2026-01-05T17:00:00Z\","
	    "\"appointment_segments\":[{\"duration_minutes\":30,"
	    "\"team_member_id\":\"TM1\"}]")), WEBHOOK_INVALID);
	CU_ASSERT_STRING_EQUAL(err, "data.object.booking: id is missing or "
	    "malformed");
	CU_ASSERT_EQUAL(PARSE(EVENT("\"id\":\"b1\",\"version\":null,"
	    "\"status\":\"ACCEPTED\",\"start_at\":\"2026-01-05T17:00:00Z\","
	    "\"appointment_segments\":[{\"duration_minutes\":30,"
	    "\"team_member_id\":\"TM1\"}]")), WEBHOOK_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "version"));
	CU_ASSERT_EQUAL(PARSE(EVENT("\"id\":\"b1\",\"status\":\"ACCEPTED\","
	    "\"start_at\":\"2026-01-05T17:00:00Z\","
	    "\"appointment_segments\":[{\"duration_minutes\":30,"
	    "\"team_member_id\":\"TM1\"}]")), WEBHOOK_INVALID);
	CU_ASSERT_EQUAL(PARSE(EVENT("\"id\":\"b1\",\"version\":2,"
	    "\"status\":\"ACCEPTED\",\"start_at\":\"2026-01-05T17:00:00Z\","
	    "\"appointment_segments\":null")), WEBHOOK_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "appointment_segments"));
	CU_ASSERT_EQUAL(PARSE(EVENT("\"id\":\"b1\",\"version\":2,"
	    "\"status\":\"ACCEPTED\",\"start_at\":\"2026-01-05T17:00:00Z\","
	    "\"customer_id\":\"a b\",\"appointment_segments\":[{"
	    "\"duration_minutes\":30,\"team_member_id\":\"TM1\"}]")),
	    WEBHOOK_INVALID);
	CU_ASSERT_EQUAL(PARSE(EVENT("\"id\":\"b1\",\"version\":2,"
	    "\"status\":\"ACCEPTED\",\"start_at\":\"2026-01-05T17:00:00Z\","
	    "\"appointment_segments\":[{\"duration_minutes\":null,"
	    "\"team_member_id\":\"TM1\"}]")), WEBHOOK_INVALID);
	/* The message is written on every refusal. */
	CU_ASSERT(err[0] != '\0');
}

static CU_TestInfo tests[] = {
	{ "signature matches square-api.md's vector",
	    test_webhook_signature_matches_square_vector },
	{ "signature covers len bytes of the body",
	    test_webhook_signature_uses_len_bytes_of_body },
	{ "signature fails on any changed body byte",
	    test_webhook_signature_fails_on_changed_body },
	{ "signature fails on another URL",
	    test_webhook_signature_fails_on_other_url },
	{ "signature key is plain bytes, not base64",
	    test_webhook_signature_key_is_not_base64_decoded },
	{ "signature refuses empty body, key, header",
	    test_webhook_signature_refuses_empty_inputs },
	{ "signature refuses altered headers",
	    test_webhook_signature_refuses_altered_headers },
	{ "parse reads a booking event",
	    test_webhook_parse_reads_a_booking_event },
	{ "parse refuses trailing bytes",
	    test_webhook_parse_refuses_trailing_bytes },
	{ "parse refuses lenient JSON",
	    test_webhook_parse_refuses_lenient_json },
	{ "parse checks the booking as a page does",
	    test_webhook_parse_checks_the_booking_as_a_page_does },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "webhook", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return testmain_run(suites);
}
