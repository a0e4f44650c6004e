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
#include "square_json.h"
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
		root = square_json_parse(b->data, b->len,
		    SQUARE_VALUES_ERROR);
		if (root != NULL && json_object_object_get_ex(root,
		    "errors", &errors) &&
		    json_object_is_type(errors, json_type_array))
			code = square_errors_code(errors, &all_nf);
		snprintf(err, errsz, "%s: HTTP %ld%s%s", square_ops[op].name,
		    status, code == NULL ? "" : " ", code == NULL ? "" : code);
		json_object_put(root);
		return status == 429 || (status >= 500 && status <= 599) ?
		    ATTEMPT_RETRY : ATTEMPT_FAIL;
	}

	if ((rc == CURLE_WRITE_ERROR && b->over) ||
	    rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(err, errsz, "%s: response over %zu bytes",
		    square_ops[op].name, sq->max_body);
	else if (rc == CURLE_WRITE_ERROR && b->nomem)
		snprintf(err, errsz, "%s: out of memory", square_ops[op].name);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(err, errsz, "%s: timed out after %ld ms",
		    square_ops[op].name, timeout_ms);
	else
		snprintf(err, errsz, "%s: %s", square_ops[op].name,
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
	return (unsigned *)(void *)((char *)&sq->stats + square_ops[op].counter);
}

/*
 * Make the request of op with retries, backoff and the deadline, and
 * parse the 2xx answer (at most max_values values).  Returns 0 with *root
 * (owned, a JSON object), or
 * -1 with err set (*root NULL).  Blocks on the network and in sleeps.
 */
static int
square_call(struct square *sq, enum square_op op, const char *url,
    const char *post, size_t max_values, struct json_object **root,
    char *err, size_t errsz)
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
					    "reached", square_ops[op].name);
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

	*root = square_json_parse(b.data, b.len, max_values);
	free(b.data);
	if (*root == NULL) {
		snprintf(err, errsz, "%s: malformed JSON", square_ops[op].name);
		return -1;
	}
	if (!json_object_is_type(*root, json_type_object)) {
		snprintf(err, errsz, "%s: answer is not a JSON object",
		    square_ops[op].name);
		json_object_put(*root);
		*root = NULL;
		return -1;
	}
	return 0;
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

	if (asprintf(&url, "%s%s?", sq->base_url, square_ops[OP_LIST].path) == -1) {
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
	if (square_call(sq, OP_LIST, url, NULL, square_page_values(limit),
	    &root, err, errsz) == -1 ||
	    square_page_from_json(root, limit, out, err, errsz) == -1)
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
	    square_ops[op].path) == -1) {
		url = NULL;
		snprintf(err, errsz, "%s: out of memory", square_ops[op].name);
		goto out;
	}
	rc = square_call(sq, op, url, body, n * (op == OP_CATALOG ?
	    SQUARE_VALUES_PER_OBJECT : SQUARE_VALUES_PER_ITEM) +
	    SQUARE_VALUES_SLACK, root, err, errsz);
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
