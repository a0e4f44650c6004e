/*
 * HTTP for the FastCGI programs: the request as parsed at the edge
 * (method, path, bounded query parameters and body, the few headers we
 * use), the query parameters checked against a route's table, the JSON
 * envelope, ETags and the answer written out.  The dispatcher that runs
 * the front-line checks and the handlers is app_dispatch (lib/app.c).
 * The same code serves plain CGI (shared hosting) and FastCGI: struct
 * http_io hides the difference.  Nothing here blocks but the reads and
 * writes of http_io.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include <json-c/json.h>

#include "tz.h"

#define HTTP_BODY_MAX		(64 * 1024)
#define HTTP_PATH_MAX		512
#define HTTP_QUERY_MAX		2048
#define HTTP_PARAMS_MAX		16
#define HTTP_HEADER_MAX		1024

enum http_method {
	HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PATCH, HTTP_PUT, HTTP_DELETE,
	HTTP_OPTIONS, HTTP_OTHER, HTTP__MAX
};
#define HTTP_M(m)	(1u << (m))

/* Where a request comes from and its answer goes: FastCGI or CGI. */
struct http_io {
	void		*ctx;
	const char	*(*param)(void *ctx, const char *name);	/* or NULL */
	/* Read up to n bytes of body; returns bytes read, 0 at end. */
	size_t		 (*read)(void *ctx, char *buf, size_t n);
	int		 (*write)(void *ctx, const char *buf, size_t n);
};

struct http_param {
	char		*key;		/* owned, percent-decoded */
	char		*value;		/* owned, percent-decoded */
};

/*
 * The query parameters a route takes, kcgi's kvalid way: a table of
 * names and validators (the route's; "{ NULL }" ends it), checked by
 * http_params_check before any handler runs.  Handlers read the parsed
 * values in req->values, by their index in the table.
 */
enum http_ptype {
	HTTP_P_DATE,		/* YYYY-MM-DD, a real date */
	HTTP_P_BOOL,		/* true, false, 1 or 0 */
	HTTP_P_INT,		/* digits only, from min to max */
	HTTP_P_STR,		/* any text of at most max bytes */
	HTTP_P_ENUM,		/* one of values; .i is its index */
};

struct http_pdef {
	const char	*name;
	enum http_ptype	 type;
	long long	 min;		/* HTTP_P_INT */
	long long	 max;		/* HTTP_P_INT; HTTP_P_STR: bytes */
	const char *const *values;	/* HTTP_P_ENUM: NULL-terminated */
};

struct http_value {
	const char	*s;		/* as sent (in req->params); NULL: absent */
	long long	 i;		/* HTTP_P_INT, HTTP_P_BOOL (0 or 1) */
	struct tz_date	 date;		/* HTTP_P_DATE */
};

enum http_header {
	HDR_CONTENT_TYPE, HDR_IF_MATCH, HDR_IF_NONE_MATCH, HDR_ORIGIN,
	HDR_HOST, HDR_AUTHORIZATION, HDR_SQUARE_SIGNATURE, HDR__MAX
};

struct http_req {
	enum http_method method;
	char		 path[HTTP_PATH_MAX + 1];	/* without the query */
	struct http_param params[HTTP_PARAMS_MAX];
	size_t		 nparams;
	char		*headers[HDR__MAX];	/* owned copies, NULL if absent */
	char		 remote_user[128];	/* "" without a login */
	char		 scheme[8];		/* "http" or "https" */
	char		*body;			/* owned, NUL-terminated */
	size_t		 bodylen;
	const char	*id;		/* a route's {id}, points into path */
	/* The route's parameters, parsed: values[i] is its table's row i. */
	struct http_value values[HTTP_PARAMS_MAX];
	/* Where the body comes from, for R_RAW_BODY handlers (borrowed). */
	const struct http_io *io;
};

struct http_resp {
	int		 status;
	struct json_object *json;	/* owned: the whole envelope */
	char		 etag[96];	/* with its quotes; "" for none */
	char		 allow[64];	/* Allow header for 405; "" for none */
	long		 poll_ms;	/* X-Poll-Interval-Ms when > 0 */
	char		*raw;		/* owned: a body already serialised */
	size_t		 rawlen;
	const char	*body_ref;	/* borrowed: a body that outlives resp */
	size_t		 body_reflen;
	char		 accel[160];	/* X-Accel-Redirect: nginx sends it */
	const char	*www_auth;	/* WWW-Authenticate for 401, static */
};

/*
 * Parse the request from io: method, path, query (at most
 * HTTP_PARAMS_MAX parameters of HTTP_QUERY_MAX bytes in all), headers,
 * and with readbody a body of at most HTTP_BODY_MAX bytes.  Returns 0, or
 * an HTTP status (400, 413) with a message in err.  Free with
 * http_req_clear either way.
 */
int	 http_req_parse(struct http_req *, const struct http_io *, int readbody,
	    char *err, size_t errsz);
void	 http_req_clear(struct http_req *);
/* Read the body (at most HTTP_BODY_MAX bytes): 0, or 400/413 with err. */
int	 http_req_read_body(struct http_req *, const struct http_io *,
	    char *err, size_t errsz);

/* Parse a query string into req->params.  0, or 400 with err set. */
int	 http_query_parse(struct http_req *, const char *query, char *err,
	    size_t errsz);
/* The value of query parameter key, or NULL. */
const char *http_param(const struct http_req *, const char *key);
/*
 * Check the request's query parameters against defs (ended by a NULL
 * name; NULL: none taken) and fill req->values.  Returns 0, or 400 with
 * a message in err that names the unknown or bad parameter.
 */
int	 http_params_check(struct http_req *, const struct http_pdef *defs,
	    char *err, size_t errsz);
/* The Allow header of these methods (HTTP_M bits; GET brings HEAD). */
void	 http_allow(unsigned methods, char *buf, size_t bufsz);
/* The index of s in the NULL-terminated list, or -1. */
int	 http_in_list(const char *s, const char *const *list);

/* A job id: 1 to JOBS_ID_MAX of [A-Za-z0-9_-].  Returns 1 or 0. */
int	 http_valid_id(const char *);
/* Answer 400: what (e.g. "job id") is not such an id. */
void	 http_error_bad_id(struct http_resp *, const char *what);

/* Set resp to {"success":true,"data":data} (takes data). */
void	 http_ok(struct http_resp *, int status, struct json_object *data);
/* Set resp to the error envelope; data (taken, may be NULL) is added. */
void	 http_error(struct http_resp *, int status, const char *code,
	    const char *message, struct json_object *data);

/*
 * Does the If-None-Match header match etag (a list, or *)?  Returns 1 or
 * 0.  Weak and strong forms compare alike.
 */
int	 http_etag_match(const char *header, const char *etag);

/* Write resp out through io: status line, headers, body. */
int	 http_resp_write(const struct http_io *, const struct http_resp *,
	    int head_only);
void	 http_resp_clear(struct http_resp *);

/* Constant-time comparison of two strings (lengths may differ). */
int	 http_secret_equal(const char *given, const char *expected);

#endif
