/*
 * lib/http.c: query strings, ids, ETags, the secret compare, the request
 * parsed through a fake struct http_io (CGI variables from a table, the
 * body from a buffer) and the answer written into a buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmain.h"
#include "http.h"

/* ---- a fake CGI/FastCGI connection -------------------------------- */

struct fake {
	const char	*const *vars;	/* name, value, ..., NULL */
	const char	*body;
	size_t		 bodylen, off;
	size_t		 chunk;		/* at most this much per read */
	size_t		 reads;		/* read calls made */
	char		 out[4096];
	size_t		 outlen;
	int		 fail_write;
};

static const char *
fake_param(void *ctx, const char *name)
{
	const struct fake	*f = ctx;
	size_t			 i;

	for (i = 0; f->vars[i] != NULL; i += 2)
		if (strcmp(f->vars[i], name) == 0)
			return f->vars[i + 1];
	return NULL;
}

static size_t
fake_read(void *ctx, char *buf, size_t n)
{
	struct fake	*f = ctx;

	f->reads++;
	if (n > f->bodylen - f->off)
		n = f->bodylen - f->off;
	if (f->chunk > 0 && n > f->chunk)
		n = f->chunk;
	memcpy(buf, f->body + f->off, n);
	f->off += n;
	return n;
}

static int
fake_write(void *ctx, const char *buf, size_t n)
{
	struct fake	*f = ctx;

	if (f->fail_write || n >= sizeof(f->out) - f->outlen)
		return -1;
	memcpy(f->out + f->outlen, buf, n);
	f->outlen += n;
	f->out[f->outlen] = '\0';
	return 0;
}

static void
fake_init(struct fake *f, struct http_io *io, const char *const *vars,
    const char *body)
{
	memset(f, 0, sizeof(*f));
	f->vars = vars;
	f->body = body != NULL ? body : "";
	f->bodylen = strlen(f->body);
	io->ctx = f;
	io->param = fake_param;
	io->read = fake_read;
	io->write = fake_write;
}

/* Parse q into a fresh request; the status (0 or 400). */
static int
query(struct http_req *req, const char *q)
{
	char	 err[128] = "";
	int	 r;

	memset(req, 0, sizeof(*req));
	r = http_query_parse(req, q, err, sizeof(err));
	if (r != 0)
		CU_ASSERT(err[0] != '\0');	/* a reason for the person */
	return r;
}

/* ---- query strings ------------------------------------------------ */

static void
test_http_query_decodes_escapes_and_plus(void)
{
	struct http_req	 req;

	CU_ASSERT_EQUAL_FATAL(query(&req, "start=2026-11-02&q=a%20b+c"
	    "&x=%41%6a&k%5Fy=%2F%3F%26%3D"), 0);
	CU_ASSERT_EQUAL(req.nparams, 4);
	CU_ASSERT_STRING_EQUAL(http_param(&req, "start"), "2026-11-02");
	CU_ASSERT_STRING_EQUAL(http_param(&req, "q"), "a b c");
	CU_ASSERT_STRING_EQUAL(http_param(&req, "x"), "Aj");
	CU_ASSERT_STRING_EQUAL(http_param(&req, "k_y"), "/?&=");
	http_req_clear(&req);
}

static void
test_http_query_empty_parts_and_values(void)
{
	struct http_req	 req;

	CU_ASSERT_EQUAL_FATAL(query(&req, "dryRun&to=&&from=2026-01-01&"), 0);
	CU_ASSERT_EQUAL(req.nparams, 3);
	CU_ASSERT_STRING_EQUAL(http_param(&req, "dryRun"), "");
	CU_ASSERT_STRING_EQUAL(http_param(&req, "to"), "");
	CU_ASSERT_STRING_EQUAL(http_param(&req, "from"), "2026-01-01");
	http_req_clear(&req);
	CU_ASSERT_EQUAL(query(&req, NULL), 0);
	CU_ASSERT_EQUAL(req.nparams, 0);
	CU_ASSERT_EQUAL(query(&req, ""), 0);
	CU_ASSERT_EQUAL(req.nparams, 0);
}

static void
test_http_query_rejects_bad_escapes(void)
{
	const char	*bad[] = { "a=%zz", "a=%4", "a=%", "a=%g0", "a=1%",
	    "%=1", "a=%%41", "a=%4G", NULL };
	struct http_req	 req;
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		if (query(&req, bad[i]) != 400)
			CU_FAIL(bad[i]);
		http_req_clear(&req);
	}
}

static void
test_http_query_refuses_nul_and_controls(void)
{
	const char	*bad[] = { "a=%00", "a=x%00y", "%00=1", "a=%0A",
	    "a=%0d%0aSet-Cookie:x", "a=%7F", "a=%1b", NULL };
	struct http_req	 req;
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		if (query(&req, bad[i]) != 400)
			CU_FAIL(bad[i]);
		http_req_clear(&req);
	}
	/* Non-ASCII (UTF-8) is fine. */
	CU_ASSERT_EQUAL(query(&req, "name=Jos%C3%A9"), 0);
	CU_ASSERT_STRING_EQUAL(http_param(&req, "name"), "Jos\xc3\xa9");
	http_req_clear(&req);
}

static void
test_http_query_refuses_duplicates_and_empty_keys(void)
{
	struct http_req	 req;

	CU_ASSERT_EQUAL(query(&req, "start=2026-01-01&start=2026-02-01"), 400);
	http_req_clear(&req);
	/* The same key once decoded. */
	CU_ASSERT_EQUAL(query(&req, "to=1&t%6F=2"), 400);
	http_req_clear(&req);
	CU_ASSERT_EQUAL(query(&req, "=value"), 400);
	http_req_clear(&req);
	/* Keys are case-sensitive: two different keys. */
	CU_ASSERT_EQUAL(query(&req, "to=1&To=2"), 0);
	http_req_clear(&req);
}

static void
test_http_query_bounds_count_and_length(void)
{
	char		 q[HTTP_QUERY_MAX + 2];
	struct http_req	 req;
	size_t		 i, len = 0;

	for (i = 0; i < HTTP_PARAMS_MAX; i++)
		len += (size_t)snprintf(q + len, sizeof(q) - len, "%sp%zu=1",
		    i == 0 ? "" : "&", i);
	CU_ASSERT_EQUAL(query(&req, q), 0);
	CU_ASSERT_EQUAL(req.nparams, HTTP_PARAMS_MAX);
	http_req_clear(&req);
	snprintf(q + len, sizeof(q) - len, "&one=more");
	CU_ASSERT_EQUAL(query(&req, q), 400);
	http_req_clear(&req);

	/* Exactly HTTP_QUERY_MAX bytes is fine; one more is not. */
	memset(q, 'v', HTTP_QUERY_MAX);
	memcpy(q, "k=", 2);
	q[HTTP_QUERY_MAX] = '\0';
	CU_ASSERT_EQUAL(query(&req, q), 0);
	CU_ASSERT_EQUAL(strlen(http_param(&req, "k")), HTTP_QUERY_MAX - 2);
	http_req_clear(&req);
	q[HTTP_QUERY_MAX] = 'v';
	q[HTTP_QUERY_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(query(&req, q), 400);
	http_req_clear(&req);
}

static void
test_http_param_by_exact_name(void)
{
	struct http_req	 req;

	CU_ASSERT_EQUAL_FATAL(query(&req, "start=2026-11-02&end=2026-11-08"),
	    0);
	CU_ASSERT_STRING_EQUAL(http_param(&req, "end"), "2026-11-08");
	CU_ASSERT_PTR_NULL(http_param(&req, "token"));
	CU_ASSERT_PTR_NULL(http_param(&req, "START"));
	http_req_clear(&req);
	CU_ASSERT_EQUAL(query(&req, NULL), 0);
	CU_ASSERT_PTR_NULL(http_param(&req, "start"));
}

/* ---- the parameter table (kcgi's kvalid) -------------------------- */

static const char *const kinds[] = { "before", "after", NULL };
static const struct http_pdef pdefs[] = {
	{ "start", HTTP_P_DATE, 0, 0, NULL },		/* 0 */
	{ "dryRun", HTTP_P_BOOL, 0, 0, NULL },	/* 1 */
	{ "limit", HTTP_P_INT, 1, 200, NULL },	/* 2 */
	{ "token", HTTP_P_STR, 0, 8, NULL },		/* 3 */
	{ "kind", HTTP_P_ENUM, 0, 0, kinds },		/* 4 */
	{ NULL, 0, 0, 0, NULL },
};

/* Check query q against pdefs: the status; err gets the message. */
static int
pcheck(struct http_req *req, const char *q, char *err, size_t errsz)
{
	CU_ASSERT_EQUAL_FATAL(query(req, q), 0);
	err[0] = '\0';
	return http_params_check(req, pdefs, err, errsz);
}

static void
test_http_params_check_parses_each_type(void)
{
	struct http_req	 req;
	char		 err[256];

	CU_ASSERT_EQUAL(pcheck(&req, "start=2026-11-02&dryRun=true&limit=20"
	    "&token=abc", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(req.values[0].date.year, 2026);
	CU_ASSERT_EQUAL(req.values[0].date.day, 2);
	CU_ASSERT_STRING_EQUAL(req.values[0].s, "2026-11-02");
	CU_ASSERT_EQUAL(req.values[1].i, 1);
	CU_ASSERT_EQUAL(req.values[2].i, 20);
	CU_ASSERT_STRING_EQUAL(req.values[3].s, "abc");
	http_req_clear(&req);
	CU_ASSERT_EQUAL(pcheck(&req, "kind=after", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(req.values[4].i, 1);
	http_req_clear(&req);
	/* Absent ones are NULL; 0 and false are values. */
	CU_ASSERT_EQUAL(pcheck(&req, "dryRun=0", err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(req.values[0].s);
	CU_ASSERT_PTR_NOT_NULL(req.values[1].s);
	CU_ASSERT_EQUAL(req.values[1].i, 0);
	CU_ASSERT_PTR_NULL(req.values[2].s);
	http_req_clear(&req);
	/* No table: no parameters at all. */
	CU_ASSERT_EQUAL(query(&req, NULL), 0);
	CU_ASSERT_EQUAL(http_params_check(&req, NULL, err, sizeof(err)), 0);
	http_req_clear(&req);
}

/* Each refusal is a 400 whose message names the parameter. */
static void
test_http_params_check_names_the_bad_parameter(void)
{
	static const struct {
		const char	*q;
		const char	*name;
	} bad[] = {
		{ "start=2026-02-30", "start" },
		{ "start=26-11-02", "start" },
		{ "dryRun=maybe", "dryRun" },
		{ "dryRun=", "dryRun" },
		{ "limit=0", "limit" },
		{ "limit=201", "limit" },
		{ "limit=x", "limit" },
		{ "limit=", "limit" },
		/* Issue 7 item 28: digits only, no space, sign or hex. */
		{ "limit=%205", "limit" },
		{ "limit=%2B5", "limit" },
		{ "limit=+5", "limit" },
		{ "limit=-5", "limit" },
		{ "limit=5%20", "limit" },
		{ "limit=0x10", "limit" },
		{ "limit=99999999999999999999", "limit" },
		{ "token=123456789", "token" },
		{ "kind=selfie", "before or after" },
		{ "kind=", "kind" },
		{ "week=1", "week" },
		{ "start=2026-11-02&Limit=5", "Limit" },
	};
	struct http_req	 req;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pcheck(&req, bad[i].q, err, sizeof(err)) != 400 ||
		    strstr(err, bad[i].name) == NULL) {
			fprintf(stderr, "\n  %s: \"%s\"\n", bad[i].q, err);
			CU_FAIL("not a 400 naming the parameter");
		}
		http_req_clear(&req);
	}
	/* An unknown one is named with those the endpoint takes. */
	CU_ASSERT_EQUAL(pcheck(&req, "week=1", err, sizeof(err)), 400);
	CU_ASSERT_STRING_EQUAL(err, "unknown query parameter \"week\"; use "
	    "start, dryRun, limit, token or kind");
	http_req_clear(&req);
	CU_ASSERT_EQUAL(query(&req, "x=1"), 0);
	CU_ASSERT_EQUAL(http_params_check(&req, NULL, err, sizeof(err)), 400);
	CU_ASSERT_STRING_EQUAL(err, "unknown query parameter \"x\"; this "
	    "endpoint takes none");
	http_req_clear(&req);
	/* A name that is not safe to repeat is not repeated. */
	CU_ASSERT_EQUAL(pcheck(&req, "%FF%FE=1", err, sizeof(err)), 400);
	CU_ASSERT_PTR_NULL(strchr(err, '\xff'));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown query parameter"));
	http_req_clear(&req);
}

static void
test_http_allow_from_methods(void)
{
	char	 buf[64];

	http_allow(HTTP_M(HTTP_GET), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "GET, HEAD");
	http_allow(HTTP_M(HTTP_GET) | HTTP_M(HTTP_PATCH), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "GET, HEAD, PATCH");
	http_allow(HTTP_M(HTTP_POST) | HTTP_M(HTTP_DELETE), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "POST, DELETE");
	http_allow(0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");
}

/* ---- ids, ETags, secrets ------------------------------------------ */

static void
test_http_valid_id_accepts_1_to_64_safe_chars(void)
{
	char	 id[80];

	CU_ASSERT_EQUAL(http_valid_id("a"), 1);
	CU_ASSERT_EQUAL(http_valid_id("Zq9_-x"), 1);
	CU_ASSERT_EQUAL(http_valid_id("AbCdEfGhIjKlMnOpQrStUv"), 1);
	memset(id, 'x', 64);
	id[64] = '\0';
	CU_ASSERT_EQUAL(http_valid_id(id), 1);
	id[64] = 'x';
	id[65] = '\0';
	CU_ASSERT_EQUAL(http_valid_id(id), 0);
}

static void
test_http_valid_id_refuses_other_characters(void)
{
	const char	*bad[] = { "", "a/b", "/", "a.b", "..", ".", "a%2F",
	    "%41", "a b", "a+b", "a\nb", "Jos\xc3\xa9", "a?x=1", "a;b",
	    "a\\b", NULL };
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++)
		if (http_valid_id(bad[i]) != 0)
			CU_FAIL(bad[i]);
}

static void
test_http_etag_match_forms(void)
{
	CU_ASSERT_EQUAL(http_etag_match("\"3\"", "\"3\""), 1);
	CU_ASSERT_EQUAL(http_etag_match("W/\"3\"", "\"3\""), 1);
	CU_ASSERT_EQUAL(http_etag_match("\"3\"", "W/\"3\""), 1);
	CU_ASSERT_EQUAL(http_etag_match("\"1\", \"2\",\"3\"", "\"3\""), 1);
	CU_ASSERT_EQUAL(http_etag_match("\"1\" ,\tW/\"3\" ", "\"3\""), 1);
	CU_ASSERT_EQUAL(http_etag_match("*", "\"3\""), 1);
	CU_ASSERT_EQUAL(http_etag_match("\"c7-2026-11-02-2026-11-08-20000\"",
	    "\"c7-2026-11-02-2026-11-08-20000\""), 1);
}

static void
test_http_etag_mismatch_and_null(void)
{
	CU_ASSERT_EQUAL(http_etag_match("\"33\"", "\"3\""), 0);
	CU_ASSERT_EQUAL(http_etag_match("\"3\"", "\"33\""), 0);
	CU_ASSERT_EQUAL(http_etag_match("3", "\"3\""), 0);
	CU_ASSERT_EQUAL(http_etag_match("\"3", "\"3\""), 0);
	CU_ASSERT_EQUAL(http_etag_match("\"1\", \"2\"", "\"3\""), 0);
	CU_ASSERT_EQUAL(http_etag_match("", "\"3\""), 0);
	CU_ASSERT_EQUAL(http_etag_match(NULL, "\"3\""), 0);
	CU_ASSERT_EQUAL(http_etag_match("\"3\"", NULL), 0);
	CU_ASSERT_EQUAL(http_etag_match("\"3\"", ""), 0);
	CU_ASSERT_EQUAL(http_etag_match("\"c7-2026-11-02-2026-11-08-20000\"",
	    "\"c8-2026-11-02-2026-11-08-20000\""), 0);
}

static void
test_http_secret_equal(void)
{
	CU_ASSERT_EQUAL(http_secret_equal("s3cret-token", "s3cret-token"), 1);
	CU_ASSERT_EQUAL(http_secret_equal("s3cret-tokem", "s3cret-token"), 0);
	CU_ASSERT_EQUAL(http_secret_equal("s3cret", "s3cret-token"), 0);
	CU_ASSERT_EQUAL(http_secret_equal("s3cret-token-and-more",
	    "s3cret-token"), 0);
	CU_ASSERT_EQUAL(http_secret_equal("", "s3cret-token"), 0);
	CU_ASSERT_EQUAL(http_secret_equal(NULL, "s3cret-token"), 0);
	CU_ASSERT_EQUAL(http_secret_equal("s3cret-token", NULL), 0);
	CU_ASSERT_EQUAL(http_secret_equal(NULL, NULL), 0);
}

/* ---- the request -------------------------------------------------- */

static void
test_http_req_parse_get(void)
{
	static const char *const vars[] = {
		"REQUEST_METHOD", "GET",
		"REQUEST_URI", "/api/calendar?start=2026-11-02",
		"DOCUMENT_URI", "/wrong",
		"QUERY_STRING", "start=2026-11-02",
		"HTTP_IF_NONE_MATCH", "\"c7\"",
		"HTTP_HOST", "ops.example",
		"HTTP_ORIGIN", "https://ops.example",
		"HTTP_AUTHORIZATION", "Bearer t0k",
		"REMOTE_USER", "alice",
		"HTTPS", "on",
		"HTTP_COOKIE", "ignored=1",
		NULL
	};
	struct http_req	 req;
	struct http_io	 io;
	struct fake	 f;
	char		 err[128];

	fake_init(&f, &io, vars, NULL);
	CU_ASSERT_EQUAL_FATAL(http_req_parse(&req, &io, 0, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(req.method, HTTP_GET);
	CU_ASSERT_STRING_EQUAL(req.path, "/api/calendar");
	CU_ASSERT_STRING_EQUAL(http_param(&req, "start"), "2026-11-02");
	CU_ASSERT_STRING_EQUAL(req.headers[HDR_IF_NONE_MATCH], "\"c7\"");
	CU_ASSERT_STRING_EQUAL(req.headers[HDR_HOST], "ops.example");
	CU_ASSERT_STRING_EQUAL(req.headers[HDR_ORIGIN], "https://ops.example");
	CU_ASSERT_STRING_EQUAL(req.headers[HDR_AUTHORIZATION], "Bearer t0k");
	/* Copies, not pointers into the server's variables. */
	CU_ASSERT(req.headers[HDR_HOST] != vars[11]);
	CU_ASSERT_PTR_NULL(req.headers[HDR_CONTENT_TYPE]);
	CU_ASSERT_PTR_NULL(req.headers[HDR_IF_MATCH]);
	CU_ASSERT_PTR_NULL(req.headers[HDR_SQUARE_SIGNATURE]);
	CU_ASSERT_STRING_EQUAL(req.remote_user, "alice");
	CU_ASSERT_STRING_EQUAL(req.scheme, "https");
	CU_ASSERT_PTR_NULL(req.body);
	CU_ASSERT_EQUAL(f.reads, 0);
	http_req_clear(&req);
}

static void
test_http_req_parse_defaults_without_variables(void)
{
	static const char *const none[] = { NULL };
	static const char *const doc[] = {
		"REQUEST_METHOD", "BREW", "DOCUMENT_URI", "/api/health", NULL
	};
	struct http_req	 req;
	struct http_io	 io;
	struct fake	 f;
	char		 err[128];

	fake_init(&f, &io, none, NULL);
	CU_ASSERT_EQUAL_FATAL(http_req_parse(&req, &io, 1, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(req.method, HTTP_OTHER);
	CU_ASSERT_STRING_EQUAL(req.path, "/");
	CU_ASSERT_STRING_EQUAL(req.remote_user, "");
	CU_ASSERT_STRING_EQUAL(req.scheme, "http");
	CU_ASSERT_EQUAL(req.nparams, 0);
	CU_ASSERT_EQUAL(req.bodylen, 0);
	http_req_clear(&req);

	fake_init(&f, &io, doc, NULL);
	CU_ASSERT_EQUAL_FATAL(http_req_parse(&req, &io, 0, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(req.method, HTTP_OTHER);
	CU_ASSERT_STRING_EQUAL(req.path, "/api/health");
	http_req_clear(&req);
}

static void
test_http_req_parse_reads_body_in_pieces(void)
{
	static const char *const vars[] = {
		"REQUEST_METHOD", "PATCH",
		"REQUEST_URI", "/api/jobs/Ab_9",
		"CONTENT_TYPE", "application/json",
		"CONTENT_LENGTH", "33",
		"HTTP_IF_MATCH", "\"4\"",
		NULL
	};
	const char	*body = "{\"notes\":\"Left rear tyre is low\"}";
	struct http_req	 req;
	struct http_io	 io;
	struct fake	 f;
	char		 err[128];

	CU_ASSERT_EQUAL_FATAL(strlen(body), 33);
	fake_init(&f, &io, vars, body);
	f.chunk = 5;
	CU_ASSERT_EQUAL_FATAL(http_req_parse(&req, &io, 1, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(req.method, HTTP_PATCH);
	CU_ASSERT_STRING_EQUAL(req.path, "/api/jobs/Ab_9");
	CU_ASSERT_STRING_EQUAL(req.headers[HDR_CONTENT_TYPE],
	    "application/json");
	CU_ASSERT_STRING_EQUAL(req.headers[HDR_IF_MATCH], "\"4\"");
	CU_ASSERT_EQUAL(req.bodylen, 33);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req.body);
	CU_ASSERT_STRING_EQUAL(req.body, body);		/* NUL-terminated */
	CU_ASSERT(f.reads >= 7);
	http_req_clear(&req);
}

static int
parse_with_length(const char *cl, const char *body, size_t *reads)
{
	const char	*vars[] = { "REQUEST_METHOD", "POST", "REQUEST_URI",
	    "/api/webhooks/square", "CONTENT_LENGTH", cl, NULL };
	struct http_req	 req;
	struct http_io	 io;
	struct fake	 f;
	char		 err[128] = "";
	int		 r;

	fake_init(&f, &io, vars, body);
	r = http_req_parse(&req, &io, 1, err, sizeof(err));
	if (r != 0)
		CU_ASSERT(err[0] != '\0');
	http_req_clear(&req);
	if (reads != NULL)
		*reads = f.reads;
	return r;
}

static void
test_http_req_parse_body_limits(void)
{
	char	 len[32], *big;
	size_t	 reads = 99;

	/* Over the limit: 413 before reading anything. */
	snprintf(len, sizeof(len), "%d", HTTP_BODY_MAX + 1);
	CU_ASSERT_EQUAL(parse_with_length(len, "{}", &reads), 413);
	CU_ASSERT_EQUAL(reads, 0);
	CU_ASSERT_EQUAL(parse_with_length("99999999999", "{}", NULL), 413);

	/* Exactly the limit is read whole. */
	CU_ASSERT_FATAL((big = malloc(HTTP_BODY_MAX + 1)) != NULL);
	memset(big, ' ', HTTP_BODY_MAX);
	big[HTTP_BODY_MAX] = '\0';
	snprintf(len, sizeof(len), "%d", HTTP_BODY_MAX);
	CU_ASSERT_EQUAL(parse_with_length(len, big, NULL), 0);
	free(big);

	/* The body ends before its Content-Length. */
	CU_ASSERT_EQUAL(parse_with_length("10", "{}", NULL), 400);
	/* No Content-Length, or empty: no body. */
	CU_ASSERT_EQUAL(parse_with_length("", "", NULL), 0);
	CU_ASSERT_EQUAL(parse_with_length("0", "", NULL), 0);
}

static void
test_http_req_parse_malformed_content_length(void)
{
	const char	*bad[] = { "abc", "-1", "12abc", "2 ", "0x10", "2.0",
	    "99999999999999999999999", NULL };
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++)
		if (parse_with_length(bad[i], "{}", NULL) != 400)
			CU_FAIL(bad[i]);
}

static void
test_http_req_parse_bounds_path_headers_user_query(void)
{
	char		 path[HTTP_PATH_MAX + 2], hdr[HTTP_HEADER_MAX + 2];
	char		 user[200], err[128];
	const char	*vars[] = { "REQUEST_METHOD", "GET", "REQUEST_URI", path,
	    NULL, NULL, NULL };
	struct http_req	 req;
	struct http_io	 io;
	struct fake	 f;

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';			/* one byte too long */
	fake_init(&f, &io, vars, NULL);
	CU_ASSERT_EQUAL(http_req_parse(&req, &io, 0, err, sizeof(err)), 400);
	http_req_clear(&req);
	path[HTTP_PATH_MAX] = '\0';			/* just fits */
	CU_ASSERT_EQUAL(http_req_parse(&req, &io, 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(req.path), HTTP_PATH_MAX);
	http_req_clear(&req);
	/* The query does not count against the path. */
	snprintf(path, sizeof(path), "/api/calendar?%0400d", 0);
	CU_ASSERT_EQUAL(http_req_parse(&req, &io, 0, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(req.path, "/api/calendar");
	http_req_clear(&req);

	memset(hdr, 'h', sizeof(hdr) - 1);
	hdr[sizeof(hdr) - 1] = '\0';
	vars[4] = "HTTP_IF_MATCH";
	vars[5] = hdr;
	CU_ASSERT_EQUAL(http_req_parse(&req, &io, 0, err, sizeof(err)), 400);
	http_req_clear(&req);

	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	vars[4] = "REMOTE_USER";
	vars[5] = user;
	CU_ASSERT_EQUAL(http_req_parse(&req, &io, 0, err, sizeof(err)), 400);
	http_req_clear(&req);

	vars[4] = "QUERY_STRING";
	vars[5] = "a=1&a=2";
	CU_ASSERT_EQUAL(http_req_parse(&req, &io, 0, err, sizeof(err)), 400);
	http_req_clear(&req);
}

/* ---- the answer --------------------------------------------------- */

/* The body after the blank line, and the head before it. */
static const char *
split(struct fake *f)
{
	char	*sep = strstr(f->out, "\r\n\r\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(sep);
	sep[2] = '\0';				/* keep the head's last CRLF */
	return sep + 4;
}

static void
test_http_resp_write_200_with_headers(void)
{
	static const char *const none[] = { NULL };
	struct http_resp resp;
	struct http_io	 io;
	struct fake	 f;
	const char	*body;
	char		 cl[64];

	memset(&resp, 0, sizeof(resp));
	http_ok(&resp, 200, json_tokener_parse("{\"id\":\"j1\",\"version\":5}"));
	snprintf(resp.etag, sizeof(resp.etag), "\"5\"");
	resp.poll_ms = 20000;
	fake_init(&f, &io, none, NULL);
	CU_ASSERT_EQUAL_FATAL(http_resp_write(&io, &resp, 0), 0);
	body = split(&f);
	CU_ASSERT_EQUAL(strncmp(f.out, "Status: 200 OK\r\n", 16), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out,
	    "\r\nContent-Type: application/json; charset=utf-8\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "\r\nETag: \"5\"\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out,
	    "\r\nX-Poll-Interval-Ms: 20000\r\n"));
	CU_ASSERT_PTR_NULL(strstr(f.out, "Allow:"));
	CU_ASSERT_STRING_EQUAL(body,
	    "{\"success\":true,\"data\":{\"id\":\"j1\",\"version\":5}}");
	snprintf(cl, sizeof(cl), "\r\nContent-Length: %zu\r\n", strlen(body));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, cl));
	http_resp_clear(&resp);
}

static void
test_http_resp_write_405_allow_and_no_optional_headers(void)
{
	static const char *const none[] = { NULL };
	struct http_resp resp;
	struct http_io	 io;
	struct fake	 f;

	memset(&resp, 0, sizeof(resp));
	http_error(&resp, 405, "method_not_allowed", "No.", NULL);
	snprintf(resp.allow, sizeof(resp.allow), "GET, PATCH");
	fake_init(&f, &io, none, NULL);
	CU_ASSERT_EQUAL_FATAL(http_resp_write(&io, &resp, 0), 0);
	split(&f);
	CU_ASSERT_EQUAL(strncmp(f.out, "Status: 405 Method Not Allowed\r\n",
	    32), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "\r\nAllow: GET, PATCH\r\n"));
	CU_ASSERT_PTR_NULL(strstr(f.out, "ETag:"));
	CU_ASSERT_PTR_NULL(strstr(f.out, "X-Poll-Interval-Ms:"));
	http_resp_clear(&resp);
}

static void
test_http_resp_write_304_has_no_body(void)
{
	static const char *const none[] = { NULL };
	struct http_resp resp;
	struct http_io	 io;
	struct fake	 f;
	const char	*body;

	memset(&resp, 0, sizeof(resp));
	http_ok(&resp, 200, json_object_new_object());
	resp.status = 304;
	snprintf(resp.etag, sizeof(resp.etag), "\"7\"");
	fake_init(&f, &io, none, NULL);
	CU_ASSERT_EQUAL_FATAL(http_resp_write(&io, &resp, 0), 0);
	body = split(&f);
	CU_ASSERT_EQUAL(strncmp(f.out, "Status: 304 Not Modified\r\n", 26), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "\r\nETag: \"7\"\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "\r\nContent-Length: 0\r\n"));
	CU_ASSERT_STRING_EQUAL(body, "");
	http_resp_clear(&resp);
}

static void
test_http_resp_write_head_keeps_length_drops_body(void)
{
	static const char *const none[] = { NULL };
	struct http_resp resp;
	struct http_io	 io;
	struct fake	 f;
	const char	*body;

	memset(&resp, 0, sizeof(resp));
	/* An already-serialised body (the calendar cache) is sent as is. */
	resp.status = 200;
	resp.raw = strdup("{\"success\":true,\"data\":[]}");
	resp.rawlen = strlen(resp.raw);
	fake_init(&f, &io, none, NULL);
	CU_ASSERT_EQUAL_FATAL(http_resp_write(&io, &resp, 1), 0);
	body = split(&f);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.out, "\r\nContent-Length: 26\r\n"));
	CU_ASSERT_STRING_EQUAL(body, "");

	fake_init(&f, &io, none, NULL);
	CU_ASSERT_EQUAL_FATAL(http_resp_write(&io, &resp, 0), 0);
	body = split(&f);
	CU_ASSERT_STRING_EQUAL(body, "{\"success\":true,\"data\":[]}");
	http_resp_clear(&resp);
	CU_ASSERT_PTR_NULL(resp.raw);
}

static void
test_http_resp_write_reports_write_failure(void)
{
	static const char *const none[] = { NULL };
	struct http_resp resp;
	struct http_io	 io;
	struct fake	 f;

	memset(&resp, 0, sizeof(resp));
	http_ok(&resp, 200, NULL);
	fake_init(&f, &io, none, NULL);
	f.fail_write = 1;
	CU_ASSERT_EQUAL(http_resp_write(&io, &resp, 0), -1);
	http_resp_clear(&resp);
}

static void
test_http_ok_and_error_envelopes(void)
{
	struct http_resp resp;
	struct json_object *data;

	memset(&resp, 0, sizeof(resp));
	http_ok(&resp, 200, json_object_new_int(42));
	CU_ASSERT_EQUAL(resp.status, 200);
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(resp.json,
	    JSON_C_TO_STRING_PLAIN), "{\"success\":true,\"data\":42}");

	/* A second envelope replaces (and frees) the first. */
	http_error(&resp, 404, "not_found", "No job has this id.", NULL);
	CU_ASSERT_EQUAL(resp.status, 404);
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(resp.json,
	    JSON_C_TO_STRING_PLAIN), "{\"success\":false,\"error\":"
	    "{\"code\":\"not_found\",\"message\":\"No job has this id.\"}}");

	data = json_object_new_object();
	json_object_object_add(data, "version", json_object_new_int(9));
	http_error(&resp, 409, "version_conflict", "Changed \"elsewhere\".",
	    data);
	CU_ASSERT_EQUAL(resp.status, 409);
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(resp.json,
	    JSON_C_TO_STRING_PLAIN), "{\"success\":false,\"error\":"
	    "{\"code\":\"version_conflict\",\"message\":"
	    "\"Changed \\\"elsewhere\\\".\"},\"data\":{\"version\":9}}");
	http_resp_clear(&resp);
	CU_ASSERT_PTR_NULL(resp.json);
	CU_ASSERT_EQUAL(resp.status, 0);
}

/*
 * Issue 7 item 17: the error buffer the caller sends as the message is
 * always a string, whatever came of the parse (it starts as garbage
 * here, as an uninitialised buffer on the stack would).
 */
static void
test_http_req_parse_always_writes_the_error_buffer(void)
{
	static const char *const ok[] = { "REQUEST_METHOD", "GET",
	    "REQUEST_URI", "/api/health", NULL };
	static const char *const bad[] = { "REQUEST_METHOD", "PATCH",
	    "REQUEST_URI", "/api/jobs/a", "CONTENT_LENGTH", "x1", NULL };
	struct http_req	 req;
	struct http_io	 io;
	struct fake	 f;
	char		 err[64];

	memset(err, 'X', sizeof(err));
	fake_init(&f, &io, ok, NULL);
	CU_ASSERT_EQUAL(http_req_parse(&req, &io, 1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(err[0], '\0');
	http_req_clear(&req);

	memset(err, 'X', sizeof(err));
	fake_init(&f, &io, bad, "{}");
	CU_ASSERT_EQUAL(http_req_parse(&req, &io, 1, err, sizeof(err)), 400);
	CU_ASSERT_PTR_NOT_NULL(memchr(err, '\0', sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err, "malformed Content-Length");
	http_req_clear(&req);

	memset(err, 'X', sizeof(err));
	CU_ASSERT_EQUAL(http_req_read_body(&req, &io, err, sizeof(err)), 400);
	CU_ASSERT_STRING_EQUAL(err, "malformed Content-Length");
	http_req_clear(&req);
}

static CU_TestInfo tests[] = {
	{ "request: the error buffer is always written",
	    test_http_req_parse_always_writes_the_error_buffer },
	{ "query: escapes and + decode", test_http_query_decodes_escapes_and_plus },
	{ "query: empty parts and values", test_http_query_empty_parts_and_values },
	{ "query: bad %-escapes refused", test_http_query_rejects_bad_escapes },
	{ "query: %00 and controls refused",
	    test_http_query_refuses_nul_and_controls },
	{ "query: duplicate and empty keys refused",
	    test_http_query_refuses_duplicates_and_empty_keys },
	{ "query: at most 16 params and 2048 bytes",
	    test_http_query_bounds_count_and_length },
	{ "param by its exact name", test_http_param_by_exact_name },
	{ "params_check parses each type",
	    test_http_params_check_parses_each_type },
	{ "params_check: a 400 names the bad parameter",
	    test_http_params_check_names_the_bad_parameter },
	{ "Allow from the route's methods", test_http_allow_from_methods },
	{ "valid_id: 1-64 of [A-Za-z0-9_-]",
	    test_http_valid_id_accepts_1_to_64_safe_chars },
	{ "valid_id: other characters refused",
	    test_http_valid_id_refuses_other_characters },
	{ "etag_match: exact, weak, lists, *", test_http_etag_match_forms },
	{ "etag_match: mismatch and NULL", test_http_etag_mismatch_and_null },
	{ "secret_equal", test_http_secret_equal },
	{ "req_parse: a GET with headers and user", test_http_req_parse_get },
	{ "req_parse: defaults without variables",
	    test_http_req_parse_defaults_without_variables },
	{ "req_parse: body read in pieces",
	    test_http_req_parse_reads_body_in_pieces },
	{ "req_parse: 413 over 64 KiB, 400 short body",
	    test_http_req_parse_body_limits },
	{ "req_parse: malformed Content-Length is 400",
	    test_http_req_parse_malformed_content_length },
	{ "req_parse: path, header, user and query bounds",
	    test_http_req_parse_bounds_path_headers_user_query },
	{ "resp_write: 200 with ETag and poll interval",
	    test_http_resp_write_200_with_headers },
	{ "resp_write: 405 with Allow",
	    test_http_resp_write_405_allow_and_no_optional_headers },
	{ "resp_write: 304 has no body", test_http_resp_write_304_has_no_body },
	{ "resp_write: HEAD keeps the length, drops the body",
	    test_http_resp_write_head_keeps_length_drops_body },
	{ "resp_write: a failed write is reported",
	    test_http_resp_write_reports_write_failure },
	{ "ok and error envelopes", test_http_ok_and_error_envelopes },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "http", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return testmain_run(suites);
}
