/*
 * libFuzzer target for a whole HTTP request as a client sends it: the
 * input is a request line ("METHOD /path?query"), header lines ("Name:
 * value") up to an empty line, then the body.  It is handed to
 * http_req_parse as the FastCGI variables nginx would make of it, and
 * what that parsed goes through the edge checks the handlers use: the
 * id, the calendar's dates, If-Match, If-None-Match, the Origin check,
 * and the body through the strict JSON parser.  The error answer that
 * would go out is written too, and must be valid UTF-8 JSON.  Nothing
 * may crash, leak or read out of bounds.  Seeds: tests/data/fuzz/http/.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "api.h"
#include "config.h"
#include "http.h"
#include "json.h"
#include "origin.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define VARS_MAX	 40		/* name and value, twice each */

struct req_text {
	char		*names[VARS_MAX];	/* owned */
	const char	*values[VARS_MAX];	/* into the copy */
	size_t		 n;
	const char	*body;
	size_t		 bodylen, off;
	char		 out[8192];
	size_t		 outlen;
};

static const char *
fz_param(void *ctx, const char *name)
{
	struct req_text	*t = ctx;
	size_t		 i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->names[i], name) == 0)
			return t->values[i];
	return NULL;
}

static size_t
fz_read(void *ctx, char *buf, size_t n)
{
	struct req_text	*t = ctx;

	if (n > t->bodylen - t->off)
		n = t->bodylen - t->off;
	memcpy(buf, t->body + t->off, n);
	t->off += n;
	return n;
}

static int
fz_write(void *ctx, const char *buf, size_t n)
{
	struct req_text	*t = ctx;

	if (n > sizeof(t->out) - t->outlen)
		n = sizeof(t->out) - t->outlen;
	memcpy(t->out + t->outlen, buf, n);
	t->outlen += n;
	return 0;
}

static void
add(struct req_text *t, const char *name, const char *value)
{
	if (t->n == VARS_MAX || (t->names[t->n] = strdup(name)) == NULL)
		return;
	t->values[t->n++] = value;
}

/* "Content-Type" → "HTTP_CONTENT_TYPE" (or CONTENT_TYPE, as CGI has it). */
static void
add_header(struct req_text *t, char *line)
{
	char	*colon, *v, name[80];
	size_t	 i, o;

	if ((colon = strchr(line, ':')) == NULL || colon == line)
		return;
	*colon = '\0';
	for (v = colon + 1; *v == ' '; v++)
		continue;
	o = (size_t)snprintf(name, sizeof(name), "%s",
	    strcasecmp(line, "content-type") == 0 ||
	    strcasecmp(line, "content-length") == 0 ? "" : "HTTP_");
	for (i = 0; line[i] != '\0' && o + 1 < sizeof(name); i++)
		name[o++] = line[i] == '-' ? '_' : (char)toupper((unsigned
		    char)line[i]);
	name[o] = '\0';
	add(t, name, v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config	 cfg;	/* ALLOWED_HOSTS unset: own host */
	struct req_text		 t;
	struct http_req		 req;
	struct http_resp	 resp;
	struct http_io		 io = { &t, fz_param, fz_read, fz_write };
	struct json_object	*body;
	struct tz_date		 from, to;
	char			*s, *line, *next, *q, err[256], clen[24];
	int64_t			 v;
	int			 status;

	if (size > HTTP_BODY_MAX + 4096 || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&t, 0, sizeof(t));

	/* The request line: method, then the URI up to a space. */
	line = s;
	next = strstr(line, "\n");
	if (next != NULL)
		*next++ = '\0';
	if ((q = strchr(line, ' ')) != NULL) {
		*q++ = '\0';
		add(&t, "REQUEST_METHOD", line);
		line = q;
		if ((q = strchr(line, ' ')) != NULL)
			*q = '\0';		/* "HTTP/1.1" */
		add(&t, "REQUEST_URI", line);
		if ((q = strchr(line, '?')) != NULL)
			add(&t, "QUERY_STRING", q + 1);
	}
	/* Headers up to an empty line, then the body. */
	while ((line = next) != NULL) {
		next = strstr(line, "\n");
		if (next != NULL)
			*next++ = '\0';
		if (line[0] == '\0' || strcmp(line, "\r") == 0)
			break;
		line[strcspn(line, "\r")] = '\0';
		add_header(&t, line);
	}
	t.body = next == NULL ? "" : next;
	t.bodylen = next == NULL ? 0 : size - (size_t)(next - s);
	if (fz_param(&t, "CONTENT_LENGTH") == NULL) {
		snprintf(clen, sizeof(clen), "%zu", t.bodylen);
		add(&t, "CONTENT_LENGTH", clen);
	}

	memset(&resp, 0, sizeof(resp));
	status = http_req_parse(&req, &io, 1, err, sizeof(err));
	if (status == 0) {
		q = strrchr(req.path, '/');
		if (q != NULL)
			http_valid_id(q + 1);
		api_calendar_range(http_param(&req, "start"),
		    http_param(&req, "end"), 1764000000, &from, &to, err,
		    sizeof(err));
		if (req.headers[HDR_IF_MATCH] != NULL)
			api_parse_if_match(req.headers[HDR_IF_MATCH], &v);
		if (req.headers[HDR_IF_NONE_MATCH] != NULL)
			http_etag_match(req.headers[HDR_IF_NONE_MATCH],
			    "\"c12-2026-11-23-2026-11-29-20000\"");
		origin_allowed(&cfg, req.scheme, req.headers[HDR_HOST],
		    req.headers[HDR_ORIGIN]);
		if (json_body_parse(req.body, req.bodylen, 16, 0, &body, err,
		    sizeof(err)) == JSON_BODY_OK)
			json_object_put(body);
		http_error(&resp, 400, "bad_request", err, NULL);
	} else
		http_error(&resp, status, "bad_request", err, NULL);
	/* The answer's body is JSON, whatever the request held. */
	http_resp_write(&io, &resp, 0);
	q = memmem(t.out, t.outlen, "\r\n\r\n", 4);
	if (q != NULL && json_body_parse(q + 4, t.outlen - (size_t)(q + 4 -
	    t.out), 16, 0, &body, err, sizeof(err)) != JSON_BODY_OK &&
	    t.outlen < sizeof(t.out))
		abort();
	if (q != NULL)
		json_object_put(body);
	http_resp_clear(&resp);
	http_req_clear(&req);
	while (t.n > 0)
		free(t.names[--t.n]);
	free(s);
	return 0;
}
