/*
 * Publishing job changes to nchan over a unix socket: one short
 * HTTP/1.0 POST, a deadline over connect, write and the status line.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "push.h"
#include "tz.h"

#define PUSH_PATH	 "/publish"

static int	 failing;	/* the last publish failed (logged once) */

void
push_set_days(struct push_job *e, time_t when, time_t prev)
{
	struct tz_date	 d;
	char		 p[11];

	tz_local_date(when, &d);
	tz_format_date(&d, e->day, sizeof(e->day));
	e->previous_day[0] = '\0';
	if (prev == 0)
		return;
	tz_local_date(prev, &d);
	tz_format_date(&d, p, sizeof(p));
	if (strcmp(p, e->day) != 0)
		memcpy(e->previous_day, p, sizeof(p));
}

int
push_batch_add(struct push_batch *b, const struct push_job *e)
{
	struct push_job	*n;
	size_t		 cap;

	if (b->n == b->cap) {
		cap = b->cap ? b->cap * 2 : 16;
		if ((n = reallocarray(b->jobs, cap, sizeof(*n))) == NULL) {
			log_warnx("%s: out of memory", __func__);
			return -1;
		}
		b->jobs = n;
		b->cap = cap;
	}
	b->jobs[b->n++] = *e;
	return 0;
}

void
push_batch_free(struct push_batch *b)
{
	free(b->jobs);
	b->jobs = NULL;
	b->n = b->cap = 0;
}

char *
push_message(const struct push_job *jobs, size_t n)
{
	struct json_object	*root, *arr, *o;
	char			*s;
	size_t			 i;

	root = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(root, "jobs", arr);
	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "id",
		    json_object_new_string(jobs[i].id));
		json_object_object_add(o, "version",
		    json_object_new_int64(jobs[i].version));
		json_object_object_add(o, "day",
		    json_object_new_string(jobs[i].day));
		if (jobs[i].previous_day[0] != '\0')
			json_object_object_add(o, "previousDay",
			    json_object_new_string(jobs[i].previous_day));
		json_object_array_add(arr, o);
	}
	s = strdup(json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return s;
}

/* Wait for fd to be ready for events before the deadline.  0 or -1. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd	 pfd = { fd, events, 0 };
	long		 left;
	int		 r;

	for (;;) {
		if ((left = (long)(deadline - tz_mono_ms())) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if ((r = poll(&pfd, 1, (int)left)) > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* POST body to the publisher; 0 on a 2xx answer, else -1 with why. */
static int
post(const char *socket_path, const char *body, char *why, size_t whysz)
{
	struct sockaddr_un	 sun;
	int64_t			 deadline;	/* monotonic ms */
	char			 head[256], answer[64];
	const char		*parts[2];
	size_t			 lens[2], off, k, got = 0;
	ssize_t			 w;
	int			 fd, rc = -1, err;
	socklen_t		 errlen = sizeof(err);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(socket_path) >= sizeof(sun.sun_path)) {
		snprintf(why, whysz, "socket path too long");
		return -1;
	}
	memcpy(sun.sun_path, socket_path, strlen(socket_path));
	deadline = tz_mono_ms() + PUSH_TIMEOUT_MS;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(why, whysz, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			snprintf(why, whysz, "connect: %s", strerror(errno));
			goto out;
		}
		if (wait_fd(fd, POLLOUT, deadline) == -1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1 ||
		    err != 0) {
			snprintf(why, whysz, "connect: %s",
			    strerror(errno == ETIMEDOUT ? ETIMEDOUT : err));
			goto out;
		}
	}
	snprintf(head, sizeof(head), "POST " PUSH_PATH " HTTP/1.0\r\n"
	    "Host: localhost\r\nContent-Type: application/json\r\n"
	    "Accept: text/json\r\nContent-Length: %zu\r\n\r\n", strlen(body));
	parts[0] = head;
	parts[1] = body;
	lens[0] = strlen(head);
	lens[1] = strlen(body);
	for (k = 0; k < 2; k++)
		for (off = 0; off < lens[k]; off += (size_t)w) {
			if (wait_fd(fd, POLLOUT, deadline) == -1) {
				snprintf(why, whysz, "write: %s",
				    strerror(errno));
				goto out;
			}
			w = send(fd, parts[k] + off, lens[k] - off,
			    MSG_NOSIGNAL);
			if (w == -1 && (errno == EAGAIN || errno == EINTR))
				w = 0;
			else if (w == -1) {
				snprintf(why, whysz, "write: %s",
				    strerror(errno));
				goto out;
			}
		}
	/* "HTTP/1.x 2xx": the first line is enough. */
	while (got < 12) {
		if (wait_fd(fd, POLLIN, deadline) == -1) {
			snprintf(why, whysz, "read: %s", strerror(errno));
			goto out;
		}
		w = recv(fd, answer + got, sizeof(answer) - 1 - got, 0);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0) {
			snprintf(why, whysz, "the publisher closed early");
			goto out;
		}
		got += (size_t)w;
	}
	answer[got] = '\0';
	if (strncmp(answer, "HTTP/1.", 7) != 0 || answer[9] != '2') {
		snprintf(why, whysz, "the publisher answered %.12s", answer);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int
push_jobs(const char *socket_path, const struct push_job *jobs, size_t n)
{
	char	*body, why[160];
	size_t	 i, m;
	int	 rc = 0;

	if (socket_path == NULL || socket_path[0] == '\0' || n == 0)
		return 0;
	for (i = 0; i < n && rc == 0; i += m) {
		m = n - i < PUSH_MAX_JOBS ? n - i : PUSH_MAX_JOBS;
		if ((body = push_message(jobs + i, m)) == NULL) {
			snprintf(why, sizeof(why), "out of memory");
			rc = -1;
		} else if (post(socket_path, body, why, sizeof(why)) == -1)
			rc = -1;
		free(body);
	}
	if (rc == -1 && !failing)
		log_warnx("%s: live updates not published (pages still "
		    "poll): %s", __func__, why);
	else if (rc == 0 && failing)
		log_info("[PUSH] live updates published again");
	failing = rc == -1;
	return rc;
}

int
push_flush(struct push_batch *b, const char *socket_path)
{
	int	 rc;

	rc = push_jobs(socket_path, b->jobs, b->n);
	b->n = 0;
	return rc;
}
