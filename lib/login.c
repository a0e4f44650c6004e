/*
 * Staff logins, checked once and remembered briefly (see login.h).
 *
 * Why here and not nginx's auth_basic: auth_basic runs crypt on every
 * request, and with SHA-512 crypt (5,000 rounds) that was half of nginx's
 * CPU under the calendar's load; a room of tablets polling sends the same
 * header again and again.  What is remembered is the SHA-256 of a header
 * that passed crypt, never the password, and only in this process's
 * memory.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "app.h"
#include "http.h"
#include "log.h"
#include "login.h"

#define LOGIN_KEPT	 32		/* logins remembered per process */
#define LOGIN_LINE_MAX	 1024		/* an htpasswd line */
#define LOGIN_LINES_MAX	 10000		/* lines read from the file */
#define LOGIN_USER_MAX	 128

static struct login_entry {
	unsigned char	 key[32];	/* SHA-256 of the Authorization value */
	char		 user[LOGIN_USER_MAX];
	time_t		 at;		/* when crypt passed it (monotonic) */
	int		 used;
} kept[LOGIN_KEPT];

/* The file the remembered logins were checked against. */
static struct {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime, ctime;
	int		 known;
} seen;

static time_t
now_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void
login_forget(void)
{
	memset(kept, 0, sizeof(kept));
	memset(&seen, 0, sizeof(seen));
}

/* Forget everything when the file is not the one the logins passed. */
static int
file_same(const char *htpasswd)
{
	struct stat	 sb;

	if (stat(htpasswd, &sb) == -1) {
		log_warn("%s: %s", __func__, htpasswd);
		return -1;
	}
	if (seen.known && seen.dev == sb.st_dev && seen.ino == sb.st_ino &&
	    seen.size == sb.st_size &&
	    seen.mtime.tv_sec == sb.st_mtim.tv_sec &&
	    seen.mtime.tv_nsec == sb.st_mtim.tv_nsec &&
	    seen.ctime.tv_sec == sb.st_ctim.tv_sec &&
	    seen.ctime.tv_nsec == sb.st_ctim.tv_nsec)
		return 0;
	login_forget();
	seen.dev = sb.st_dev;
	seen.ino = sb.st_ino;
	seen.size = sb.st_size;
	seen.mtime = sb.st_mtim;
	seen.ctime = sb.st_ctim;
	seen.known = 1;
	return 0;
}

/*
 * "Basic <base64 of user:password>" into user and pass (NUL-terminated,
 * in buf).  0, or -1 when it is not a well-formed Basic login.
 */
static int
parse_basic(const char *h, char *buf, size_t bufsz, char **user, char **pass)
{
	size_t	 len;
	int	 n;
	char	*colon;

	if (strncasecmp(h, "Basic ", 6) != 0)
		return -1;
	h += 6;
	while (*h == ' ')
		h++;
	len = strlen(h);
	if (len == 0 || len % 4 != 0 || len / 4 * 3 >= bufsz)
		return -1;
	if ((n = EVP_DecodeBlock((unsigned char *)buf,
	    (const unsigned char *)h, (int)len)) < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding's zero bytes. */
	if (h[len - 1] == '=')
		n--;
	if (h[len - 2] == '=')
		n--;
	buf[n] = '\0';
	if (memchr(buf, '\0', (size_t)n) != NULL ||
	    (colon = strchr(buf, ':')) == NULL || colon == buf ||
	    (size_t)(colon - buf) >= LOGIN_USER_MAX)
		return -1;
	*colon = '\0';
	*user = buf;
	*pass = colon + 1;
	return 0;
}

/*
 * The hash of user in the htpasswd file, into hash.  1 found, 0 not
 * there, -1 the file cannot be read (logged).
 */
static int
file_hash(const char *htpasswd, const char *user, char *hash, size_t hashsz)
{
	char	 line[LOGIN_LINE_MAX + 2], *colon, *end;
	size_t	 ulen = strlen(user), n = 0;
	FILE	*f;
	int	 rc = 0;

	if ((f = fopen(htpasswd, "re")) == NULL) {
		log_warn("%s: %s", __func__, htpasswd);
		return -1;
	}
	while (rc == 0 && n++ < LOGIN_LINES_MAX &&
	    fgets(line, sizeof(line), f) != NULL) {
		if ((colon = strchr(line, ':')) == NULL ||
		    (size_t)(colon - line) != ulen ||
		    memcmp(line, user, ulen) != 0)
			continue;
		colon++;
		/* "user:hash" or "user:hash:comment", as nginx reads it. */
		end = colon + strcspn(colon, ":\r\n");
		*end = '\0';
		if ((size_t)(end - colon) < hashsz) {
			memcpy(hash, colon, (size_t)(end - colon) + 1);
			rc = 1;
		}
	}
	if (ferror(f)) {
		log_warn("%s: %s", __func__, htpasswd);
		rc = -1;
	}
	fclose(f);
	return rc;
}

/* Does pass match hash (crypt: SHA-512, bcrypt, …)?  1 or 0. */
static int
password_ok(const char *pass, const char *hash)
{
	static struct crypt_data cd;	/* 32 KiB: not on the stack */
	const char	*out;
	size_t		 len = strlen(hash);

	memset(&cd, 0, sizeof(cd));
	if (len == 0 || hash[0] == '*' || hash[0] == '!')
		return 0;
	if ((out = crypt_r(pass, hash, &cd)) == NULL || out[0] == '*' ||
	    strlen(out) != len)
		return 0;
	return CRYPTO_memcmp(out, hash, len) == 0;
}

int
login_check(const char *htpasswd, const char *authorization, char *user,
    size_t usersz)
{
	unsigned char	 key[32];
	unsigned int	 klen = 0;
	char		 buf[1024], hash[LOGIN_LINE_MAX], *u, *p;
	struct login_entry *e, *slot = NULL;
	time_t		 now = now_mono();
	size_t		 i;
	int		 rc;

	if (file_same(htpasswd) == -1)
		return -1;
	if (authorization == NULL || EVP_Digest(authorization,
	    strlen(authorization), key, &klen, EVP_sha256(), NULL) != 1 ||
	    klen != sizeof(key))
		return 0;
	for (i = 0; i < LOGIN_KEPT; i++) {
		e = &kept[i];
		if (e->used && now - e->at < LOGIN_REMEMBER_SECONDS &&
		    CRYPTO_memcmp(e->key, key, sizeof(key)) == 0) {
			snprintf(user, usersz, "%s", e->user);
			return 1;
		}
		/* The slot to fill: a free one, else the oldest. */
		if (slot == NULL || !e->used || (slot->used && e->at <
		    slot->at))
			slot = e;
	}
	if (parse_basic(authorization, buf, sizeof(buf), &u, &p) == -1)
		return 0;
	rc = file_hash(htpasswd, u, hash, sizeof(hash));
	if (rc == 1)
		rc = password_ok(p, hash);
	if (rc == 1) {
		memcpy(slot->key, key, sizeof(key));
		snprintf(slot->user, sizeof(slot->user), "%s", u);
		slot->at = now;
		slot->used = 1;
		snprintf(user, usersz, "%s", u);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

void
login_answer(struct app *app, struct http_req *req, struct http_resp *resp)
{
	const char	*file;
	char		 user[LOGIN_USER_MAX];

	(void)app;
	file = req->io != NULL && req->io->param != NULL ?
	    req->io->param(req->io->ctx, "SAFARI_HTPASSWD") : NULL;
	if (file == NULL || file[0] != '/' || strlen(file) > 256) {
		http_error(resp, 500, "internal_error",
		    "The web server names no login file.", NULL);
		return;
	}
	switch (login_check(file, req->headers[HDR_AUTHORIZATION], user,
	    sizeof(user))) {
	case 1:
		resp->status = 204;
		break;
	case 0:
		resp->www_auth = "Basic realm=\"Safari Detail Ops\"";
		http_error(resp, 401, "login_required", "Sign in as staff.",
		    NULL);
		break;
	default:
		http_error(resp, 500, "internal_error",
		    "The login file cannot be read.", NULL);
		break;
	}
}
