/*
 * Staff logins, checked once and remembered briefly.  nginx asks on every
 * staff request (auth_request to the calendar program's /_login); the
 * first time a Basic header is seen its password is checked against the
 * htpasswd file with crypt (SHA-512 crypt or bcrypt: thousands of rounds,
 * milliseconds of CPU), and a success is remembered in this process, by
 * the SHA-256 of the header, for at most LOGIN_REMEMBER_SECONDS.  Any
 * change to the file (a new or removed password, a rewrite, a chmod)
 * forgets every remembered login at once.  A refusal is never remembered.
 */
#ifndef LOGIN_H
#define LOGIN_H

#include <stddef.h>

#define LOGIN_REMEMBER_SECONDS	 60

/*
 * Check an Authorization header (NULL: none) against the htpasswd file.
 * Returns 1 and puts the user name in user (NUL-terminated, truncated to
 * usersz) when it is a staff login, 0 when it is not (no header, another
 * scheme, unknown user, wrong password), -1 when the file cannot be read
 * (logged).  Blocks on the file system only.
 */
int	 login_check(const char *htpasswd, const char *authorization,
	    char *user, size_t usersz);

/* Forget every remembered login (tests; the next check reads the file). */
void	 login_forget(void);

struct app;
struct http_req;
struct http_resp;

/*
 * GET /_login, nginx's auth_request: 204 for a staff login, 401 (with
 * WWW-Authenticate) for anything else, 500 when the file nginx names in
 * SAFARI_HTPASSWD cannot be read.
 */
void	 login_answer(struct app *, struct http_req *, struct http_resp *);

#endif
