/*
 * HTTP for the FastCGI programs: the request as parsed at the edge
 * (method, path, bounded query parameters and body, the few headers we
 * use), the JSON envelope, ETags, and the dispatcher that does the
 * front-line checks before a handler runs.  The same code serves plain
 * CGI (shared hosting) and FastCGI: struct http_io hides the difference.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include <json-c/json.h>

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
	/* Where the body comes from, for R_RAW_BODY handlers (borrowed). */
	const struct http_io *io;
};

struct http_resp {
	int		 status;
	struct json_object *json;	/* owned: the whole envelope */
	char		 etag[96];	/* with its quotes; "" for none */
	const char	*allow;		/* Allow header for 405, static */
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
/* 1 when every parameter is one of the NULL-terminated names. */
int	 http_params_only(const struct http_req *, const char *const *names,
	    const char **unknown);

/* A job id: 1-64 of [A-Za-z0-9_-].  Returns 1 or 0. */
int	 http_valid_id(const char *);

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
