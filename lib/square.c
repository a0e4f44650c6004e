/*
 * Square client: the contract is in square.h.
 *
 * Reading order: the tables and limits, the transport (one curl handle,
 * the body buffer, Retry-After, one attempt, the retry loop), the JSON
 * helpers that check each field's type and length, then the booking,
 * page, customer and catalog parsers, and last the public calls.
 *
 * In square.h: max_retries < 0 means "no retries" (0 takes the default
 * 4); square_page_parse, square_customers_parse and square_names_parse
 * are exposed for the tests and the fuzz targets.
 *
 * Decisions where Square's documentation is silent:
 *  - ListBookings: an empty string cursor ends paging like null; an
 *    empty customer_note counts as no note (NULL).
 *  - BulkRetrieveCustomers: an id missing from "responses" is NOT_FOUND;
 *    a per-id error other than NOT_FOUND fails the whole call (marking
 *    the customer unknown could erase a good cached value).  Text fields
 *    longer than SQUARE_TEXT_MAX bytes are cut at a UTF-8 boundary.
 *  - BatchRetrieveCatalogObjects: NOT_FOUND errors inside a 200 are the
 *    unknown ids and are ignored; any other error fails the call.
 *  - The exponential backoff is capped at retry_after_cap_ms as well.
 *
 * Programs should call curl_global_init() once at start; otherwise the
 * first square_new does it implicitly (curl's rule, not thread-safe).
 *
 * Nothing here logs the token or a customer detail: messages carry the
 * operation name, HTTP status, Square's error code, field names, booking
 * ids and counts only.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "log.h"
#include "square.h"
#include "tz.h"

#define SQUARE_DEF_CONNECT_MS	 5000
#define SQUARE_DEF_TIMEOUT_MS	 30000
#define SQUARE_DEF_RETRIES	 4
#define SQUARE_RETRIES_MAX	 10
#define SQUARE_DEF_BACKOFF_MS	 500
#define SQUARE_DEF_RA_CAP_MS	 30000
#define SQUARE_DEF_MAX_BODY	 (8 * 1024 * 1024)
#define SQUARE_DEF_VERSION	 "2025-08-20"
#define SQUARE_URL_MAX		 1024	/* base URL */
#define SQUARE_VERSION_MAX	 32
#define SQUARE_CURSOR_MAX	 65536	/* Square's maxLength */
#define SQUARE_LIMIT_MAX	 10000	/* ListBookings limit, historical */
#define SQUARE_SEGMENT_MAX_MIN	 1500	/* minutes per segment or gap */
#define SQUARE_TEXT_MAX		 255	/* customer name parts, phone, e-mail */
#define SQUARE_ITEM_NAME_MAX	 512	/* Square's maxLength */
#define SQUARE_TIME_MAX		 64	/* an RFC 3339 string */
#define SQUARE_CODE_MAX		 64	/* an error code such as NOT_FOUND */
#define SQUARE_JSON_DEPTH	 32

/* The three operations: names for messages, paths, and their counters. */
enum square_op {
	OP_LIST,
	OP_CUSTOMERS,
	OP_CATALOG,
	OP__MAX
};

static const struct {
	const char	*name;		/* Square's operationId */
	const char	*path;
	size_t		 counter;	/* unsigned in struct square_stats */
} ops[OP__MAX] = {
	{ "ListBookings", "/v2/bookings",
	    offsetof(struct square_stats, list_calls) },	/* OP_LIST */
	{ "BulkRetrieveCustomers", "/v2/customers/bulk-retrieve",
	    offsetof(struct square_stats, customer_calls) },	/* OP_CUSTOMERS */
	{ "BatchRetrieveCatalogObjects", "/v2/catalog/batch-retrieve",
	    offsetof(struct square_stats, catalog_calls) },	/* OP_CATALOG */
};

/*
 * Transport errors that a retry cannot mend: configuration mistakes and
 * our own limits.  Every other curl error is retried.
 */
static const CURLcode square_fatal_curl[] = {
	CURLE_UNSUPPORTED_PROTOCOL,
	CURLE_URL_MALFORMAT,
	CURLE_NOT_BUILT_IN,
	CURLE_OUT_OF_MEMORY,
	CURLE_WRITE_ERROR,		/* our write callback said stop */
	CURLE_FILESIZE_EXCEEDED,	/* Content-Length over max_body */
	CURLE_BAD_FUNCTION_ARGUMENT,
	CURLE_UNKNOWN_OPTION,
	CURLE_PEER_FAILED_VERIFICATION,
	CURLE_SSL_CERTPROBLEM,
	CURLE_SSL_CIPHER,
	CURLE_SSL_CACERT_BADFILE,
	CURLE_SSL_ENGINE_NOTFOUND,
	CURLE_SSL_CRL_BADFILE,
	CURLE_SSL_ISSUER_ERROR,
};

/* What one attempt came to. */
enum square_attempt {
	ATTEMPT_OK,		/* a 2xx answer, body in the buffer */
	ATTEMPT_RETRY,		/* transport error, 429 or 5xx */
	ATTEMPT_FAIL,		/* anything else: do not retry */
};

struct square {
	CURL			*curl;		/* reused: keeps the connection */
	struct curl_slist	*get_headers;
	struct curl_slist	*post_headers;
	char			*base_url;	/* without a trailing '/' */
	long			 connect_timeout_ms;
	long			 timeout_ms;
	int			 max_retries;
	long			 backoff_base_ms;
	long			 retry_after_cap_ms;
	size_t			 max_body;
	time_t			 deadline;	/* 0: none */
	struct square_stats	 stats;
};

/* The answer of one attempt: its body and its Retry-After. */
struct square_buf {
	char		*data;		/* NUL-terminated, owned */
	size_t		 len;
	size_t		 cap;
	size_t		 max;		/* max_body */
	int		 over;		/* the body passed max */
	int		 nomem;
	long		 retry_after_ms; /* -1: none or not in seconds */
	long		 cap_ms;	/* retry_after_cap_ms */
};

/*
 * Append a formatted string to err (which already holds a message).
 */
static void	 square_errcat(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
square_errcat(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 len;

	if (errsz == 0)
		return;
	len = strnlen(err, errsz);
	if (len + 1 >= errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err + len, errsz - len, fmt, ap);
	va_end(ap);
}

/* Milliseconds on the wall clock (the deadline is a wall-clock time). */
static long long
square_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sleep ms milliseconds (resuming after signals), counted in wait_ms.
 */
static void
square_sleep(struct square *sq, long ms)
{
	struct timespec	 ts;
	int64_t		 start = tz_mono_ms();

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
	sq->stats.wait_ms += (long)(tz_mono_ms() - start);
}

int
square_valid_id(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

/* Whether s is an error code or status: A-Z, 0-9 and '_', 1..max bytes. */
static int
square_valid_code(const char *s, size_t len, size_t max)
{
	size_t	 i;

	if (len == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * curl write callback: collect the body, refuse past max bytes (curl then
 * stops with CURLE_WRITE_ERROR and b->over or b->nomem set).
 */
static size_t
square_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct square_buf	*b = arg;
	size_t			 len = size * nmemb, ncap;
	char			*np;

	if (len > b->max - b->len) {
		b->over = 1;
		return 0;
	}
	if (b->len + len + 1 > b->cap) {
		ncap = b->cap == 0 ? 16384 : b->cap;
		while (ncap < b->len + len + 1)
			ncap *= 2;
		if ((np = realloc(b->data, ncap)) == NULL) {
			b->nomem = 1;
			return 0;
		}
		b->data = np;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/*
 * curl header callback: note "Retry-After: <seconds>" (an HTTP-date is
 * ignored: backoff applies), capped at b->cap_ms.
 */
static size_t
square_header(char *p, size_t size, size_t nmemb, void *arg)
{
	static const char	 name[] = "retry-after:";
	struct square_buf	*b = arg;
	size_t			 len = size * nmemb, i;
	long long		 secs = 0;
	int			 digits = 0;

	if (len < sizeof(name) - 1 ||
	    strncasecmp(p, name, sizeof(name) - 1) != 0)
		return len;
	i = sizeof(name) - 1;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, digits++)
		if (secs < 1000000)
			secs = secs * 10 + (p[i] - '0');
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	if (digits == 0 || i != len)
		return len;
	b->retry_after_ms = secs * 1000 > b->cap_ms ? b->cap_ms :
	    (long)(secs * 1000);
	return len;
}

/*
 * Parse a whole JSON text of len bytes (need not be NUL-terminated):
 * strict, UTF-8 checked, depth-limited, nothing but white space after the
 * value.  Returns the owned object, or NULL.
 */
static struct json_object *
square_json_parse(const char *body, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	size_t			 end;

	if (body == NULL || len == 0 || len > INT_MAX - 1)
		return NULL;
	if ((tok = json_tokener_new_ex(SQUARE_JSON_DEPTH)) == NULL)
		return NULL;
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		json_tokener_free(tok);
		return NULL;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (body[end] != ' ' && body[end] != '\t' &&
		    body[end] != '\r' && body[end] != '\n') {
			json_object_put(o);
			o = NULL;
			break;
		}
	json_tokener_free(tok);
	return o;
}

/*
 * Look up key in o: a string of at most max bytes without a NUL inside.
 * Returns 1 and sets *s (borrowed from o) and *len, 0 if absent or null,
 * -1 if of another type or too long.
 */
static int
square_json_string(struct json_object *o, const char *key, size_t max,
    const char **s, size_t *len)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	if (*len > max || strlen(*s) != *len)
		return -1;
	return 1;
}

/*
 * Look up key in o as an id (see square_valid_id) of at most bufsz - 1
 * bytes and copy it into buf.  Returns 1, 0 if absent, null or "" (buf is
 * ""), -1 if malformed (buf is "").
 */
static int
square_json_id(struct json_object *o, const char *key, char *buf,
    size_t bufsz)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	buf[0] = '\0';
	if ((rc = square_json_string(o, key, bufsz - 1, &s, &len)) != 1)
		return rc;
	if (len == 0)
		return 0;
	if (!square_valid_id(s, len))
		return -1;
	memcpy(buf, s, len + 1);
	return 1;
}

/*
 * Look up key in o as an integer in [min, max].  Returns 1 and sets *v, 0
 * if absent or null, -1 otherwise.  json-c clamps numbers beyond int64 to
 * INT64_MIN/INT64_MAX, so callers keep max below INT64_MAX.
 */
static int
square_json_int(struct json_object *o, const char *key, int64_t min,
    int64_t max, int64_t *v)
{
	struct json_object	*j;

	if (!json_object_object_get_ex(o, key, &j) ||
	    json_object_is_type(j, json_type_null))
		return 0;
	if (!json_object_is_type(j, json_type_int))
		return -1;
	*v = json_object_get_int64(j);
	return *v < min || *v > max ? -1 : 1;
}

/*
 * Look up key in o as free text and copy at most max bytes of it into a
 * new string, cut at a UTF-8 character boundary (the tokener checked the
 * encoding).  Returns 1 with *out owned, 0 if absent, null or "" (*out
 * NULL), -1 if of another type, with a NUL inside, or out of memory.
 */
static int
square_json_text(struct json_object *o, const char *key, size_t max,
    char **out)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	*out = NULL;
	if ((rc = square_json_string(o, key, SIZE_MAX - 1, &s, &len)) != 1)
		return rc;
	if (len == 0)
		return 0;
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	if ((*out = strndup(s, len)) == NULL)
		return -1;
	return 1;
}

/*
 * Find the first error code in an "errors" value (a borrowed array), or
 * NULL.  *all_not_found is set to whether every error is NOT_FOUND.
 */
static const char *
square_errors_code(struct json_object *errors, int *all_not_found)
{
	struct json_object	*e;
	const char		*code, *first = NULL;
	size_t			 i, n, len;

	*all_not_found = 1;
	n = json_object_array_length(errors);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(errors, i);
		if (!json_object_is_type(e, json_type_object) ||
		    square_json_string(e, "code", SQUARE_CODE_MAX,
		    &code, &len) != 1 ||
		    !square_valid_code(code, len, SQUARE_CODE_MAX)) {
			*all_not_found = 0;
			continue;
		}
		if (first == NULL)
			first = code;
		if (strcmp(code, "NOT_FOUND") != 0)
			*all_not_found = 0;
	}
	return first;
}

/*
 * Check the "errors" of an answer object: absent, null or [] is success.
 * With not_found_ok, errors that are all NOT_FOUND are success too.
 * Returns 0, or -1 with err naming op and the first error's code.
 */
static int
square_errors_check(struct json_object *root, enum square_op op,
    int not_found_ok, char *err, size_t errsz)
{
	struct json_object	*errors;
	const char		*code;
	int			 all_nf;

	if (!json_object_object_get_ex(root, "errors", &errors) ||
	    json_object_is_type(errors, json_type_null))
		return 0;
	if (!json_object_is_type(errors, json_type_array)) {
		snprintf(err, errsz, "%s: errors is not an array",
		    ops[op].name);
		return -1;
	}
	if (json_object_array_length(errors) == 0)
		return 0;
	code = square_errors_code(errors, &all_nf);
	if (not_found_ok && all_nf)
		return 0;
	snprintf(err, errsz, "%s: error %s", ops[op].name,
	    code == NULL ? "(no code)" : code);
	return -1;
}

/*
 * Send one request of op to url (POST with body post, else GET), waiting
 * at most timeout_ms.  The answer goes into *b (the caller frees
 * b->data).  Returns ATTEMPT_OK for a 2xx, else ATTEMPT_RETRY or
 * ATTEMPT_FAIL with err set.
 */
static enum square_attempt
square_attempt(struct square *sq, enum square_op op, const char *url,
    const char *post, long timeout_ms, struct square_buf *b, char *err,
    size_t errsz)
{
	struct json_object	*root, *errors;
	const char		*code = NULL;
	long long		 start;
	long			 status = 0;
	CURLcode		 rc;
	size_t			 i;
	int			 all_nf;

	memset(b, 0, sizeof(*b));
	b->max = sq->max_body;
	b->retry_after_ms = -1;
	b->cap_ms = sq->retry_after_cap_ms;

	curl_easy_setopt(sq->curl, CURLOPT_URL, url);
	if (post != NULL) {
		curl_easy_setopt(sq->curl, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(sq->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(post));
		curl_easy_setopt(sq->curl, CURLOPT_HTTPHEADER,
		    sq->post_headers);
	} else {
		curl_easy_setopt(sq->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(sq->curl, CURLOPT_HTTPHEADER,
		    sq->get_headers);
	}
	curl_easy_setopt(sq->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(sq->curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(sq->curl, CURLOPT_HEADERDATA, b);

	sq->stats.calls++;
	start = tz_mono_ms();
	rc = curl_easy_perform(sq->curl);
	sq->stats.wait_ms += (long)(tz_mono_ms() - start);

	if (rc == CURLE_OK) {
		curl_easy_getinfo(sq->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status <= 299)
			return ATTEMPT_OK;
		/* Square's error code, if the body says it. */
		root = square_json_parse(b->data, b->len);
		if (root != NULL && json_object_object_get_ex(root,
		    "errors", &errors) &&
		    json_object_is_type(errors, json_type_array))
			code = square_errors_code(errors, &all_nf);
		snprintf(err, errsz, "%s: HTTP %ld%s%s", ops[op].name,
		    status, code == NULL ? "" : " ", code == NULL ? "" : code);
		json_object_put(root);
		return status == 429 || (status >= 500 && status <= 599) ?
		    ATTEMPT_RETRY : ATTEMPT_FAIL;
	}

	if ((rc == CURLE_WRITE_ERROR && b->over) ||
	    rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(err, errsz, "%s: response over %zu bytes",
		    ops[op].name, sq->max_body);
	else if (rc == CURLE_WRITE_ERROR && b->nomem)
		snprintf(err, errsz, "%s: out of memory", ops[op].name);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(err, errsz, "%s: timed out after %ld ms",
		    ops[op].name, timeout_ms);
	else
		snprintf(err, errsz, "%s: %s", ops[op].name,
		    curl_easy_strerror(rc));
	for (i = 0; i < sizeof(square_fatal_curl) /
	    sizeof(square_fatal_curl[0]); i++)
		if (rc == square_fatal_curl[i])
			return ATTEMPT_FAIL;
	return ATTEMPT_RETRY;
}

/*
 * The wait before retry number attempt + 1: backoff_base_ms * 2^attempt
 * (capped at retry_after_cap_ms) plus up to half of that again at random,
 * or the server's Retry-After if that is longer.
 */
static long
square_backoff(const struct square *sq, int attempt, long retry_after_ms)
{
	long	 delay = sq->backoff_base_ms;
	int	 i;

	for (i = 0; i < attempt && delay < sq->retry_after_cap_ms; i++)
		delay *= 2;
	if (delay > sq->retry_after_cap_ms)
		delay = sq->retry_after_cap_ms;
	delay += (long)arc4random_uniform((uint32_t)(delay / 2 + 1));
	return retry_after_ms > delay ? retry_after_ms : delay;
}

/* The stats counter of op's requests (retries excluded). */
static unsigned *
square_counter(struct square *sq, enum square_op op)
{
	return (unsigned *)(void *)((char *)&sq->stats + ops[op].counter);
}

/*
 * Make the request of op with retries, backoff and the deadline, and
 * parse the 2xx answer.  Returns 0 with *root (owned, a JSON object), or
 * -1 with err set (*root NULL).  Blocks on the network and in sleeps.
 */
static int
square_call(struct square *sq, enum square_op op, const char *url,
    const char *post, struct json_object **root, char *err, size_t errsz)
{
	struct square_buf	 b;
	enum square_attempt	 r;
	long long		 left;
	long			 timeout, delay;
	int			 attempt;

	*root = NULL;
	for (attempt = 0;; attempt++) {
		timeout = sq->timeout_ms;
		if (sq->deadline != 0) {
			left = (long long)sq->deadline * 1000 - square_now_ms();
			if (left <= 0) {
				if (attempt == 0)
					snprintf(err, errsz, "%s: deadline "
					    "reached", ops[op].name);
				else
					square_errcat(err, errsz,
					    " (deadline reached)");
				return -1;
			}
			if (left < timeout)
				timeout = (long)left;
		}
		if (attempt == 0)
			(*square_counter(sq, op))++;
		r = square_attempt(sq, op, url, post, timeout, &b, err, errsz);
		if (r == ATTEMPT_OK)
			break;
		free(b.data);
		if (r == ATTEMPT_FAIL)
			return -1;
		if (attempt >= sq->max_retries) {
			if (attempt > 0)
				square_errcat(err, errsz, " (gave up after "
				    "%d retries)", attempt);
			return -1;
		}
		delay = square_backoff(sq, attempt, b.retry_after_ms);
		if (sq->deadline != 0 && square_now_ms() + delay >=
		    (long long)sq->deadline * 1000) {
			square_errcat(err, errsz, " (no time to retry before "
			    "the deadline)");
			return -1;
		}
		log_info("%s: %s; retry %d in %ld ms", __func__, err,
		    attempt + 1, delay);
		square_sleep(sq, delay);
		sq->stats.retries++;
	}

	*root = square_json_parse(b.data, b.len);
	free(b.data);
	if (*root == NULL) {
		snprintf(err, errsz, "%s: malformed JSON", ops[op].name);
		return -1;
	}
	if (!json_object_is_type(*root, json_type_object)) {
		snprintf(err, errsz, "%s: answer is not a JSON object",
		    ops[op].name);
		json_object_put(*root);
		*root = NULL;
		return -1;
	}
	return 0;
}

/*
 * Check the appointment_segments of booking o into b (duration, team
 * member, variation ids).  Returns 0, or -1 with err set.
 */
static int
square_booking_segments(struct json_object *o, struct square_booking *b,
    char *err, size_t errsz)
{
	struct json_object	*a, *seg;
	char			 team[SQUARE_SMALL_ID_MAX + 1];
	int64_t			 dur, gap;
	size_t			 i, n;
	int			 total = 0;

	if (!json_object_object_get_ex(o, "appointment_segments", &a) ||
	    json_object_is_type(a, json_type_null))
		return 0;
	if (!json_object_is_type(a, json_type_array)) {
		snprintf(err, errsz, "appointment_segments is not an array");
		return -1;
	}
	if ((n = json_object_array_length(a)) > SQUARE_MAX_SEGMENTS) {
		snprintf(err, errsz, "more than %d appointment_segments",
		    SQUARE_MAX_SEGMENTS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		seg = json_object_array_get_idx(a, i);
		dur = gap = 0;
		if (!json_object_is_type(seg, json_type_object)) {
			snprintf(err, errsz, "appointment_segments[%zu] is "
			    "not an object", i);
			return -1;
		}
		if (square_json_int(seg, "duration_minutes", 0,
		    SQUARE_SEGMENT_MAX_MIN, &dur) == -1) {
			snprintf(err, errsz, "appointment_segments[%zu]."
			    "duration_minutes is not 0..%d", i,
			    SQUARE_SEGMENT_MAX_MIN);
			return -1;
		}
		if (square_json_int(seg, "intermission_minutes", 0,
		    SQUARE_SEGMENT_MAX_MIN, &gap) == -1) {
			snprintf(err, errsz, "appointment_segments[%zu]."
			    "intermission_minutes is not 0..%d", i,
			    SQUARE_SEGMENT_MAX_MIN);
			return -1;
		}
		if (square_json_id(seg, "service_variation_id",
		    b->variation_ids[i], sizeof(b->variation_ids[i])) == -1) {
			snprintf(err, errsz, "appointment_segments[%zu]."
			    "service_variation_id is malformed", i);
			return -1;
		}
		if (square_json_id(seg, "team_member_id",
		    i == 0 ? b->team_member_id : team,
		    sizeof(team)) == -1) {
			snprintf(err, errsz, "appointment_segments[%zu]."
			    "team_member_id is malformed", i);
			return -1;
		}
		total += (int)dur;
		if (i + 1 < n)
			total += (int)gap;	/* only between segments */
	}
	b->nsegments = n;
	b->duration_minutes = total;
	return 0;
}

int
square_booking_parse(struct json_object *o, struct square_booking *b,
    char *err, size_t errsz)
{
	const char	*s;
	size_t		 len;

	memset(b, 0, sizeof(*b));
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errsz, "booking is not an object");
		goto fail;
	}
	if (square_json_id(o, "id", b->id, sizeof(b->id)) != 1) {
		snprintf(err, errsz, "id is missing or malformed");
		goto fail;
	}
	if (square_json_int(o, "version", 0, INT64_MAX - 1,
	    &b->version) == -1) {
		snprintf(err, errsz, "version is not a 64-bit integer >= 0");
		goto fail;
	}
	if (square_json_string(o, "status", sizeof(b->status) - 1,
	    &s, &len) != 1 ||
	    !square_valid_code(s, len, sizeof(b->status) - 1)) {
		snprintf(err, errsz, "status is missing or malformed");
		goto fail;
	}
	memcpy(b->status, s, len + 1);
	if (square_json_string(o, "start_at", SQUARE_TIME_MAX,
	    &s, &len) != 1 || tz_parse_rfc3339(s, &b->start_at) == -1) {
		snprintf(err, errsz, "start_at is missing or not RFC 3339");
		goto fail;
	}
	if (square_json_id(o, "location_id", b->location_id,
	    sizeof(b->location_id)) == -1) {
		snprintf(err, errsz, "location_id is malformed");
		goto fail;
	}
	if (square_json_id(o, "customer_id", b->customer_id,
	    sizeof(b->customer_id)) == -1) {
		snprintf(err, errsz, "customer_id is malformed");
		goto fail;
	}
	if (square_booking_segments(o, b, err, errsz) == -1)
		goto fail;
	switch (square_json_string(o, "customer_note", SQUARE_NOTE_MAX,
	    &s, &len)) {
	case -1:
		snprintf(err, errsz, "customer_note is not a string of at "
		    "most %d bytes", SQUARE_NOTE_MAX);
		goto fail;
	case 1:
		if (len > 0 && (b->customer_note = strdup(s)) == NULL) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		break;
	default:
		break;
	}
	return 0;
fail:
	square_booking_clear(b);
	return -1;
}

void
square_booking_clear(struct square_booking *b)
{
	if (b == NULL)
		return;
	free(b->customer_note);
	b->customer_note = NULL;
}

void
square_page_free(struct square_page *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nbookings; i++)
		square_booking_clear(&p->bookings[i]);
	free(p->bookings);
	free(p->errors);
	free(p->cursor);
	free(p);
}

/*
 * Read a ListBookings answer object into a new page.  Returns 0 with
 * *out, or -1 with err set.
 */
static int
square_page_from_json(struct json_object *root, struct square_page **out,
    char *err, size_t errsz)
{
	struct square_page	*p = NULL;
	struct square_item_error *e;
	struct json_object	*list = NULL, *o;
	const char		*s;
	size_t			 i, n = 0, len;

	*out = NULL;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errsz, "ListBookings: answer is not a JSON "
		    "object");
		return -1;
	}
	if (square_errors_check(root, OP_LIST, 0, err, errsz) == -1)
		return -1;
	if (json_object_object_get_ex(root, "bookings", &list) &&
	    !json_object_is_type(list, json_type_null)) {
		if (!json_object_is_type(list, json_type_array)) {
			snprintf(err, errsz, "ListBookings: bookings is not "
			    "an array");
			return -1;
		}
		n = json_object_array_length(list);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (n > 0 && ((p->bookings = calloc(n, sizeof(*p->bookings))) ==
	    NULL || (p->errors = calloc(n, sizeof(*p->errors))) == NULL))) {
		snprintf(err, errsz, "ListBookings: out of memory");
		goto fail;
	}

	switch (square_json_string(root, "cursor", SQUARE_CURSOR_MAX,
	    &s, &len)) {
	case -1:
		snprintf(err, errsz, "ListBookings: cursor is not a string "
		    "of at most %d bytes", SQUARE_CURSOR_MAX);
		goto fail;
	case 1:
		if (len > 0 && (p->cursor = strdup(s)) == NULL) {
			snprintf(err, errsz, "ListBookings: out of memory");
			goto fail;
		}
		break;
	default:
		break;		/* absent or null: the last page */
	}

	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(list, i);
		e = &p->errors[p->nerrors];
		if (square_booking_parse(o, &p->bookings[p->nbookings],
		    e->message, sizeof(e->message)) == 0) {
			p->nbookings++;
			continue;
		}
		/* The id, if the booking had a good one. */
		if (json_object_is_type(o, json_type_object))
			square_json_id(o, "id", e->booking_id,
			    sizeof(e->booking_id));
		p->nerrors++;
	}
	*out = p;
	return 0;
fail:
	square_page_free(p);
	return -1;
}

int
square_page_parse(const char *body, size_t len, struct square_page **out,
    char *err, size_t errsz)
{
	struct json_object	*root;
	int			 rc;

	*out = NULL;
	if ((root = square_json_parse(body, len)) == NULL) {
		snprintf(err, errsz, "ListBookings: malformed JSON");
		return -1;
	}
	rc = square_page_from_json(root, out, err, errsz);
	json_object_put(root);
	return rc;
}

/*
 * Fill c from a Customer object.  Returns 0, or -1 with err set (c's heap
 * fields may be set; the caller frees them).
 */
static int
square_customer_fill(struct json_object *o, struct square_customer *c,
    char *err, size_t errsz)
{
	enum { T_GIVEN, T_FAMILY, T_NICK, T_COMPANY, T__MAX };
	static const char *const keys[T__MAX] = {
		"given_name",		/* T_GIVEN */
		"family_name",		/* T_FAMILY */
		"nickname",		/* T_NICK */
		"company_name",		/* T_COMPANY */
	};
	char		*t[T__MAX] = { NULL };
	size_t		 i;
	int		 rc = -1;

	for (i = 0; i < T__MAX; i++)
		if (square_json_text(o, keys[i], SQUARE_TEXT_MAX,
		    &t[i]) == -1) {
			snprintf(err, errsz, "BulkRetrieveCustomers: "
			    "customer %s is not a string", keys[i]);
			goto out;
		}
	if (square_json_text(o, "phone_number", SQUARE_TEXT_MAX,
	    &c->phone) == -1 ||
	    square_json_text(o, "email_address", SQUARE_TEXT_MAX,
	    &c->email) == -1) {
		snprintf(err, errsz, "BulkRetrieveCustomers: customer "
		    "phone_number or email_address is not a string");
		goto out;
	}

	if (t[T_GIVEN] != NULL && t[T_FAMILY] != NULL) {
		if (asprintf(&c->name, "%s %s", t[T_GIVEN],
		    t[T_FAMILY]) == -1) {
			c->name = NULL;
			snprintf(err, errsz, "BulkRetrieveCustomers: out of "
			    "memory");
			goto out;
		}
	} else
		for (i = 0; i < T__MAX && c->name == NULL; i++) {
			c->name = t[i];		/* given, family, nick, co. */
			t[i] = NULL;
		}
	rc = 0;
out:
	for (i = 0; i < T__MAX; i++)
		free(t[i]);
	return rc;
}

/*
 * Read a BulkRetrieveCustomers answer object for ids into a new array of
 * n entries.  Returns 0 with *out, or -1 with err set.
 */
static int
square_customers_from_json(struct json_object *root,
    const char *const *ids, size_t n, struct square_customer **out,
    char *err, size_t errsz)
{
	struct square_customer	*cs;
	struct json_object	*map = NULL, *r, *errors, *o;
	size_t			 i;
	int			 all_nf;
	const char		*code;

	*out = NULL;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errsz, "BulkRetrieveCustomers: answer is not "
		    "a JSON object");
		return -1;
	}
	if (square_errors_check(root, OP_CUSTOMERS, 0, err, errsz) == -1)
		return -1;
	if (json_object_object_get_ex(root, "responses", &map) &&
	    !json_object_is_type(map, json_type_null) &&
	    !json_object_is_type(map, json_type_object)) {
		snprintf(err, errsz, "BulkRetrieveCustomers: responses is "
		    "not an object");
		return -1;
	}
	if ((cs = calloc(n, sizeof(*cs))) == NULL) {
		snprintf(err, errsz, "BulkRetrieveCustomers: out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(cs[i].id, sizeof(cs[i].id), "%s", ids[i]);
		/* Missing from the map: as NOT_FOUND. */
		if (map == NULL || !json_object_is_type(map, json_type_object) ||
		    !json_object_object_get_ex(map, ids[i], &r) ||
		    json_object_is_type(r, json_type_null))
			continue;
		if (!json_object_is_type(r, json_type_object)) {
			snprintf(err, errsz, "BulkRetrieveCustomers: "
			    "response %zu is not an object", i);
			goto fail;
		}
		if (json_object_object_get_ex(r, "errors", &errors) &&
		    json_object_is_type(errors, json_type_array) &&
		    json_object_array_length(errors) > 0) {
			code = square_errors_code(errors, &all_nf);
			if (all_nf)
				continue;
			snprintf(err, errsz, "BulkRetrieveCustomers: "
			    "customer %zu: error %s", i,
			    code == NULL ? "(no code)" : code);
			goto fail;
		}
		if (!json_object_object_get_ex(r, "customer", &o) ||
		    !json_object_is_type(o, json_type_object)) {
			snprintf(err, errsz, "BulkRetrieveCustomers: "
			    "response %zu has no customer", i);
			goto fail;
		}
		cs[i].found = 1;
		if (square_customer_fill(o, &cs[i], err, errsz) == -1)
			goto fail;
	}
	*out = cs;
	return 0;
fail:
	square_customers_free(cs, n);
	return -1;
}

/*
 * Check ids for a batch call: 1..max of them, each an id of at most
 * idmax bytes.  Returns 0, or -1 with err set.
 */
static int
square_ids_check(enum square_op op, const char *const *ids, size_t n,
    size_t max, size_t idmax, char *err, size_t errsz)
{
	size_t	 i;

	if (ids == NULL || n == 0 || n > max) {
		snprintf(err, errsz, "%s: %zu ids (1..%zu allowed)",
		    ops[op].name, n, max);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (ids[i] == NULL || strlen(ids[i]) > idmax ||
		    !square_valid_id(ids[i], strlen(ids[i]))) {
			snprintf(err, errsz, "%s: id %zu is malformed",
			    ops[op].name, i);
			return -1;
		}
	return 0;
}

int
square_customers_parse(const char *body, size_t len, const char *const *ids,
    size_t n, struct square_customer **out, char *err, size_t errsz)
{
	struct json_object	*root;
	int			 rc;

	*out = NULL;
	if (square_ids_check(OP_CUSTOMERS, ids, n, SQUARE_CUSTOMERS_PER_CALL,
	    SQUARE_ID_MAX, err, errsz) == -1)
		return -1;
	if ((root = square_json_parse(body, len)) == NULL) {
		snprintf(err, errsz, "BulkRetrieveCustomers: malformed JSON");
		return -1;
	}
	rc = square_customers_from_json(root, ids, n, out, err, errsz);
	json_object_put(root);
	return rc;
}

void
square_customers_free(struct square_customer *cs, size_t n)
{
	size_t	 i;

	if (cs == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(cs[i].name);
		free(cs[i].phone);
		free(cs[i].email);
	}
	free(cs);
}

/*
 * The catalog object of this type and id in array list (borrowed), or
 * NULL.  list may be NULL or of any type.
 */
static struct json_object *
square_catalog_find(struct json_object *list, const char *type,
    const char *id)
{
	struct json_object	*o;
	const char		*s;
	size_t			 i, n, len;

	if (!json_object_is_type(list, json_type_array))
		return NULL;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(list, i);
		if (!json_object_is_type(o, json_type_object))
			continue;
		if (square_json_string(o, "type", SQUARE_CODE_MAX,
		    &s, &len) != 1 || strcmp(s, type) != 0)
			continue;
		if (square_json_string(o, "id", SQUARE_SMALL_ID_MAX,
		    &s, &len) == 1 && strcmp(s, id) == 0)
			return o;
	}
	return NULL;
}

/*
 * The name of the ITEM that variation id vid belongs to, looked up in
 * objects and related (borrowed), or NULL.
 */
static const char *
square_catalog_name(struct json_object *objects, struct json_object *related,
    const char *vid)
{
	struct json_object	*var, *data, *item;
	char			 item_id[SQUARE_SMALL_ID_MAX + 1];
	const char		*name;
	size_t			 len;

	if ((var = square_catalog_find(objects, "ITEM_VARIATION",
	    vid)) == NULL ||
	    !json_object_object_get_ex(var, "item_variation_data", &data) ||
	    !json_object_is_type(data, json_type_object) ||
	    square_json_id(data, "item_id", item_id, sizeof(item_id)) != 1)
		return NULL;
	if ((item = square_catalog_find(related, "ITEM", item_id)) == NULL &&
	    (item = square_catalog_find(objects, "ITEM", item_id)) == NULL)
		return NULL;
	if (!json_object_object_get_ex(item, "item_data", &data) ||
	    !json_object_is_type(data, json_type_object) ||
	    square_json_string(data, "name", SQUARE_ITEM_NAME_MAX,
	    &name, &len) != 1 || len == 0)
		return NULL;
	return name;
}

/*
 * Read a BatchRetrieveCatalogObjects answer object for ids into a new
 * array (each id once, in the order of ids).  Returns 0 with *out and
 * *nout, or -1 with err set.
 */
static int
square_names_from_json(struct json_object *root, const char *const *ids,
    size_t n, struct square_name **out, size_t *nout, char *err,
    size_t errsz)
{
	struct square_name	*ns;
	struct json_object	*objects = NULL, *related = NULL;
	const char		*name;
	size_t			 i, j, k = 0;

	*out = NULL;
	*nout = 0;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errsz, "BatchRetrieveCatalogObjects: answer is "
		    "not a JSON object");
		return -1;
	}
	if (square_errors_check(root, OP_CATALOG, 1, err, errsz) == -1)
		return -1;
	json_object_object_get_ex(root, "objects", &objects);
	json_object_object_get_ex(root, "related_objects", &related);
	if ((objects != NULL && !json_object_is_type(objects,
	    json_type_null) && !json_object_is_type(objects,
	    json_type_array)) || (related != NULL &&
	    !json_object_is_type(related, json_type_null) &&
	    !json_object_is_type(related, json_type_array))) {
		snprintf(err, errsz, "BatchRetrieveCatalogObjects: objects "
		    "or related_objects is not an array");
		return -1;
	}
	if ((ns = calloc(n, sizeof(*ns))) == NULL) {
		snprintf(err, errsz, "BatchRetrieveCatalogObjects: out of "
		    "memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				break;
		if (j < i)
			continue;	/* asked twice: answered once */
		if ((name = square_catalog_name(objects, related,
		    ids[i])) == NULL)
			continue;	/* unknown: omitted */
		if ((ns[k].name = strdup(name)) == NULL) {
			snprintf(err, errsz, "BatchRetrieveCatalogObjects: "
			    "out of memory");
			square_names_free(ns, k);
			return -1;
		}
		snprintf(ns[k].variation_id, sizeof(ns[k].variation_id),
		    "%s", ids[i]);
		k++;
	}
	*out = ns;
	*nout = k;
	return 0;
}

int
square_names_parse(const char *body, size_t len,
    const char *const *variation_ids, size_t n, struct square_name **out,
    size_t *nout, char *err, size_t errsz)
{
	struct json_object	*root;
	int			 rc;

	*out = NULL;
	*nout = 0;
	if (square_ids_check(OP_CATALOG, variation_ids, n,
	    SQUARE_CATALOG_PER_CALL, SQUARE_SMALL_ID_MAX, err, errsz) == -1)
		return -1;
	if ((root = square_json_parse(body, len)) == NULL) {
		snprintf(err, errsz, "BatchRetrieveCatalogObjects: malformed "
		    "JSON");
		return -1;
	}
	rc = square_names_from_json(root, variation_ids, n, out, nout,
	    err, errsz);
	json_object_put(root);
	return rc;
}

void
square_names_free(struct square_name *ns, size_t n)
{
	size_t	 i;

	if (ns == NULL)
		return;
	for (i = 0; i < n; i++)
		free(ns[i].name);
	free(ns);
}

/*
 * Free a header list, first wiping its strings (one holds the token).
 */
static void
square_headers_free(struct curl_slist *l)
{
	struct curl_slist	*h;

	for (h = l; h != NULL; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(l);
}

/*
 * Build the request headers: Authorization, Square-Version, Accept, and
 * for POSTs also Content-Type.  "Expect:" stops curl from waiting for a
 * 100-continue on large bodies.  Returns the list, or NULL.
 */
static struct curl_slist *
square_headers(const char *token, const char *version, int post)
{
	struct curl_slist	*l = NULL, *n;
	char			*auth = NULL, *ver = NULL;
	int			 alen;

	if ((alen = asprintf(&auth, "Authorization: Bearer %s", token)) == -1)
		return NULL;
	if (asprintf(&ver, "Square-Version: %s", version) == -1) {
		ver = NULL;
		goto fail;
	}
	if ((n = curl_slist_append(l, auth)) == NULL)
		goto fail;
	l = n;
	if ((n = curl_slist_append(l, ver)) == NULL)
		goto fail;
	l = n;
	if ((n = curl_slist_append(l, "Accept: application/json")) == NULL)
		goto fail;
	l = n;
	if ((n = curl_slist_append(l, "Expect:")) == NULL)
		goto fail;
	l = n;
	if (post) {
		if ((n = curl_slist_append(l,
		    "Content-Type: application/json")) == NULL)
			goto fail;
		l = n;
	}
	explicit_bzero(auth, (size_t)alen);
	free(auth);
	free(ver);
	return l;
fail:
	explicit_bzero(auth, (size_t)alen);
	free(auth);
	free(ver);
	square_headers_free(l);
	return NULL;
}

/*
 * Whether s may go into a header value: 1..max printable ASCII bytes.
 */
static int
square_valid_header(const char *s, size_t max)
{
	size_t	 i, len;

	if (s == NULL || (len = strlen(s)) == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < ' ' || s[i] > '~')
			return 0;
	return 1;
}

struct square *
square_new(const struct square_opts *o)
{
	struct square	*sq = NULL;
	const char	*version;
	size_t		 len;

	version = o->version == NULL || o->version[0] == '\0' ?
	    SQUARE_DEF_VERSION : o->version;
	if (!square_valid_header(o->base_url, SQUARE_URL_MAX) ||
	    (strncmp(o->base_url, "http://", 7) != 0 &&
	    strncmp(o->base_url, "https://", 8) != 0)) {
		log_warnx("%s: base URL is not an http(s) URL", __func__);
		return NULL;
	}
	if (!square_valid_header(o->token, 4096) ||
	    strchr(o->token, ' ') != NULL) {
		log_warnx("%s: token is empty or malformed", __func__);
		return NULL;
	}
	if (!square_valid_header(version, SQUARE_VERSION_MAX)) {
		log_warnx("%s: Square-Version is malformed", __func__);
		return NULL;
	}

	if ((sq = calloc(1, sizeof(*sq))) == NULL ||
	    (sq->base_url = strdup(o->base_url)) == NULL) {
		log_warn("%s", __func__);
		goto fail;
	}
	len = strlen(sq->base_url);
	while (len > 0 && sq->base_url[len - 1] == '/')
		sq->base_url[--len] = '\0';
	sq->connect_timeout_ms = o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : SQUARE_DEF_CONNECT_MS;
	sq->timeout_ms = o->timeout_ms > 0 ?
	    o->timeout_ms : SQUARE_DEF_TIMEOUT_MS;
	sq->max_retries = o->max_retries == 0 ? SQUARE_DEF_RETRIES :
	    o->max_retries < 0 ? 0 : o->max_retries > SQUARE_RETRIES_MAX ?
	    SQUARE_RETRIES_MAX : o->max_retries;
	sq->backoff_base_ms = o->backoff_base_ms > 0 ?
	    o->backoff_base_ms : SQUARE_DEF_BACKOFF_MS;
	sq->retry_after_cap_ms = o->retry_after_cap_ms > 0 ?
	    o->retry_after_cap_ms : SQUARE_DEF_RA_CAP_MS;
	sq->max_body = o->max_body > 0 && o->max_body < INT_MAX - 1 ?
	    o->max_body : SQUARE_DEF_MAX_BODY;

	if ((sq->get_headers = square_headers(o->token, version, 0)) == NULL ||
	    (sq->post_headers = square_headers(o->token, version, 1)) ==
	    NULL) {
		log_warnx("%s: cannot build headers", __func__);
		goto fail;
	}
	if ((sq->curl = curl_easy_init()) == NULL) {
		log_warnx("%s: curl_easy_init failed", __func__);
		goto fail;
	}
	if (curl_easy_setopt(sq->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(sq->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    sq->connect_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(sq->curl, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_1_1) != CURLE_OK ||
	    curl_easy_setopt(sq->curl, CURLOPT_ACCEPT_ENCODING, "") !=
	    CURLE_OK ||
	    curl_easy_setopt(sq->curl, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(sq->curl, CURLOPT_FOLLOWLOCATION, 0L) !=
	    CURLE_OK ||
	    curl_easy_setopt(sq->curl, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)sq->max_body) != CURLE_OK ||
	    curl_easy_setopt(sq->curl, CURLOPT_USERAGENT,
	    "safari-detail-ops") != CURLE_OK ||
	    curl_easy_setopt(sq->curl, CURLOPT_TCP_KEEPALIVE, 1L) !=
	    CURLE_OK ||
	    curl_easy_setopt(sq->curl, CURLOPT_WRITEFUNCTION,
	    square_write) != CURLE_OK ||
	    curl_easy_setopt(sq->curl, CURLOPT_HEADERFUNCTION,
	    square_header) != CURLE_OK) {
		log_warnx("%s: curl_easy_setopt failed", __func__);
		goto fail;
	}
	return sq;
fail:
	square_free(sq);
	return NULL;
}

void
square_free(struct square *sq)
{
	if (sq == NULL)
		return;
	if (sq->curl != NULL)
		curl_easy_cleanup(sq->curl);
	square_headers_free(sq->get_headers);
	square_headers_free(sq->post_headers);
	free(sq->base_url);
	free(sq);
}

void
square_set_deadline(struct square *sq, time_t deadline)
{
	sq->deadline = deadline;
}

const struct square_stats *
square_stats(const struct square *sq)
{
	return &sq->stats;
}

/*
 * Append "name=<value, URL-encoded>" to *url (reallocated), after a '&'
 * unless *url ends in '?'.  Returns 0 or -1 (out of memory; *url is freed
 * and NULL).
 */
static int
square_url_param(struct square *sq, char **url, const char *name,
    const char *value)
{
	char	*esc, *n;
	size_t	 len = strlen(*url);
	int	 rc;

	if ((esc = curl_easy_escape(sq->curl, value, 0)) == NULL) {
		free(*url);
		*url = NULL;
		return -1;
	}
	rc = asprintf(&n, "%s%s%s=%s", *url,
	    len > 0 && (*url)[len - 1] == '?' ? "" : "&", name, esc);
	curl_free(esc);
	free(*url);
	*url = rc == -1 ? NULL : n;
	return rc == -1 ? -1 : 0;
}

int
square_list_bookings(struct square *sq, time_t start_min, time_t start_max,
    const char *location_id, const char *cursor, int limit,
    struct square_page **out, char *err, size_t errsz)
{
	struct json_object	*root = NULL;
	char			*url = NULL;
	char			 tmin[32], tmax[32], lim[16];

	*out = NULL;
	if (start_min < 0 || start_max < start_min) {
		snprintf(err, errsz, "ListBookings: bad start_at range");
		goto fail;
	}
	if (limit < 1 || limit > SQUARE_LIMIT_MAX) {
		snprintf(err, errsz, "ListBookings: limit %d not in 1..%d",
		    limit, SQUARE_LIMIT_MAX);
		goto fail;
	}
	if (location_id != NULL && location_id[0] != '\0' &&
	    (strlen(location_id) > SQUARE_SMALL_ID_MAX ||
	    !square_valid_id(location_id, strlen(location_id)))) {
		snprintf(err, errsz, "ListBookings: location_id malformed");
		goto fail;
	}
	if (cursor != NULL && strlen(cursor) > SQUARE_CURSOR_MAX) {
		snprintf(err, errsz, "ListBookings: cursor too long");
		goto fail;
	}
	tz_format_rfc3339(start_min, tmin, sizeof(tmin));
	tz_format_rfc3339(start_max, tmax, sizeof(tmax));
	snprintf(lim, sizeof(lim), "%d", limit);

	if (asprintf(&url, "%s%s?", sq->base_url, ops[OP_LIST].path) == -1) {
		url = NULL;
		snprintf(err, errsz, "ListBookings: out of memory");
		goto fail;
	}
	if (square_url_param(sq, &url, "start_at_min", tmin) == -1 ||
	    square_url_param(sq, &url, "start_at_max", tmax) == -1 ||
	    square_url_param(sq, &url, "limit", lim) == -1 ||
	    (location_id != NULL && location_id[0] != '\0' &&
	    square_url_param(sq, &url, "location_id", location_id) == -1) ||
	    (cursor != NULL && cursor[0] != '\0' &&
	    square_url_param(sq, &url, "cursor", cursor) == -1)) {
		snprintf(err, errsz, "ListBookings: out of memory");
		goto fail;
	}
	if (square_call(sq, OP_LIST, url, NULL, &root, err, errsz) == -1 ||
	    square_page_from_json(root, out, err, errsz) == -1)
		goto fail;
	if ((*out)->nerrors > 0)
		log_warnx("%s: %zu of %zu bookings skipped, first %s: %s",
		    __func__, (*out)->nerrors,
		    (*out)->nerrors + (*out)->nbookings,
		    (*out)->errors[0].booking_id[0] == '\0' ? "(no id)" :
		    (*out)->errors[0].booking_id, (*out)->errors[0].message);
	json_object_put(root);
	free(url);
	return 0;
fail:
	log_warnx("%s: %s", __func__, err);
	json_object_put(root);
	free(url);
	return -1;
}

/*
 * A JSON request body {key: [distinct ids...], extra flags...} as an
 * owned json-c object (its string lives as long as it does), or NULL.
 */
static struct json_object *
square_ids_body(const char *key, const char *const *ids, size_t n,
    int catalog)
{
	struct json_object	*req, *arr, *s;
	size_t			 i, j;

	if ((req = json_object_new_object()) == NULL)
		return NULL;
	if ((arr = json_object_new_array_ext((int)n)) == NULL ||
	    json_object_object_add(req, key, arr) != 0) {
		json_object_put(arr);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				break;
		if (j < i)
			continue;
		if ((s = json_object_new_string(ids[i])) == NULL ||
		    json_object_array_add(arr, s) != 0) {
			json_object_put(s);
			goto fail;
		}
	}
	if (catalog &&
	    (json_object_object_add(req, "include_related_objects",
	    json_object_new_boolean(1)) != 0 ||
	    json_object_object_add(req, "include_deleted_objects",
	    json_object_new_boolean(1)) != 0))
		goto fail;
	return req;
fail:
	json_object_put(req);
	return NULL;
}

/*
 * POST the ids of op and return the answer object.  Returns 0 with
 * *root, or -1 with err set.
 */
static int
square_post_ids(struct square *sq, enum square_op op, const char *key,
    const char *const *ids, size_t n, struct json_object **root,
    char *err, size_t errsz)
{
	struct json_object	*req;
	char			*url = NULL;
	const char		*body;
	int			 rc = -1;

	*root = NULL;
	if ((req = square_ids_body(key, ids, n, op == OP_CATALOG)) == NULL ||
	    (body = json_object_to_json_string_ext(req,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) ==
	    NULL || asprintf(&url, "%s%s", sq->base_url,
	    ops[op].path) == -1) {
		url = NULL;
		snprintf(err, errsz, "%s: out of memory", ops[op].name);
		goto out;
	}
	rc = square_call(sq, op, url, body, root, err, errsz);
out:
	json_object_put(req);
	free(url);
	return rc;
}

int
square_bulk_customers(struct square *sq, const char *const *ids, size_t n,
    struct square_customer **out, char *err, size_t errsz)
{
	struct json_object	*root = NULL;

	*out = NULL;
	if (square_ids_check(OP_CUSTOMERS, ids, n, SQUARE_CUSTOMERS_PER_CALL,
	    SQUARE_ID_MAX, err, errsz) == -1 ||
	    square_post_ids(sq, OP_CUSTOMERS, "customer_ids", ids, n, &root,
	    err, errsz) == -1 ||
	    square_customers_from_json(root, ids, n, out, err, errsz) == -1) {
		log_warnx("%s: %s", __func__, err);
		json_object_put(root);
		return -1;
	}
	json_object_put(root);
	return 0;
}

int
square_catalog_names(struct square *sq, const char *const *variation_ids,
    size_t n, struct square_name **out, size_t *nout, char *err,
    size_t errsz)
{
	struct json_object	*root = NULL;

	*out = NULL;
	*nout = 0;
	if (square_ids_check(OP_CATALOG, variation_ids, n,
	    SQUARE_CATALOG_PER_CALL, SQUARE_SMALL_ID_MAX, err, errsz) == -1 ||
	    square_post_ids(sq, OP_CATALOG, "object_ids", variation_ids, n,
	    &root, err, errsz) == -1 ||
	    square_names_from_json(root, variation_ids, n, out, nout,
	    err, errsz) == -1) {
		log_warnx("%s: %s", __func__, err);
		json_object_put(root);
		return -1;
	}
	json_object_put(root);
	return 0;
}
