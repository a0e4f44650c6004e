/*
 * lib/json.c: the one strict JSON body parser (RFC 8259, UTF-8 per RFC
 * 3629, no NUL, no duplicate keys, bounded depth and values, nothing
 * after the value) and json_excerpt for messages.
 */
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "testmain.h"

/* Parse the literal s (its bytes, NULs included) with depth 32. */
#define PARSE(s, o, err)	json_body_parse((s), sizeof(s) - 1, 32, 0, \
				    (o), (err), sizeof(err))

static int
refused(const char *s, size_t len)
{
	struct json_object	*o = (struct json_object *)1;
	char			 err[160];
	size_t			 i;
	int			 rc;

	rc = json_body_parse(s, len, 32, 0, &o, err, sizeof(err));
	if (rc != JSON_BODY_INVALID || o != NULL) {
		if (rc == JSON_BODY_OK)
			json_object_put(o);
		return 0;
	}
	/* The message is plain ASCII: it never echoes the text. */
	for (i = 0; err[i] != '\0'; i++)
		if ((unsigned char)err[i] < 0x20 || (unsigned char)err[i] > 0x7e)
			return 0;
	return strncmp(err, "invalid JSON", 12) == 0;
}
#define REFUSED(s)	refused((s), sizeof(s) - 1)

static void
test_json_accepts_rfc8259_texts(void)
{
	static const char *const good[] = {
		"{}", "[]", " {\"a\":1} \r\n\t", "{\"a\":[1,-2,3.5,-0,1e5,"
		"2E-3,0.25e+2],\"b\":{\"c\":null,\"d\":true,\"e\":false}}",
		"\"x\"", "12", "-0.5", "true", "null",
		"{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}",
		"{\"k\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
		"[{\"a\":1},{\"a\":1}]",	/* the same key in two objects */
	};
	struct json_object	*o;
	char			 err[160];
	size_t			 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		o = NULL;
		CU_ASSERT_EQUAL(json_body_parse(good[i], strlen(good[i]), 32,
		    0, &o, err, sizeof(err)), JSON_BODY_OK);
		if (strcmp(good[i], "null") != 0)
			CU_ASSERT_PTR_NOT_NULL(o);
		json_object_put(o);
	}
	CU_ASSERT_EQUAL(PARSE("{\"n\":12,\"s\":\"\\u00e9\"}", &o, err),
	    JSON_BODY_OK);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(o, "n")),
	    12);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(
	    json_object_object_get(o, "s")), "\xc3\xa9");
	json_object_put(o);
}

/* What json-c's own strict mode lets through (issue 7 item 24). */
static void
test_json_refuses_what_json_c_strict_accepts(void)
{
	CU_ASSERT(REFUSED("{'a':1}"));			/* single quotes */
	CU_ASSERT(REFUSED("{\"a\":'x'}"));
	CU_ASSERT(REFUSED("{\"a\":NaN}"));
	CU_ASSERT(REFUSED("{\"a\":Infinity}"));
	CU_ASSERT(REFUSED("{\"a\":-Infinity}"));
	CU_ASSERT(REFUSED("{\"a\":1.}"));
	CU_ASSERT(REFUSED("{\"a\":\"x\ty\"}"));		/* raw tab */
	CU_ASSERT(REFUSED("{\"a\":\"x\ny\"}"));
	CU_ASSERT(REFUSED("{\"a\":\"\x1f\"}"));
	CU_ASSERT(REFUSED("{\"a\":1,\"a\":2}"));	/* duplicate key */
	CU_ASSERT(REFUSED("{\"a\":{\"b\":1,\"c\":2,\"b\":3}}"));
	CU_ASSERT(REFUSED("[{\"x\":1},{\"y\":1,\"y\":1}]"));
	CU_ASSERT(REFUSED("{\"event_id\":\"e1\",\"type\":\"t\","
	    "\"event_id\":\"e2\"}"));
}

static void
test_json_refuses_lenient_forms(void)
{
	CU_ASSERT(REFUSED("{/*c*/\"a\":1}"));		/* comments */
	CU_ASSERT(REFUSED("{\"a\":1}//c"));
	CU_ASSERT(REFUSED("{\"a\":1,}"));		/* trailing commas */
	CU_ASSERT(REFUSED("[1,]"));
	CU_ASSERT(REFUSED("[,1]"));
	CU_ASSERT(REFUSED("{\"year\":01999}"));		/* leading zeros */
	CU_ASSERT(REFUSED("{\"a\":-01}"));
	CU_ASSERT(REFUSED("{\"a\":.5}"));
	CU_ASSERT(REFUSED("{\"a\":+1}"));
	CU_ASSERT(REFUSED("{\"a\":1e}"));
	CU_ASSERT(REFUSED("{\"a\":0x10}"));
	CU_ASSERT(REFUSED("{\"a\":tRue}"));
	CU_ASSERT(REFUSED("{\"a\":nul}"));
	CU_ASSERT(REFUSED("{a:1}"));			/* bare keys */
	CU_ASSERT(REFUSED("{\"a\" 1}"));
	CU_ASSERT(REFUSED("{\"a\":\"\\x41\"}"));	/* unknown escape */
	CU_ASSERT(REFUSED("{\"a\":\"\\u12\"}"));
	CU_ASSERT(REFUSED("{\"a\":\"abc}"));		/* not closed */
	CU_ASSERT(REFUSED("\xef\xbb\xbf{}"));		/* a BOM */
}

static void
test_json_refuses_nul_in_strings(void)
{
	CU_ASSERT(REFUSED("{\"a\":\"abc\\u0000def\"}"));
	CU_ASSERT(REFUSED("{\"a\\u0000b\":1}"));	/* in a key */
	CU_ASSERT(REFUSED("{\"a\":\"abc\0def\"}"));	/* a raw NUL */
	CU_ASSERT(REFUSED("{\"a\":1}\0"));
	/* An escaped backslash before u0000 is no escape of a NUL. */
	CU_ASSERT_FALSE(REFUSED("{\"a\":\"\\\\u0000\"}"));
}

static void
test_json_refuses_invalid_utf8(void)
{
	CU_ASSERT(REFUSED("{\"a\":\"\xff\"}"));
	CU_ASSERT(REFUSED("{\"a\":\"\xc3\"}"));		/* cut short */
	CU_ASSERT(REFUSED("{\"a\":\"\xc3(\"}"));
	CU_ASSERT(REFUSED("{\"a\":\"\xc0\xaf\"}"));	/* overlong */
	CU_ASSERT(REFUSED("{\"a\":\"\xe0\x80\xaf\"}"));
	CU_ASSERT(REFUSED("{\"a\":\"\xf0\x80\x80\xaf\"}"));
	CU_ASSERT(REFUSED("{\"a\":\"\xed\xa0\x80\"}"));	/* a surrogate */
	CU_ASSERT(REFUSED("{\"a\":\"\xf4\x90\x80\x80\"}")); /* > U+10FFFF */
	CU_ASSERT(REFUSED("{\"a\":\"\xf5\x80\x80\x80\"}"));
	CU_ASSERT(REFUSED("{\"\xff\":1}"));		/* in a key */
	CU_ASSERT(REFUSED("{\"a\":\"\\ud800\"}"));	/* lone surrogates */
	CU_ASSERT(REFUSED("{\"a\":\"\\udc00\"}"));
	CU_ASSERT(REFUSED("{\"a\":\"\\ud800\\u0041\"}"));
	CU_ASSERT(REFUSED("{\"a\":1,\xff}"));		/* outside strings */
}

static void
test_json_refuses_anything_after_the_value(void)
{
	CU_ASSERT(REFUSED("{\"a\":1} x"));
	CU_ASSERT(REFUSED("{\"a\":1}{}"));
	CU_ASSERT(REFUSED("{\"a\":1}\x0b"));		/* not JSON space */
	CU_ASSERT(REFUSED("[1] ]"));
	CU_ASSERT(REFUSED(""));
	CU_ASSERT(REFUSED(" \n"));
	CU_ASSERT(REFUSED("{\"a\":1"));			/* ends early */
	CU_ASSERT(refused(NULL, 0));
}

static void
test_json_bounds_depth_and_values(void)
{
	struct json_object	*o;
	char			 err[160], deep[80];
	size_t			 i;

	/* depth 3: three containers nest, a fourth does not. */
	CU_ASSERT_EQUAL(json_body_parse("[[[1]]]", 7, 3, 0, &o, err,
	    sizeof(err)), JSON_BODY_OK);
	json_object_put(o);
	CU_ASSERT_EQUAL(json_body_parse("[[[[1]]]]", 9, 3, 0, &o, err,
	    sizeof(err)), JSON_BODY_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "deep"));
	CU_ASSERT_EQUAL(json_body_parse("{\"a\":{\"b\":{\"c\":{}}}}", 20, 3,
	    0, &o, err, sizeof(err)), JSON_BODY_INVALID);
	/* The default bound holds for any depth asked. */
	for (i = 0; i < 40; i++)
		deep[i] = '[';
	for (; i < 80; i++)
		deep[i] = ']';
	CU_ASSERT_EQUAL(json_body_parse(deep, 80, 1000, 0, &o, err,
	    sizeof(err)), JSON_BODY_INVALID);
	/* Values: [] counts one, each element one more. */
	CU_ASSERT_EQUAL(json_body_parse("[{},{},{}]", 10, 32, 4, &o, err,
	    sizeof(err)), JSON_BODY_OK);
	json_object_put(o);
	CU_ASSERT_EQUAL(json_body_parse("[{},{},{},{}]", 13, 32, 4, &o,
	    err, sizeof(err)), JSON_BODY_INVALID);
	CU_ASSERT_PTR_NULL(o);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too many values"));
}

/* Only len bytes count: the text need not be NUL-terminated. */
static void
test_json_reads_only_len_bytes(void)
{
	struct json_object	*o;
	char			 err[160];

	CU_ASSERT_EQUAL(json_body_parse("{\"a\":1}garbage", 7, 32, 0, &o,
	    err, sizeof(err)), JSON_BODY_OK);
	json_object_put(o);
	CU_ASSERT_EQUAL(json_body_parse("{\"a\":1}", 5, 32, 0, &o, err,
	    sizeof(err)), JSON_BODY_INVALID);
}

static void
test_json_message_names_the_offset(void)
{
	struct json_object	*o;
	char			 err[160];

	CU_ASSERT_EQUAL(PARSE("{\"a\":\"\xff\"}", &o, err),
	    JSON_BODY_INVALID);
	CU_ASSERT_STRING_EQUAL(err, "invalid JSON at byte 6: invalid UTF-8");
	CU_ASSERT_EQUAL(PARSE("{\"a\":\"x\\u0000\"}", &o, err),
	    JSON_BODY_INVALID);
	CU_ASSERT_STRING_EQUAL(err, "invalid JSON at byte 7: a NUL (\\u0000) "
	    "inside a string");
}

static void
test_json_excerpt_is_printable_utf8(void)
{
	char	 buf[8];

	CU_ASSERT_STRING_EQUAL(json_excerpt(buf, sizeof(buf), "abc"), "abc");
	CU_ASSERT_STRING_EQUAL(json_excerpt(buf, sizeof(buf), "a\xff\x01z"),
	    "a??z");
	/* Cut at a character boundary: "abcde" + the first byte of é is
	 * not kept alone. */
	CU_ASSERT_STRING_EQUAL(json_excerpt(buf, sizeof(buf),
	    "abcdef\xc3\xa9"), "abcdef");
	CU_ASSERT_STRING_EQUAL(json_excerpt(buf, sizeof(buf),
	    "ab\xc3\xa9"), "ab\xc3\xa9");
	CU_ASSERT_STRING_EQUAL(json_excerpt(buf, sizeof(buf),
	    "\xed\xa0\x80"), "???");
	CU_ASSERT_STRING_EQUAL(json_excerpt(buf, sizeof(buf), ""), "");
}

static CU_TestInfo tests[] = {
	{ "accepts RFC 8259 texts", test_json_accepts_rfc8259_texts },
	{ "refuses what json-c strict accepts",
	    test_json_refuses_what_json_c_strict_accepts },
	{ "refuses lenient forms", test_json_refuses_lenient_forms },
	{ "refuses NUL in strings", test_json_refuses_nul_in_strings },
	{ "refuses invalid UTF-8", test_json_refuses_invalid_utf8 },
	{ "refuses anything after the value",
	    test_json_refuses_anything_after_the_value },
	{ "bounds depth and values", test_json_bounds_depth_and_values },
	{ "reads only len bytes", test_json_reads_only_len_bytes },
	{ "message names the offset", test_json_message_names_the_offset },
	{ "excerpt is printable UTF-8", test_json_excerpt_is_printable_utf8 },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "json", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return testmain_run(suites);
}
