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
