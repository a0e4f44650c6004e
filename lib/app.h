/*
 * One program's life: configuration and database made once, then the
 * FastCGI accept loop (or one request as plain CGI), each request going
 * through the dispatcher's front-line checks to its route's handler.
 */
#ifndef APP_H
#define APP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "http.h"

struct db;

#define APP_WORKERS_MAX	 16	/* --workers: worker processes a socket */

struct app {
	const char	*progname;
	struct config	 cfg;
	int		 config_ok;
	struct db	*db;
};

enum route_flags {
	R_BODY = 1 << 0,	/* read the body (bounded) */
	R_STAFF_WRITE = 1 << 1,	/* login, JSON content type, same Origin */
	R_RAW_BODY = 1 << 2,	/* the handler streams the body from req->io
				   and checks its content type itself */
	R_ANY_QUERY = 1 << 3,	/* the query is not the route's to check: the
				   webhook's URL is whatever was registered */
};

/*
 * One endpoint.  The dispatcher answers for it before the handler runs:
 * 404 when no route's path matches, 405 with Allow (from methods) for
 * another method, 503 when the configuration is bad, 400 naming an
 * unknown or bad query parameter (params; not for R_ANY_QUERY), and for
 * R_STAFF_WRITE writes
 * 403 (foreign Origin), 401 (no login) and 415 (not JSON).
 */
struct route {
	unsigned	 methods;	/* HTTP_M(HTTP_GET) | …; GET brings HEAD */
	const char	*path;		/* exact, or a prefix ending in '/' */
	int		 has_id;	/* path + "{id}" */
	unsigned	 flags;
	const struct http_pdef *params;	/* query parameters; NULL: none */
	void		 (*handler)(struct app *, struct http_req *,
			    struct http_resp *);
};

/*
 * Load the configuration (bad settings are logged, one line each, and
 * every request then answers 503) and make the database handle (no
 * connection yet).  Returns 0, or -1 if out of memory.
 */
int	 app_init(struct app *, const char *progname);
void	 app_free(struct app *);

/*
 * Route and answer one parsed request (its body already read when the
 * route takes one).  Exposed for tests.
 */
void	 app_dispatch(struct app *, const struct route *, size_t nroutes,
	    struct http_req *, struct http_resp *);

/*
 * Serve requests until the process is told to stop (SIGTERM): with
 * "--socket PATH [--workers N]" on a unix socket of its own with N
 * worker processes, kept alive (the socket is made with mode
 * "--socket-mode" (default 0660, never open to other users) and group
 * "--socket-group" (default the process's own): put it where only the web
 * server's group can reach it, in a 0750 directory); FastCGI on stdin
 * when a FastCGI server started it; one request when run as CGI.  With
 * --socket and a bad configuration it does not start (returns 1).  SIGHUP
 * reopens LOG_FILE and never stops anything.  Returns the exit status.
 */
int	 app_serve(struct app *, const struct route *, size_t nroutes,
	    int argc, char *argv[]);

/*
 * --check-config: print to out which settings file was read and every
 * setting (secrets masked); 0 when they are valid and those the program
 * needs are set, else 1 with each problem named.
 */
int	 app_check_config(const char *progname, FILE *out);

/*
 * The whole main() of a program: "--check-config" (app_check_config),
 * "--get NAME" (the value of a setting as the programs see it, for
 * scripts: exit 0 if set, 1 if not, its default printed if it has one),
 * else app_init, app_serve, app_free.  Returns the exit status.
 */
int	 app_main(const char *progname, const struct route *, size_t nroutes,
	    int argc, char *argv[]);

/* Answer 503 or 500 after a failed database call. */
void	 app_db_error(struct app *, struct http_resp *);

#endif
