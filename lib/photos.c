/*
 * The photo endpoints.  An upload is checked at the edge (id, kind,
 * caption, content type, size, If-Match), the job's version and photo
 * count are checked before the body is read, the body is streamed to a
 * temporary file (never held whole in memory), libvips makes the two
 * JPEGs, they are stored by name, and the entry is written with a
 * version guard.
 *
 * Files are shared by name (the same bytes on two jobs are one file), so
 * removing one must never race with an upload that is about to name it.
 * The media lock (flock on MEDIA_DIR/.lock) orders the two: an upload
 * holds it shared from the moment its files are in place until its entry
 * is committed or refused, and the clean-up holds it exclusively while it
 * counts the references and unlinks.  So the clean-up sees every entry
 * that names a file on disk, and an upload never commits a name whose
 * file was removed under it.  (One host's MEDIA_DIR: flock does not
 * reach across NFS.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "api.h"
#include "calendar.h"
#include "db.h"
#include "jobs.h"
#include "log.h"
#include "media.h"
#include "photos.h"
#include "push.h"
#include "tz.h"

static void	 job_changed(struct app *, const char *);
static void	 media_gc_one(struct app *, const char *);

enum photos_sql { SQL_MEDIA_GET, SQL_MEDIA_SET, SQL_MEDIA_REFS, SQL__MAX };

static const char *const sqls[SQL__MAX] = {
	/* SQL_MEDIA_GET */
	"SELECT version, photos_meta, receipt_photos, appointment_time "
	"FROM jobs WHERE id = ?",
	/* SQL_MEDIA_SET: the two staff media columns only */
	"UPDATE jobs SET photos_meta = ?, receipt_photos = ?, "
	"version = version + 1, updated_at = UTC_TIMESTAMP(3) "
	"WHERE id = ? AND version = ?",
	/* SQL_MEDIA_REFS: does any job still name this file? */
	"SELECT COUNT(*) FROM jobs WHERE photos_meta LIKE ? OR "
	"receipt_photos LIKE ?",
};

static const char *const kinds[] = {
	"before", "after", "damage", "receipt", NULL
};

const struct http_pdef photos_params[] = {
	[PHOTOS_KIND] = { "kind", HTTP_P_ENUM, 0, 0, kinds },
	[PHOTOS_CAPTION] = { "caption", HTTP_P_STR, 0, HTTP_QUERY_MAX, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* A job's media columns as loaded: owned arrays. */
struct media_cols {
	int64_t			 version;
	struct json_object	*photos;
	struct json_object	*receipts;
	time_t			 when;		/* the appointment: its day */
};

static void
cols_clear(struct media_cols *c)
{
	json_object_put(c->photos);
	json_object_put(c->receipts);
	memset(c, 0, sizeof(*c));
}

static struct json_object *
parse_array(const char *s)
{
	struct json_object	*o = s == NULL ? NULL : json_tokener_parse(s);

	if (o == NULL || !json_object_is_type(o, json_type_array)) {
		json_object_put(o);
		o = json_object_new_array();
	}
	return o;
}

/* 1 and c filled, 0 no such job, -1 database error. */
static int
cols_load(struct db *db, const char *id, struct media_cols *c)
{
	struct db_arg	 arg = db_arg_str(id);
	struct db_res	*res = NULL;
	int		 rc;

	memset(c, 0, sizeof(*c));
	if (db_exec(db, sqls[SQL_MEDIA_GET], &arg, 1, &res, NULL) == -1)
		return -1;
	if ((rc = res->nrows == 1) == 1) {
		c->version = db_cell_int(res, 0, 0);
		c->photos = parse_array(db_cell(res, 0, 1));
		c->receipts = parse_array(db_cell(res, 0, 2));
		c->when = db_time_parse(db_cell(res, 0, 3));
	}
	db_res_free(res);
	return rc;
}

/*
 * Write c back if the job is still at version c->version, with its day's
 * calendar stamp in the same transaction: 1, 0, -1.
 */
static int
cols_store(struct db *db, const char *id, const struct media_cols *c)
{
	struct db_arg	 args[4];
	uint64_t	 affected = 0;
	int		 rc;

	args[0] = db_arg_str(json_object_to_json_string_ext(c->photos,
	    JSON_C_TO_STRING_PLAIN));
	args[1] = db_arg_str(json_object_to_json_string_ext(c->receipts,
	    JSON_C_TO_STRING_PLAIN));
	args[2] = db_arg_str(id);
	args[3] = db_arg_int(c->version);
	if (db_begin(db) == -1)
		return -1;
	if (db_exec(db, sqls[SQL_MEDIA_SET], args, 4, NULL, &affected) == -1 ||
	    (affected == 1 && calendar_touch(db, &c->when, 1) == -1)) {
		db_rollback(db);
		return -1;
	}
	rc = affected == 1;
	if (db_commit(db) == -1)
		return -1;
	calendar_changed();
	return rc;
}

/* The job's photos and receipts. */
static size_t
cols_count(const struct media_cols *c)
{
	return json_object_array_length(c->photos) +
	    json_object_array_length(c->receipts);
}

static void
too_many(struct http_resp *resp)
{
	http_error(resp, 409, "too_many_photos", "A job holds at most 100 "
	    "photos; delete one first.", NULL);
}

int
photos_valid_caption(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, i;
	unsigned		 cp;

	if (strlen(s) > PHOTOS_CAPTION_MAX)
		return 0;
	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

static const char *
req_param(const struct http_req *req, const char *name)
{
	if (req->io != NULL && req->io->param != NULL)
		return req->io->param(req->io->ctx, name);
	return getenv(name);
}

static void
set_etag(struct http_resp *resp, struct json_object *job)
{
	struct json_object	*v;

	if (json_object_object_get_ex(job, "version", &v))
		snprintf(resp->etag, sizeof(resp->etag), "\"%lld\"",
		    (long long)json_object_get_int64(v));
}

/* Answer with the job as it now is: status 200/201, or 409 conflict. */
static void
answer_job(struct app *app, const char *id, int status,
    struct http_resp *resp)
{
	struct json_object	*job = NULL;
	int64_t			 version;
	int			 r;

	if ((r = jobs_load(app->db, id, &job, &version)) == -1) {
		app_db_error(app, resp);
		return;
	}
	if (r == 0) {
		http_error(resp, 404, "not_found", "No job has this id.", NULL);
		return;
	}
	set_etag(resp, job);
	if (status == 409)
		http_error(resp, 409, "version_conflict", "Someone else "
		    "changed this job; here it is as it now stands.", job);
	else
		http_ok(resp, status, job);
}

/*
 * Stream the body into a new temporary file in dir (its name into path,
 * unlinked by the caller).  0, or an HTTP status with err set.
 */
static int
body_to_file(const struct http_req *req, const char *dir, char *path,
    size_t pathsz, char *err, size_t errsz)
{
	const char	*cl = req_param(req, "CONTENT_LENGTH");
	char		 buf[64 * 1024], *end;
	long long	 n, got = 0;
	size_t		 r;
	int		 fd, rc = 500;

	path[0] = '\0';
	errno = 0;
	n = cl == NULL ? 0 : strtoll(cl, &end, 10);
	if (cl == NULL || *cl == '\0' || *end != '\0' || errno != 0 ||
	    n < 0) {
		snprintf(err, errsz, "send the image as the body, with its "
		    "Content-Length");
		return cl == NULL || *cl == '\0' ? 411 : 400;
	}
	if (n == 0) {
		snprintf(err, errsz, "the body is empty");
		return 400;
	}
	if (n > MEDIA_MAX_BYTES) {
		snprintf(err, errsz, "an image is at most %d bytes",
		    MEDIA_MAX_BYTES);
		return 413;
	}
	snprintf(path, pathsz, "%s/.upload-XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1) {
		log_warn("%s: %s", __func__, path);
		path[0] = '\0';
		snprintf(err, errsz, "the upload could not be stored");
		return 500;
	}
	while (got < n && (r = req->io->read(req->io->ctx, buf,
	    (size_t)(n - got) < sizeof(buf) ? (size_t)(n - got) :
	    sizeof(buf))) > 0) {
		if (write(fd, buf, r) != (ssize_t)r) {
			log_warn("%s: write", __func__);
			snprintf(err, errsz, "the upload could not be stored");
			goto out;
		}
		got += (long long)r;
	}
	if (got != n) {
		snprintf(err, errsz, "body shorter than its Content-Length");
		rc = 400;
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* The media dir, made if missing (0750).  0 or -1. */
static int
media_dir(struct app *app)
{
	const char	*d = app->cfg.media_dir;

	if (mkdir(d, 0750) == -1 && errno != EEXIST) {
		log_warn("%s: %s", __func__, d);
		return -1;
	}
	return 0;
}

/*
 * Take the media lock, shared (LOCK_SH) or exclusive (LOCK_EX); blocks
 * until it is granted.  Returns the descriptor to give to media_unlock,
 * or -1 (logged).
 */
static int
media_lock(struct app *app, int how)
{
	char	 path[1024];
	int	 fd;

	if (snprintf(path, sizeof(path), "%s/.lock", app->cfg.media_dir) >=
	    (int)sizeof(path)) {
		log_warnx("%s: path too long", __func__);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1) {
		log_warn("%s: %s", __func__, path);
		return -1;
	}
	while (flock(fd, how) == -1) {
		if (errno == EINTR)
			continue;
		log_warn("%s: flock %s", __func__, path);
		close(fd);
		return -1;
	}
	return fd;
}

static void
media_unlock(int fd)
{
	if (fd != -1)
		close(fd);		/* releases the flock */
}

/*
 * Remove the files of urls ("/media/NAME") that no job names any more,
 * under the exclusive media lock.  Best effort: a file kept by an error
 * harms nobody.
 */
static void
media_gc(struct app *app, const char *const *urls, size_t n)
{
	size_t	 i;
	int	 fd;

	if ((fd = media_lock(app, LOCK_EX)) == -1)
		return;
	for (i = 0; i < n; i++)
		media_gc_one(app, urls[i]);
	media_unlock(fd);
}

/* Remove the file of url once no job names it; the caller holds the lock. */
static void
media_gc_one(struct app *app, const char *url)
{
	struct db_arg	 args[2];
	struct db_res	*res = NULL;
	const char	*name;
	char		 like[128], path[1024];

	if (url == NULL || strncmp(url, "/media/", 7) != 0)
		return;
	name = url + 7;
	if (strlen(name) != 68 || strspn(name, "0123456789abcdef") != 64 ||
	    strcmp(name + 64, ".jpg") != 0)
		return;
	/* The name alone: a stored url may read "\/media\/…" (json-c). */
	snprintf(like, sizeof(like), "%%%s%%", name);
	args[0] = db_arg_str(like);
	args[1] = db_arg_str(like);
	if (db_exec(app->db, sqls[SQL_MEDIA_REFS], args, 2, &res, NULL) == -1)
		return;			/* kept: a stray file harms nobody */
	if (res->nrows == 1 && db_cell_int(res, 0, 0) == 0) {
		snprintf(path, sizeof(path), "%s/%s", app->cfg.media_dir, name);
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn("%s: %s", __func__, path);
	}
	db_res_free(res);
}

static struct json_object *
str_or_null(const char *s)
{
	return s == NULL || *s == '\0' ? NULL : json_object_new_string(s);
}

/* The entry of a stored upload (owned). */
static struct json_object *
entry_new(const char *key, const char *kind, const char *caption,
    const char *user, const struct media_out *m, const char *disp,
    const char *thumb)
{
	struct json_object	*e = json_object_new_object();
	char			 when[32], url[96];
	struct tm		 tm;
	time_t			 now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(e, "key", json_object_new_string(key));
	json_object_object_add(e, "kind", json_object_new_string(kind));
	json_object_object_add(e, "caption", str_or_null(caption));
	json_object_object_add(e, "takenAt", json_object_new_string(when));
	json_object_object_add(e, "by", str_or_null(user));
	json_object_object_add(e, "width", json_object_new_int(m->width));
	json_object_object_add(e, "height", json_object_new_int(m->height));
	json_object_object_add(e, "bytes",
	    json_object_new_int64((int64_t)m->displen));
	snprintf(url, sizeof(url), "/media/%s", disp);
	json_object_object_add(e, "url", json_object_new_string(url));
	snprintf(url, sizeof(url), "/media/%s", thumb);
	json_object_object_add(e, "thumbUrl", json_object_new_string(url));
	return e;
}

/*
 * Load job id's media columns into c for a change made at version
 * expected (-1: any).  1, or 0 having answered 404, 409 (with the job)
 * or the database error.
 */
static int
load_for_write(struct app *app, const char *id, int64_t expected,
    struct media_cols *c, struct http_resp *resp)
{
	int	 r;

	if ((r = cols_load(app->db, id, c)) != 1) {
		if (r == 0)
			http_error(resp, 404, "not_found", "No job has this "
			    "id.", NULL);
		else
			app_db_error(app, resp);
		return 0;
	}
	if (expected != -1 && expected != c->version) {
		cols_clear(c);
		answer_job(app, id, 409, resp);
		return 0;
	}
	return 1;
}

static void
photo_add(struct app *app, struct http_req *req, const char *id,
    struct http_resp *resp)
{
	const char		*kind, *caption, *user;
	struct media_cols	 c;
	struct media_out	 m;
	struct json_object	*e;
	char			 err[192], tmp[1024], disp[MEDIA_NAME_MAX];
	char			 thumb[MEDIA_NAME_MAX], key[32], urls[2][96];
	const char		*gc_urls[2] = { urls[0], urls[1] };
	int64_t			 expected = -1;
	int			 r, tries, status, lockfd = -1, stored = 0;
	int			 full = 0;

	memset(&c, 0, sizeof(c));
	memset(&m, 0, sizeof(m));
	tmp[0] = '\0';
	/* The dispatcher checked kind's value (photos_params). */
	if ((kind = req->values[PHOTOS_KIND].s) == NULL) {
		http_error(resp, 400, "bad_request", "kind must be before, "
		    "after, damage or receipt; caption is optional", NULL);
		return;
	}
	caption = req->values[PHOTOS_CAPTION].s;
	if (caption != NULL && !photos_valid_caption(caption)) {
		http_error(resp, 400, "bad_request", "caption must be UTF-8 "
		    "text of at most 280 bytes, without control characters",
		    NULL);
		return;
	}
	if (api_if_match(req, 0, &expected, resp) == -1)
		return;
	if (!media_type_ok(req->headers[HDR_CONTENT_TYPE])) {
		http_error(resp, 415, "unsupported_media_type", "Send the "
		    "image as image/jpeg, image/png, image/webp or image/heic.",
		    NULL);
		return;
	}
	/* The job, its version and count before the body is read. */
	if (!load_for_write(app, id, expected, &c, resp))
		return;
	if (cols_count(&c) >= PHOTOS_MAX) {
		too_many(resp);
		goto out;
	}
	if (media_dir(app) == -1 || media_init() == -1) {
		http_error(resp, 500, "internal_error", "Photos cannot be "
		    "stored now.", NULL);
		goto out;
	}
	if ((status = body_to_file(req, app->cfg.media_dir, tmp, sizeof(tmp),
	    err, sizeof(err))) != 0) {
		http_error(resp, status, status == 413 ? "payload_too_large" :
		    status == 500 ? "internal_error" : "bad_request", err,
		    NULL);
		goto out;
	}
	switch (media_process(tmp, req->headers[HDR_CONTENT_TYPE], &m, err,
	    sizeof(err))) {
	case MEDIA_OK:
		break;
	case MEDIA_WRONG_TYPE:
		http_error(resp, 415, "unsupported_media_type", err, NULL);
		goto out;
	case MEDIA_CORRUPT:
		http_error(resp, 400, "invalid_image", err, NULL);
		goto out;
	case MEDIA_TOO_LARGE:
		http_error(resp, 400, "image_too_large", err, NULL);
		goto out;
	case MEDIA_ERROR:
		http_error(resp, 500, "internal_error", err, NULL);
		goto out;
	}
	if (media_name(m.disp, m.displen, disp, sizeof(disp)) == -1 ||
	    media_name(m.thumb, m.thumblen, thumb, sizeof(thumb)) == -1 ||
	    jobs_new_id(key, sizeof(key)) == -1) {
		http_error(resp, 500, "internal_error", "The photo could not "
		    "be stored.", NULL);
		goto out;
	}
	snprintf(urls[0], sizeof(urls[0]), "/media/%s", disp);
	snprintf(urls[1], sizeof(urls[1]), "/media/%s", thumb);
	/* From the files in place to the entry committed, none may go. */
	if ((lockfd = media_lock(app, LOCK_SH)) == -1) {
		http_error(resp, 500, "internal_error", "The photo could not "
		    "be stored.", NULL);
		goto out;
	}
	stored = 1;
	if (media_store(app->cfg.media_dir, disp, m.disp, m.displen) == -1 ||
	    media_store(app->cfg.media_dir, thumb, m.thumb, m.thumblen) == -1) {
		http_error(resp, 500, "internal_error", "The photo could not "
		    "be stored.", NULL);
		goto out;
	}
	user = req->remote_user[0] != '\0' ? req->remote_user : NULL;
	/*
	 * Without If-Match a concurrent edit is no conflict: load the job
	 * again and retry, the photo limit checked anew each time.
	 */
	for (tries = 0;; tries++) {
		e = entry_new(key, kind, caption, user, &m, disp, thumb);
		json_object_array_add(strcmp(kind, "receipt") == 0 ?
		    c.receipts : c.photos, e);
		if ((r = cols_store(app->db, id, &c)) != 0 || expected != -1 ||
		    tries == 2)
			break;
		cols_clear(&c);
		if ((r = cols_load(app->db, id, &c)) != 1)
			break;
		if (cols_count(&c) >= PHOTOS_MAX) {
			full = 1;
			r = 0;
			break;
		}
	}
	media_unlock(lockfd);
	lockfd = -1;
	if (r == 1) {
		stored = 0;		/* named by the entry now */
		job_changed(app, id);
		answer_job(app, id, 201, resp);
	} else if (full)
		too_many(resp);
	else if (r == -1)
		app_db_error(app, resp);
	else
		answer_job(app, id, 409, resp);
out:
	media_unlock(lockfd);
	/* Not recorded: its files go unless a job names them. */
	if (stored)
		media_gc(app, gc_urls, 2);
	if (tmp[0] != '\0')
		unlink(tmp);
	media_out_free(&m);
	cols_clear(&c);
}

/* Remove the entry key from arr: its url and thumbUrl into the buffers. */
static int
remove_key(struct json_object *arr, const char *key, char *url,
    char *thumb, size_t sz)
{
	struct json_object	*e, *v;
	size_t			 i, n = json_object_array_length(arr);

	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!json_object_object_get_ex(e, "key", &v) ||
		    strcmp(json_object_get_string(v), key) != 0)
			continue;
		snprintf(url, sz, "%s", json_object_object_get_ex(e, "url",
		    &v) ? json_object_get_string(v) : "");
		snprintf(thumb, sz, "%s", json_object_object_get_ex(e,
		    "thumbUrl", &v) ? json_object_get_string(v) : "");
		json_object_array_del_idx(arr, i, 1);
		return 1;
	}
	return 0;
}

static void
photo_delete(struct app *app, struct http_req *req, const char *id,
    const char *key, struct http_resp *resp)
{
	struct media_cols	 c;
	char			 url[128], thumb[128];
	const char		*gc_urls[2] = { url, thumb };
	int64_t			 expected;
	int			 r;

	if (!http_valid_id(key) || req->nparams > 0) {
		http_error_bad_id(resp, "photo key (and no query)");
		return;
	}
	if (api_if_match(req, 1, &expected, resp) == -1 ||
	    !load_for_write(app, id, expected, &c, resp))
		return;
	if (!remove_key(c.photos, key, url, thumb, sizeof(url)) &&
	    !remove_key(c.receipts, key, url, thumb, sizeof(url))) {
		cols_clear(&c);
		http_error(resp, 404, "not_found", "The job has no photo with "
		    "this key.", NULL);
		return;
	}
	r = cols_store(app->db, id, &c);
	cols_clear(&c);
	if (r == -1) {
		app_db_error(app, resp);
		return;
	}
	if (r == 0) {
		answer_job(app, id, 409, resp);
		return;
	}
	job_changed(app, id);
	media_gc(app, gc_urls, 2);
	answer_job(app, id, 200, resp);
}

void
api_photos(struct app *app, struct http_req *req, struct http_resp *resp)
{
	char		 id[HTTP_PATH_MAX + 1];
	char		*rest, *key = NULL;

	/* req->id is "{id}/photos" or "{id}/photos/{key}". */
	snprintf(id, sizeof(id), "%s", req->id);
	if ((rest = strchr(id, '/')) == NULL)
		goto notfound;
	*rest++ = '\0';
	if (strncmp(rest, "photos", 6) != 0 ||
	    (rest[6] != '\0' && rest[6] != '/'))
		goto notfound;
	if (rest[6] == '/')
		key = rest + 7;
	if (!http_valid_id(id)) {
		http_error_bad_id(resp, "job id");
		return;
	}
	if (req->method == HTTP_POST && key == NULL) {
		photo_add(app, req, id, resp);
		return;
	}
	if (req->method == HTTP_DELETE && key != NULL) {
		photo_delete(app, req, id, key, resp);
		return;
	}
	http_allow(HTTP_M(key == NULL ? HTTP_POST : HTTP_DELETE), resp->allow,
	    sizeof(resp->allow));
	http_error(resp, 405, "method_not_allowed", "Add a photo with POST "
	    "to /photos, remove one with DELETE to /photos/{key}.", NULL);
	return;
notfound:
	http_error(resp, 404, "not_found", "No such endpoint.", NULL);
}

/*
 * After a committed photo change (its day's calendar stamp moved in the
 * same transaction, cols_store): tell the live stream.  Best effort: the
 * change is committed already.
 */
static void
job_changed(struct app *app, const char *id)
{
	struct json_object	*job = NULL, *at;
	struct push_job		 e;
	int64_t			 version;
	time_t			 when;

	if (jobs_load(app->db, id, &job, &version) != 1)
		return;
	if (json_object_object_get_ex(job, "appointmentTime", &at) &&
	    tz_parse_rfc3339(json_object_get_string(at), &when) == 0) {
		memset(&e, 0, sizeof(e));
		snprintf(e.id, sizeof(e.id), "%s", id);
		e.version = version;
		push_set_days(&e, when, 0);
		(void)push_jobs(app->cfg.push_socket, &e, 1);
	}
	json_object_put(job);
}

