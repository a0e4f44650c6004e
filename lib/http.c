/*
 * HTTP requests and answers.  Everything a client sends is bounded and
 * checked here, before any handler sees it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "http.h"
#include "jobs.h"

static const char *const methods[HTTP__MAX] = {
	"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", NULL,
};

/* The CGI variables of the headers we read, by enum http_header. */
static const char *const header_vars[HDR__MAX] = {
	"CONTENT_TYPE",				/* HDR_CONTENT_TYPE */
	"HTTP_IF_MATCH",			/* HDR_IF_MATCH */
	"HTTP_IF_NONE_MATCH",			/* HDR_IF_NONE_MATCH */
	"HTTP_ORIGIN",				/* HDR_ORIGIN */
	"HTTP_HOST",				/* HDR_HOST */
	"HTTP_AUTHORIZATION",			/* HDR_AUTHORIZATION */
	"HTTP_X_SQUARE_HMACSHA256_SIGNATURE",	/* HDR_SQUARE_SIGNATURE */
};

static const struct {
	int		 status;
	const char	*reason;
} reasons[] = {
	{ 200, "OK" }, { 202, "Accepted" }, { 204, "No Content" },
	{ 304, "Not Modified" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 413, "Payload Too Large" }, { 415, "Unsupported Media Type" },
	{ 428, "Precondition Required" }, { 500, "Internal Server Error" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
};

static const char *
getparam(const struct http_io *io, const char *name)
{
	return io->param != NULL ? io->param(io->ctx, name) : getenv(name);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Percent-decode s[0..len) into a new string.  NULL on a bad escape, an
 * encoded NUL or a control character.
 */
static char *
decode(const char *s, size_t len)
{
	char	*out, *o;
	size_t	 i;
	int	 hi, lo, c;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= len ||
			    (hi = hexval((unsigned char)s[i + 1])) == -1 ||
			    (lo = hexval((unsigned char)s[i + 2])) == -1)
				goto bad;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			goto bad;
		*o++ = (char)c;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

int
http_query_parse(struct http_req *req, const char *q, char *err,
    size_t errsz)
{
	const char	*amp, *eq;
	size_t		 len, i;
	struct http_param *p;

	if (q == NULL || *q == '\0')
		return 0;
	if (strlen(q) > HTTP_QUERY_MAX) {
		snprintf(err, errsz, "query string longer than %d bytes",
		    HTTP_QUERY_MAX);
		return 400;
	}
	while (*q != '\0') {
		amp = strchr(q, '&');
		len = amp == NULL ? strlen(q) : (size_t)(amp - q);
		if (len > 0) {
			if (req->nparams == HTTP_PARAMS_MAX) {
				snprintf(err, errsz, "more than %d query "
				    "parameters", HTTP_PARAMS_MAX);
				return 400;
			}
			eq = memchr(q, '=', len);
			p = &req->params[req->nparams];
			p->key = decode(q, eq == NULL ? len : (size_t)(eq - q));
			p->value = eq == NULL ? strdup("") :
			    decode(eq + 1, len - (size_t)(eq + 1 - q));
			req->nparams++;
			if (p->key == NULL || p->value == NULL ||
			    p->key[0] == '\0') {
				snprintf(err, errsz, "malformed query string");
				return 400;
			}
			for (i = 0; i + 1 < req->nparams; i++)
				if (strcmp(req->params[i].key, p->key) == 0) {
					snprintf(err, errsz, "query parameter "
					    "given twice");
					return 400;
				}
		}
		if (amp == NULL)
			break;
		q = amp + 1;
	}
	return 0;
}

const char *
http_param(const struct http_req *req, const char *key)
{
	size_t	 i;

	for (i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].value;
	return NULL;
}

/* A name fit to repeat in a message: short, of letters, digits, _ . - */
static int
printable_name(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i == 32 || (!isalnum((unsigned char)s[i]) &&
		    strchr("_.-", s[i]) == NULL))
			return 0;
	return i > 0;
}

/* Parse v as a parameter of type def into out.  0, or -1 with err. */
static int
param_parse(const struct http_pdef *d, const char *v, struct http_value *out,
    char *err, size_t errsz)
{
	char		*end;
	size_t		 len = strlen(v), i;

	out->s = v;
	switch (d->type) {
	case HTTP_P_DATE:
		if (tz_parse_date(v, &out->date) == 0)
			return 0;
		snprintf(err, errsz, "%s must be a real date as YYYY-MM-DD",
		    d->name);
		return -1;
	case HTTP_P_BOOL:
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			out->i = 1;
		else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			out->i = 0;
		else {
			snprintf(err, errsz, "%s must be true or false",
			    d->name);
			return -1;
		}
		return 0;
	case HTTP_P_INT:
		/* Digits only: no sign, no space, no "0x" (strtoll takes
		 * all of these). */
		errno = 0;
		if (len > 0 && len <= 18 && strspn(v, "0123456789") == len) {
			out->i = strtoll(v, &end, 10);
			if (errno == 0 && out->i >= d->min && out->i <= d->max)
				return 0;
		}
		snprintf(err, errsz, "%s must be a whole number from %lld to "
		    "%lld", d->name, d->min, d->max);
		return -1;
	case HTTP_P_ENUM:
		if ((out->i = http_in_list(v, d->values)) != -1)
			return 0;
		len = (size_t)snprintf(err, errsz, "%s must be", d->name);
		for (i = 0; d->values[i] != NULL && len < errsz; i++)
			len += (size_t)snprintf(err + len, errsz - len, "%s%s",
			    i == 0 ? " " : d->values[i + 1] == NULL ? " or " :
			    ", ", d->values[i]);
		return -1;
	case HTTP_P_STR:
		if ((long long)len <= d->max)
			return 0;
		snprintf(err, errsz, "%s is longer than %lld bytes", d->name,
		    d->max);
		return -1;
	}
	return -1;
}

int
http_in_list(const char *s, const char *const *list)
{
	int	 i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return i;
	return -1;
}

int
http_params_check(struct http_req *req, const struct http_pdef *defs,
    char *err, size_t errsz)
{
	size_t	 i, j, n = 0, len;

	memset(req->values, 0, sizeof(req->values));
	while (defs != NULL && defs[n].name != NULL && n < HTTP_PARAMS_MAX)
		n++;
	for (i = 0; i < req->nparams; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(req->params[i].key, defs[j].name) == 0)
				break;
		if (j < n) {
			if (param_parse(&defs[j], req->params[i].value,
			    &req->values[j], err, errsz) == -1)
				return 400;
			continue;
		}
		/* Unknown: name it (when it is safe to repeat) and the
		 * ones this endpoint takes. */
		if (printable_name(req->params[i].key))
			len = (size_t)snprintf(err, errsz, "unknown query "
			    "parameter \"%s\"", req->params[i].key);
		else
			len = (size_t)snprintf(err, errsz, "an unknown query "
			    "parameter");
		for (j = 0; j < n && len < errsz; j++)
			len += (size_t)snprintf(err + len, errsz - len,
			    "%s%s", j == 0 ? "; use " : j + 1 == n ? " or " :
			    ", ", defs[j].name);
		if (n == 0 && len < errsz)
			snprintf(err + len, errsz - len, "; this endpoint "
			    "takes none");
		return 400;
	}
	return 0;
}

void
http_allow(unsigned mask, char *buf, size_t bufsz)
{
	size_t	 len = 0;
	int	 m;

	if (mask & HTTP_M(HTTP_GET))
		mask |= HTTP_M(HTTP_HEAD);
	buf[0] = '\0';
	for (m = 0; m < HTTP_OTHER; m++)
		if ((mask & HTTP_M(m)) && len < bufsz)
			len += (size_t)snprintf(buf + len, bufsz - len, "%s%s",
			    len > 0 ? ", " : "", methods[m]);
}

int
http_valid_id(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i == JOBS_ID_MAX || (!isalnum((unsigned char)s[i]) &&
		    s[i] != '_' && s[i] != '-'))
			return 0;
	return i > 0;
}

int
http_req_read_body(struct http_req *req, const struct http_io *io,
    char *err, size_t errsz)
{
	const char	*cl = getparam(io, "CONTENT_LENGTH");
	char		*end;
	long long	 n;
	size_t		 got = 0, r;

	if (errsz > 0)		/* every failure below writes it */
		err[0] = '\0';
	if (cl == NULL || *cl == '\0')
		n = 0;
	else {
		errno = 0;
		n = strtoll(cl, &end, 10);
		if (*end != '\0' || errno != 0 || n < 0) {
			snprintf(err, errsz, "malformed Content-Length");
			return 400;
		}
	}
	if (n > HTTP_BODY_MAX) {
		snprintf(err, errsz, "body larger than %d bytes",
		    HTTP_BODY_MAX);
		return 413;
	}
	if ((req->body = malloc((size_t)n + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return 500;
	}
	while (got < (size_t)n &&
	    (r = io->read(io->ctx, req->body + got, (size_t)n - got)) > 0)
		got += r;
	req->body[got] = '\0';
	req->bodylen = got;
	if (got != (size_t)n) {
		snprintf(err, errsz, "body shorter than its Content-Length");
		return 400;
	}
	return 0;
}

int
http_req_parse(struct http_req *req, const struct http_io *io, int readbody,
    char *err, size_t errsz)
{
	const char	*v, *q;
	size_t		 len, i;
	int		 m;

	memset(req, 0, sizeof(*req));
	if (errsz > 0)		/* every failure below writes it */
		err[0] = '\0';
	req->method = HTTP_OTHER;
	if ((v = getparam(io, "REQUEST_METHOD")) != NULL)
		for (m = 0; m < HTTP_OTHER; m++)
			if (strcmp(v, methods[m]) == 0)
				req->method = (enum http_method)m;

	/* The path as the client sent it, without the query. */
	if ((v = getparam(io, "REQUEST_URI")) == NULL &&
	    (v = getparam(io, "DOCUMENT_URI")) == NULL)
		v = "/";
	q = strchr(v, '?');
	len = q == NULL ? strlen(v) : (size_t)(q - v);
	if (len > HTTP_PATH_MAX) {
		snprintf(err, errsz, "path longer than %d bytes",
		    HTTP_PATH_MAX);
		return 400;
	}
	memcpy(req->path, v, len);
	req->path[len] = '\0';

	for (i = 0; i < HDR__MAX; i++) {
		if ((v = getparam(io, header_vars[i])) == NULL)
			continue;
		if (strlen(v) > HTTP_HEADER_MAX) {
			snprintf(err, errsz, "header too long");
			return 400;
		}
		if ((req->headers[i] = strdup(v)) == NULL) {
			snprintf(err, errsz, "out of memory");
			return 500;
		}
	}
	if ((v = getparam(io, "REMOTE_USER")) != NULL) {
		if (strlen(v) >= sizeof(req->remote_user)) {
			snprintf(err, errsz, "user name too long");
			return 400;
		}
		snprintf(req->remote_user, sizeof(req->remote_user), "%s", v);
	}
	v = getparam(io, "HTTPS");
	snprintf(req->scheme, sizeof(req->scheme), "%s", v != NULL &&
	    (strcmp(v, "on") == 0 || strcmp(v, "1") == 0) ? "https" : "http");

	if ((m = http_query_parse(req, getparam(io, "QUERY_STRING"), err,
	    errsz)) != 0)
		return m;
	if (readbody)
		return http_req_read_body(req, io, err, errsz);
	return 0;
}

void
http_req_clear(struct http_req *req)
{
	size_t	 i;

	for (i = 0; i < req->nparams; i++) {
		free(req->params[i].key);
		free(req->params[i].value);
	}
	req->nparams = 0;
	for (i = 0; i < HDR__MAX; i++) {
		free(req->headers[i]);
		req->headers[i] = NULL;
	}
	free(req->body);
	req->body = NULL;
}

void
http_error_bad_id(struct http_resp *resp, const char *what)
{
	char	 msg[128];

	snprintf(msg, sizeof(msg), "A %s is 1-%d letters, digits, '-' or '_'.",
	    what, JOBS_ID_MAX);
	http_error(resp, 400, "bad_request", msg, NULL);
}

void
http_ok(struct http_resp *resp, int status, struct json_object *data)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "success", json_object_new_boolean(1));
	json_object_object_add(o, "data", data);
	json_object_put(resp->json);
	resp->json = o;
	resp->status = status;
}

void
http_error(struct http_resp *resp, int status, const char *code,
    const char *message, struct json_object *data)
{
	struct json_object *o = json_object_new_object();
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(o, "success", json_object_new_boolean(0));
	json_object_object_add(o, "error", e);
	if (data != NULL)
		json_object_object_add(o, "data", data);
	json_object_put(resp->json);
	resp->json = o;
	resp->status = status;
}

int
http_etag_match(const char *header, const char *etag)
{
	const char	*p = header, *start;
	size_t		 elen, len;

	if (header == NULL || etag == NULL || *etag == '\0')
		return 0;
	if (strncmp(etag, "W/", 2) == 0)
		etag += 2;
	elen = strlen(etag);
	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		len = (size_t)(p - start);
		while (len > 0 && (start[len - 1] == ' ' ||
		    start[len - 1] == '\t'))
			len--;
		if (len == elen && memcmp(start, etag, len) == 0)
			return 1;
	}
	return 0;
}

static const char *
reason(int status)
{
	size_t	 i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

int
http_resp_write(const struct http_io *io, const struct http_resp *resp,
    int head_only)
{
	char		 head[512];
	const char	*body = NULL;
	size_t		 blen = 0;
	int		 n;

	if (resp->status != 304 && resp->accel[0] == '\0') {
		if (resp->body_ref != NULL) {
			body = resp->body_ref;
			blen = resp->body_reflen;
		} else if (resp->raw != NULL) {
			body = resp->raw;
			blen = resp->rawlen;
		} else if (resp->json != NULL)
			body = json_object_to_json_string_length(resp->json,
			    JSON_C_TO_STRING_PLAIN, &blen);
	}
	n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Cache-Control: no-cache\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "%s%s%s"
	    "%s%s%s"
	    "%s%.0ld%s"
	    "%s%s%s"
	    "%s%s%s"
	    "Content-Length: %zu\r\n\r\n",
	    resp->status, reason(resp->status),
	    resp->etag[0] ? "ETag: " : "", resp->etag,
	    resp->etag[0] ? "\r\n" : "",
	    resp->allow[0] ? "Allow: " : "", resp->allow,
	    resp->allow[0] ? "\r\n" : "",
	    resp->poll_ms > 0 ? "X-Poll-Interval-Ms: " : "",
	    resp->poll_ms > 0 ? resp->poll_ms : 0L,
	    resp->poll_ms > 0 ? "\r\n" : "",
	    resp->accel[0] ? "X-Accel-Redirect: " : "", resp->accel,
	    resp->accel[0] ? "\r\n" : "",
	    resp->www_auth ? "WWW-Authenticate: " : "",
	    resp->www_auth ? resp->www_auth : "",
	    resp->www_auth ? "\r\n" : "",
	    resp->status == 304 ? (size_t)0 : blen);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (io->write(io->ctx, head, (size_t)n) == -1)
		return -1;
	if (!head_only && blen > 0 && io->write(io->ctx, body, blen) == -1)
		return -1;
	return 0;
}

void
http_resp_clear(struct http_resp *resp)
{
	json_object_put(resp->json);
	free(resp->raw);
	memset(resp, 0, sizeof(*resp));
}

int
http_secret_equal(const char *given, const char *expected)
{
	unsigned char	 a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
	unsigned int	 alen = 0, blen = 0;

	if (given == NULL || expected == NULL)
		return 0;
	/*
	 * Hash both first, so the compare takes the same time whatever
	 * the lengths, then compare the digests in constant time.
	 */
	if (EVP_Digest(given, strlen(given), a, &alen, EVP_sha256(),
	    NULL) != 1 || EVP_Digest(expected, strlen(expected), b, &blen,
	    EVP_sha256(), NULL) != 1 || alen != blen)
		return 0;
	return CRYPTO_memcmp(a, b, alen) == 0;
}
