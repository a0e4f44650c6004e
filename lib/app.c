/*
 * The program's life and the dispatcher.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <fcgiapp.h>

#include "app.h"
#include "calendar.h"
#include "db.h"
#include "log.h"
#include "origin.h"

int
app_init(struct app *app, const char *progname)
{
	char	 err[2048], *line, *save;

	memset(app, 0, sizeof(*app));
	app->progname = progname;
	log_init(progname);
	app->config_ok = config_load(&app->cfg, NULL, err, sizeof(err)) == 0;
	if (app->cfg.log_file != NULL)
		log_open(app->cfg.log_file);
	if (!app->config_ok)
		for (line = strtok_r(err, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			log_warnx("configuration: %s", line);
	if ((app->db = db_new(&app->cfg)) == NULL)
		return -1;
	return 0;
}

void
app_free(struct app *app)
{
	db_free(app->db);
	config_free(&app->cfg);
	memset(app, 0, sizeof(*app));
}

void
app_db_error(struct app *app, struct http_resp *resp)
{
	if (db_down(app->db))
		http_error(resp, 503, "database_unavailable",
		    "The database cannot be reached; try again shortly.",
		    NULL);
	else
		http_error(resp, 500, "internal_error",
		    "The server could not complete the request.", NULL);
}

/* Does the path match the route?  Sets req->id for {id} routes. */
static int
route_match(const struct route *r, struct http_req *req)
{
	size_t	 len = strlen(r->path);

	if (!r->has_id)
		return strcmp(req->path, r->path) == 0;
	if (strncmp(req->path, r->path, len) != 0 ||
	    req->path[len] == '\0')
		return 0;
	req->id = req->path + len;
	return 1;
}

/* A JSON content type: application/json, parameters allowed. */
static int
is_json_type(const char *ct)
{
	size_t	 len = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", len) != 0)
		return 0;
	return ct[len] == '\0' || ct[len] == ';' || ct[len] == ' ';
}

/* Origin absent, or one of ALLOWED_HOSTS (default: the request's Host). */
static int
same_origin(const struct app *app, const struct http_req *req)
{
	return origin_allowed(&app->cfg, req->scheme, req->headers[HDR_HOST],
	    req->headers[HDR_ORIGIN]);
}

/* The route of the request's path (matched once), or NULL. */
static const struct route *
route_find(const struct route *routes, size_t n, struct http_req *req)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (route_match(&routes[i], req))
			return &routes[i];
	return NULL;
}

/* The front-line checks of route r, then its handler. */
static void
dispatch(struct app *app, const struct route *r, struct http_req *req,
    struct http_resp *resp)
{
	char	 err[256];

	if (r == NULL) {
		http_error(resp, 404, "not_found", "No such endpoint.", NULL);
		return;
	}
	if (!(r->methods & HTTP_M(req->method)) &&
	    !(req->method == HTTP_HEAD && (r->methods & HTTP_M(HTTP_GET)))) {
		http_allow(r->methods, resp->allow, sizeof(resp->allow));
		http_error(resp, 405, "method_not_allowed",
		    "This endpoint does not take that method.", NULL);
		return;
	}
	if (!app->config_ok) {
		http_error(resp, 503, "misconfigured", "The server is "
		    "misconfigured; its log names the setting.", NULL);
		return;
	}
	if (!(r->flags & R_ANY_QUERY) &&
	    http_params_check(req, r->params, err, sizeof(err)) != 0) {
		http_error(resp, 400, "bad_request", err, NULL);
		return;
	}
	if ((r->flags & R_STAFF_WRITE) && req->method != HTTP_GET &&
	    req->method != HTTP_HEAD) {
		if (!same_origin(app, req)) {
			http_error(resp, 403, "forbidden_origin",
			    "Cross-origin writes are refused.", NULL);
			return;
		}
		if (req->remote_user[0] == '\0' && !app->cfg.anonymous_writes) {
			http_error(resp, 401, "login_required",
			    "Sign in as staff to make changes.", NULL);
			return;
		}
		if (!(r->flags & R_RAW_BODY) &&
		    !is_json_type(req->headers[HDR_CONTENT_TYPE])) {
			http_error(resp, 415, "unsupported_media_type",
			    "Send the body as application/json.", NULL);
			return;
		}
	}
	r->handler(app, req, resp);
}

void
app_dispatch(struct app *app, const struct route *routes, size_t n,
    struct http_req *req, struct http_resp *resp)
{
	dispatch(app, route_find(routes, n, req), req, resp);
}

/* ---- FastCGI and CGI I/O ------------------------------------------ */

struct fcgi_ctx {
	FCGX_Request	*req;
};

static const char *
fcgi_param(void *ctx, const char *name)
{
	return FCGX_GetParam(name, ((struct fcgi_ctx *)ctx)->req->envp);
}

static size_t
fcgi_read(void *ctx, char *buf, size_t n)
{
	int	 r = FCGX_GetStr(buf, (int)n, ((struct fcgi_ctx *)ctx)->req->in);

	return r > 0 ? (size_t)r : 0;
}

static int
fcgi_write(void *ctx, const char *buf, size_t n)
{
	return FCGX_PutStr(buf, (int)n, ((struct fcgi_ctx *)ctx)->req->out) ==
	    (int)n ? 0 : -1;
}

static size_t
cgi_read(void *ctx, char *buf, size_t n)
{
	(void)ctx;
	return fread(buf, 1, n, stdin);
}

static int
cgi_write(void *ctx, const char *buf, size_t n)
{
	(void)ctx;
	return fwrite(buf, 1, n, stdout) == n ? 0 : -1;
}

/* A request variable (FastCGI parameter, or CGI environment). */
static const char *
io_param(const struct http_io *io, const char *name)
{
	return io->param != NULL ? io->param(io->ctx, name) : getenv(name);
}

/* The scheme the client used, as a trusted proxy may say. */
static void
set_scheme(const struct app *app, const struct http_io *io,
    struct http_req *req)
{
	const char	*s;

	s = origin_scheme(&app->cfg, io_param(io, "REMOTE_ADDR"),
	    io_param(io, "HTTP_X_FORWARDED_PROTO"), req->scheme);
	if (s != req->scheme)
		snprintf(req->scheme, sizeof(req->scheme), "%s", s);
}

/* Parse, route, answer, free: everything a request made is gone after. */
static void
serve_one(struct app *app, const struct route *routes, size_t n,
    const struct http_io *io)
{
	struct http_req		 req;
	struct http_resp	 resp;
	const struct route	*r = NULL;
	char			 err[160];
	int			 status;

	memset(&resp, 0, sizeof(resp));
	status = http_req_parse(&req, io, 0, err, sizeof(err));
	req.io = io;
	/* nginx names the answer directory, and with it the generation. */
	calendar_generation_use(io_param(io, "SAFARI_CALENDAR_FILES"));
	if (status == 0) {
		set_scheme(app, io, &req);
		r = route_find(routes, n, &req);
	}
	if (status == 0 && r != NULL && (r->flags & R_BODY))
		status = http_req_read_body(&req, io, err, sizeof(err));
	if (status == 413)
		http_error(&resp, 413, "payload_too_large", err, NULL);
	else if (status != 0)
		http_error(&resp, status, status == 400 ? "bad_request" :
		    "internal_error", err, NULL);
	else
		dispatch(app, r, &req, &resp);
	if (resp.status == 0)
		http_error(&resp, 500, "internal_error",
		    "The server could not complete the request.", NULL);
	http_resp_write(io, &resp, req.method == HTTP_HEAD);
	http_resp_clear(&resp);
	http_req_clear(&req);
}

static volatile sig_atomic_t quit, reopen;

static void
on_term(int sig)
{
	(void)sig;
	quit = 1;
	FCGX_ShutdownPending();
}

/* SIGHUP in the supervisor: noted, and passed on to the workers. */
static void
on_hup(int sig)
{
	(void)sig;
	reopen = 1;
}

/*
 * SIGHUP in a worker (or a lone FastCGI process): reopen the log at once
 * (log_reopen is signal-safe), and let whatever the worker was doing (a
 * request's read or write) go on (SA_RESTART).
 */
static void
on_hup_reopen(int sig)
{
	int	 saved = errno;

	(void)sig;
	log_reopen();
	errno = saved;
}

/*
 * SIGHUP (logrotate) reopens the log and never stops anything.  The
 * supervisor's handler interrupts its wait(), so it reopens and passes
 * the signal on at once.
 */
static void
hup_handler(int supervisor)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = supervisor ? on_hup : on_hup_reopen;
	sa.sa_flags = supervisor ? 0 : SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * Reads and writes on the connections accepted from fd give up after
 * this long (Linux hands a listening socket's timeouts to the sockets it
 * accepts): a peer that connects and sends nothing cannot hold a worker.
 * accept() itself then wakes up with EAGAIN as often, and simply waits
 * again.
 */
#ifndef SOCKET_TIMEOUT_SECONDS
#define SOCKET_TIMEOUT_SECONDS	 30
#endif

static void
socket_timeouts(int fd)
{
	struct timeval	 tv = { SOCKET_TIMEOUT_SECONDS, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Accept and serve FastCGI requests on fd until told to stop. */
static int
worker(struct app *app, const struct route *routes, size_t n, int fd)
{
	FCGX_Request	 req;
	struct fcgi_ctx	 ctx = { &req };
	struct http_io	 io = { &ctx, fcgi_param, fcgi_read, fcgi_write };
	int		 rc;

	socket_timeouts(fd);
	hup_handler(0);
	if (FCGX_InitRequest(&req, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_warnx("%s: cannot start FastCGI", __func__);
		return 1;
	}
	while (!quit) {
		if ((rc = FCGX_Accept_r(&req)) < 0) {
			if (rc == -EAGAIN || rc == -EWOULDBLOCK ||
			    rc == -EINTR)
				continue;	/* the accept timeout, a signal */
			break;
		}
		serve_one(app, routes, n, &io);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	return 0;
}

/* Who may connect to the socket: its mode and group (-1: ours). */
struct sockperm {
	mode_t	 mode;
	gid_t	 gid;
};

/*
 * Make the unix socket at path with exactly sp's mode and group: the
 * umask keeps it closed while it is made, so no other user can connect
 * in between.  Returns the listening fd, or -1 (logged).
 */
static int
open_socket(const char *path, const struct sockperm *sp)
{
	mode_t	 old;
	int	 fd;

	old = umask(0177);
	fd = FCGX_OpenSocket(path, 128);
	umask(old);
	if (fd == -1) {
		log_warn("%s: cannot listen on %s", __func__, path);
		return -1;
	}
	if ((sp->gid != (gid_t)-1 && chown(path, (uid_t)-1, sp->gid) == -1) ||
	    chmod(path, sp->mode) == -1) {
		log_warn("%s: cannot set the owner or mode of %s", __func__,
		    path);
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/*
 * Listen on a unix socket and keep nworkers processes serving it: one
 * that dies is replaced, so a crash costs one request, not the service.
 * SIGTERM stops the workers and removes the socket; SIGHUP reopens the
 * log, here and in every worker.
 */
static int
supervise(struct app *app, const struct route *routes, size_t n,
    const char *path, const struct sockperm *sp, int nworkers)
{
	pid_t	 pids[APP_WORKERS_MAX], pid;
	int	 fd, i, status, running = 0;

	if ((fd = open_socket(path, sp)) == -1)
		return 1;
	for (i = 0; i < nworkers; i++)
		pids[i] = 0;
	hup_handler(1);
	while (!quit) {
		if (reopen) {
			reopen = 0;
			if (log_reopen() == -1)
				log_warn("%s: cannot reopen the log (logging on "
				    "to the old file)", __func__);
			for (i = 0; i < nworkers; i++)
				if (pids[i] != 0)
					kill(pids[i], SIGHUP);
		}
		for (i = 0; i < nworkers && !quit; i++) {
			if (pids[i] != 0)
				continue;
			if ((pid = fork()) == -1) {
				log_warn("%s: fork", __func__);
				sleep(1);
				continue;
			}
			if (pid == 0)
				_exit(worker(app, routes, n, fd));
			pids[i] = pid;
			running++;
		}
		if ((pid = wait(&status)) == -1)
			continue;		/* EINTR: quit is set */
		for (i = 0; i < nworkers; i++)
			if (pids[i] == pid) {
				pids[i] = 0;
				running--;
				if (!quit) {
					log_warnx("%s: worker %ld ended (status "
					    "%d); starting another", __func__,
					    (long)pid, status);
					sleep(1);	/* no busy crash loop */
				}
			}
	}
	for (i = 0; i < nworkers; i++)
		if (pids[i] != 0)
			kill(pids[i], SIGTERM);
	while (running > 0 && wait(&status) != -1)
		running--;
	close(fd);
	unlink(path);
	return 0;
}

int
app_serve(struct app *app, const struct route *routes, size_t n, int argc,
    char *argv[])
{
	struct http_io		 io;
	struct sigaction	 sa;
	struct sockperm		 sp = { 0660, (gid_t)-1 };
	const char		*sock = NULL, *errstr = NULL;
	char			 msg[64];
	long			 workers = 1, mode;
	struct group		*gr;
	char			*end;
	int			 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "--socket-mode") == 0 &&
		    i + 1 < argc) {
			/* Owner and group only: never for other users. */
			mode = strtol(argv[++i], &end, 8);
			if (*end != '\0' || end == argv[i] || mode < 0 ||
			    (mode & ~0770) != 0)
				errstr = "--socket-mode takes an octal mode "
				    "within 0770, such as 0660";
			else
				sp.mode = (mode_t)mode;
		} else if (strcmp(argv[i], "--socket-group") == 0 &&
		    i + 1 < argc) {
			if ((gr = getgrnam(argv[++i])) == NULL)
				errstr = "--socket-group: no such group";
			else
				sp.gid = gr->gr_gid;
		}
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
			workers = strtol(argv[++i], &end, 10);
			if (*end != '\0' || workers < 1 ||
			    workers > APP_WORKERS_MAX) {
				snprintf(msg, sizeof(msg), "--workers takes 1 "
				    "to %d", APP_WORKERS_MAX);
				errstr = msg;
			}
		} else
			errstr = "usage: [--socket PATH [--workers N] "
			    "[--socket-mode 0660] [--socket-group GROUP]] | "
			    "--check-config | --get NAME";
	}
	if (errstr != NULL) {
		fprintf(stderr, "%s: %s\n", app->progname, errstr);
		return 1;
	}
	/* A long-running server with a bad configuration does not start. */
	if (sock != NULL && !app->config_ok) {
		log_warnx("%s: not starting: fix the settings named above",
		    __func__);
		return 1;
	}
	if (sock == NULL && FCGX_IsCGI()) {
		io = (struct http_io){ NULL, NULL, cgi_read, cgi_write };
		serve_one(app, routes, n, &io);
		fflush(stdout);
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: accept returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	hup_handler(0);
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0) {
		log_warnx("%s: cannot start FastCGI", __func__);
		return 1;
	}
	if (sock != NULL)
		return supervise(app, routes, n, sock, &sp, (int)workers);
	return worker(app, routes, n, 0);	/* socket on stdin */
}

/*
 * What a program needs set to do its work at all, besides the database:
 * --check-config fails without it (requests would answer 503).
 */
static const struct {
	const char	*progname;
	const char	*names;		/* separated by spaces */
} required[] = {
	{ "reconcile", "CRON_SECRET SQUARE_ACCESS_TOKEN" },
	{ "webhook", "SQUARE_ACCESS_TOKEN SQUARE_WEBHOOK_SIGNATURE_KEY "
	    "SQUARE_WEBHOOK_URL" },
};

int
app_check_config(const char *progname, FILE *out)
{
	struct config	 cfg;
	char		 err[2048];
	size_t		 i;
	int		 rc;

	rc = config_load(&cfg, NULL, err, sizeof(err)) == 0 ? 0 : 1;
	config_print(&cfg, out);
	if (rc != 0)
		fprintf(out, "%s: bad settings:\n%s\n", progname, err);
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (strcmp(required[i].progname, progname) == 0 &&
		    config_require(&cfg, required[i].names, err,
		    sizeof(err)) == -1) {
			fprintf(out, "%s: missing settings:\n%s\n", progname,
			    err);
			rc = 1;
		}
	if (rc == 0)
		fprintf(out, "%s: the settings are fine\n", progname);
	config_free(&cfg);
	return rc;
}

/* --get NAME: print the value (or default); 0 if set, 1 if not, 2 error. */
static int
get_setting(const char *progname, const char *name)
{
	char	*v, err[512];
	int	 rc;

	if ((rc = config_get(name, &v, err, sizeof(err))) == -1) {
		fprintf(stderr, "%s: %s\n", progname, err);
		return 2;
	}
	if (v != NULL)
		printf("%s\n", v);
	free(v);
	return rc == 1 ? 0 : 1;
}

int
app_main(const char *progname, const struct route *routes, size_t n,
    int argc, char *argv[])
{
	struct app	 app;
	int		 rc;

	/* The configuration alone: no database, no log file. */
	if (argc == 2 && strcmp(argv[1], "--check-config") == 0)
		return app_check_config(progname, stdout);
	if (argc == 3 && strcmp(argv[1], "--get") == 0)
		return get_setting(progname, argv[2]);
	if (app_init(&app, progname) == -1)
		return 1;
	rc = app_serve(&app, routes, n, argc, argv);
	app_free(&app);
	return rc;
}
