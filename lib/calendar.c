/*
 * The calendar's change check and its per-process answer cache.
 *
 * Why per-day stamps and not the range's MAX(updated_at) or a fingerprint
 * of its rows: a write's time is taken when its statement starts, not when
 * it commits, so a slow writer can commit a change older than the newest
 * time already read, and a job that moves out leaves no row behind; a
 * fingerprint of the rows is correct but reads every row of the range on
 * every request (about 1 ms for a 500-job week).  A day's stamp only
 * grows, is moved after every write of a job of that day (and of the day a
 * job left), and a range reads at most 63 of them by primary key.  Rows
 * lock per day, not one row for every writer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "calendar.h"
#include "db.h"
#include "log.h"
#include "tz.h"

#define CAL_CACHE	 4		/* answers kept per process */

#define TOUCH_MAX	 256		/* days per statement */

/*
 * Answer files (nginx sends them): a file used within FILE_FRESH seconds
 * is left alone, an older one is touched when used, and a sweep (at most
 * every FILE_SWEEP seconds) removes those untouched for FILE_STALE.  So a
 * file is never removed within FILE_STALE - FILE_FRESH seconds of being
 * handed to nginx, far longer than nginx takes to open it.
 */
#define FILE_FRESH	 30
#define FILE_STALE	 120
#define FILE_SWEEP	 60
/*
 * An answer replaced by a newer one of its range (a write changed it) is
 * dated so that the sweep removes it FILE_GRACE seconds later, unless it
 * is used again meanwhile: nginx opens a file milliseconds after it was
 * named, and staff writing every few seconds must not fill the directory
 * with answers no one will ask for again.
 */
#define FILE_GRACE	 5
/*
 * At most about FILE_MAX files (a staff client asking for thousands of
 * ranges must not fill the disk): past it, answers go out as bytes until
 * a sweep makes room.  Counted by a scan every FILE_SCAN writes.
 */
#define FILE_MAX	 256
#define FILE_SCAN	 16

static const char sql_stamp[] =
	"SELECT COUNT(*), COALESCE(SUM(stamp), 0) FROM calendar_days "
	"WHERE day >= ? AND day <= ?";
static const char sql_touch_head[] =
	"INSERT INTO calendar_days (day, stamp) VALUES ";
static const char sql_touch_row[] = "(?, 1)";
static const char sql_touch_tail[] =
	" ON DUPLICATE KEY UPDATE stamp = stamp + 1";

static struct cal_entry {
	char	 etag[96];
	char	*body;			/* owned */
	size_t	 len;
} cache[CAL_CACHE];
static size_t	 cache_next;

/*
 * The host's change generation: one 64-bit counter in GEN_FILE of the
 * answer directory, mapped shared by every program process, moved after
 * every committed job write (calendar_changed).  A range's stamp read
 * while the generation was g is reused while it still is g, for at most
 * GEN_TRUST_MS: a write through the product moves g before it answers,
 * so the next request reads the stamps again; a write from outside (a
 * second host on the same database, a hand-made change) is seen within
 * GEN_TRUST_MS.  Not a row every writer waits on: an atomic add in memory.
 */
#define GEN_FILE	 ".generation"
#define GEN_TRUST_MS	 1000
#define GEN_RANGES	 8		/* ranges remembered per process */

static struct {
	char		 dir[CALENDAR_PATH_MAX];
	uint64_t	*counter;	/* mapped; NULL when none */
} gen;

static struct gen_entry {
	time_t			 from, to;
	uint64_t		 generation;
	int64_t			 read_ms;	/* when the stamp was read */
	struct calendar_stamp	 st;
} ranges[GEN_RANGES];
static size_t	 ranges_next;

/* The UTC date of t as YYYY-MM-DD. */
static void
day_format(time_t t, char *buf, size_t bufsz)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsz, "%Y-%m-%d", &tm);
}

static int
day_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
calendar_dir_ok(const char *dir)
{
	return dir != NULL && dir[0] == '/' &&
	    strnlen(dir, CALENDAR_DIR_MAX + 1) <= CALENDAR_DIR_MAX;
}

void
calendar_generation_use(const char *dir)
{
	char		 path[CALENDAR_PATH_MAX];
	struct stat	 sb;
	void		*p;
	int		 fd, n;

	if (!calendar_dir_ok(dir) ||
	    (gen.counter != NULL && strcmp(gen.dir, dir) == 0))
		return;
	if (gen.counter != NULL) {
		munmap(gen.counter, sizeof(*gen.counter));
		gen.counter = NULL;
	}
	n = snprintf(path, sizeof(path), "%s/%s", dir, GEN_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_warn("%s: mkdir %s", __func__, dir);
		return;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0640)) == -1) {
		log_warn("%s: %s", __func__, path);
		return;
	}
	/* A new file is grown to the counter's size (zeros) by whoever is first. */
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (sb.st_size < (off_t)sizeof(*gen.counter) &&
	    ftruncate(fd, sizeof(*gen.counter)) == -1)) {
		log_warn("%s: %s", __func__, path);
		close(fd);
		return;
	}
	p = mmap(NULL, sizeof(*gen.counter), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		log_warn("%s: mmap %s", __func__, path);
		return;
	}
	gen.counter = p;
	snprintf(gen.dir, sizeof(gen.dir), "%s", dir);
	memset(ranges, 0, sizeof(ranges));
}

void
calendar_changed(void)
{
	if (gen.counter != NULL)
		__atomic_add_fetch(gen.counter, 1, __ATOMIC_SEQ_CST);
}

int
calendar_stamp(struct db *db, time_t from, time_t to,
    struct calendar_stamp *out)
{
	char		 a[16], b[16];
	struct db_arg	 args[2];
	struct db_res	*res;

	day_format(from, a, sizeof(a));
	day_format(to > from ? to - 1 : to, b, sizeof(b));
	args[0] = db_arg_str(a);
	args[1] = db_arg_str(b);
	if (db_exec(db, sql_stamp, args, 2, &res, NULL) == -1)
		return -1;
	out->days = db_cell_int(res, 0, 0);
	out->sum = db_cell_int(res, 0, 1);
	db_res_free(res);
	return 0;
}

int
calendar_check(struct db *db, time_t from, time_t to,
    struct calendar_stamp *out)
{
	struct gen_entry	*e;
	uint64_t		 g;
	int64_t			 now;
	size_t			 i;

	if (gen.counter == NULL)
		return calendar_stamp(db, from, to, out);
	/* Read before the stamps: a write during the read moves it again. */
	g = __atomic_load_n(gen.counter, __ATOMIC_SEQ_CST);
	now = tz_mono_ms();
	for (i = 0; i < GEN_RANGES; i++) {
		e = &ranges[i];
		if (e->read_ms != 0 && e->from == from && e->to == to &&
		    e->generation == g && now - e->read_ms < GEN_TRUST_MS) {
			*out = e->st;
			return 0;
		}
	}
	if (calendar_stamp(db, from, to, out) == -1)
		return -1;
	for (i = 0; i < GEN_RANGES; i++)
		if (ranges[i].from == from && ranges[i].to == to)
			break;
	e = &ranges[i < GEN_RANGES ? i : ranges_next++ % GEN_RANGES];
	e->from = from;
	e->to = to;
	e->generation = g;
	e->read_ms = now;
	e->st = *out;
	return 0;
}

int
calendar_touch(struct db *db, const time_t *times, size_t n)
{
	char		(*days)[11] = NULL, *sql = NULL;
	struct db_arg	*args = NULL;
	size_t		 i, j, k, nd = 0;
	int		 rc = -1;

	if (n == 0)
		return 0;
	if ((days = calloc(n, sizeof(*days))) == NULL ||
	    (args = calloc(n, sizeof(*args))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		day_format(times[i], days[i], sizeof(days[i]));
	qsort(days, n, sizeof(*days), day_cmp);
	for (i = 0; i < n; i++)
		if (nd == 0 || strcmp(days[nd - 1], days[i]) != 0)
			memmove(days[nd++], days[i], sizeof(days[i]));
	for (i = 0; i < nd; i += TOUCH_MAX) {
		k = nd - i < TOUCH_MAX ? nd - i : TOUCH_MAX;
		free(sql);
		if ((sql = db_sql_repeat(sql_touch_head, sql_touch_row, k,
		    sql_touch_tail)) == NULL)
			goto out;
		for (j = 0; j < k; j++)
			args[j] = db_arg_str(days[i + j]);
		if (db_exec(db, sql, args, k, NULL, NULL) == -1)
			goto out;
	}
	rc = 0;
out:
	/* Also on failure: part of it may be in. */
	calendar_changed();
	free(sql);
	free(args);
	free(days);
	return rc;
}

const char *
calendar_cached(const char *etag, size_t *len)
{
	size_t	 i;

	for (i = 0; i < CAL_CACHE; i++)
		if (cache[i].body != NULL && strcmp(cache[i].etag, etag) == 0) {
			*len = cache[i].len;
			return cache[i].body;
		}
	return NULL;
}

const char *
calendar_store(const char *etag, const char *body, size_t len)
{
	static int		 registered;
	struct cal_entry	*e = &cache[cache_next++ % CAL_CACHE];
	char			*copy;

	/* The cache is this file's alone: it frees itself at exit. */
	if (!registered && atexit(calendar_cache_free) == 0)
		registered = 1;
	if ((copy = malloc(len + 1)) == NULL)
		return NULL;		/* the cache is only a cache */
	memcpy(copy, body, len);
	copy[len] = '\0';
	free(e->body);
	e->body = copy;
	e->len = len;
	snprintf(e->etag, sizeof(e->etag), "%s", etag);
	return e->body;
}

void
calendar_cache_free(void)
{
	size_t	 i;

	for (i = 0; i < CAL_CACHE; i++) {
		free(cache[i].body);
		cache[i].body = NULL;
	}
}

/* "<dir>/<name>": 0, or -1 when it does not fit. */
static int
file_path(char *buf, size_t bufsz, const char *dir, const char *name)
{
	int	 n;

	n = snprintf(buf, bufsz, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

int
calendar_file_name(const char *etag, char *name, size_t namesz)
{
	size_t	 i, len = strlen(etag);
	int	 n;

	if (len < 3 || etag[0] != '"' || etag[len - 1] != '"')
		return -1;
	for (i = 1; i < len - 1; i++)
		if (strchr("0123456789abcdefghijklmnopqrstuvwxyz.-",
		    etag[i]) == NULL)
			return -1;
	n = snprintf(name, namesz, "%.*s.json", (int)(len - 2), etag + 1);
	return n < 0 || (size_t)n >= namesz ? -1 : 0;
}

int
calendar_file_ready(const char *dir, const char *name)
{
	char		 path[CALENDAR_PATH_MAX];
	struct stat	 sb;
	time_t		 now = time(NULL);

	if (file_path(path, sizeof(path), dir, name) == -1)
		return -1;
	if (stat(path, &sb) == -1)
		return errno == ENOENT ? 0 : -1;
	/* In use: keep it out of the sweep's reach. */
	if (sb.st_mtime < now - FILE_FRESH && utimensat(AT_FDCWD, path,
	    NULL, 0) == -1)
		return errno == ENOENT ? 0 : -1;
	return 1;
}

/*
 * Remove the answer files no one used for FILE_STALE seconds.  Returns
 * how many are left.
 */
static size_t
file_sweep(const char *dir)
{
	char		 path[CALENDAR_PATH_MAX];
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	time_t		 now = time(NULL);
	size_t		 left = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0') ||
		    strcmp(de->d_name, GEN_FILE) == 0))
			continue;
		if (file_path(path, sizeof(path), dir, de->d_name) == -1 ||
		    lstat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		if (sb.st_mtime >= now - FILE_STALE || unlink(path) == -1)
			left++;
	}
	closedir(d);
	return left;
}

/* Is there room for one more file?  Sweeps now and then.  1 or 0. */
static int
file_room(const char *dir)
{
	static time_t	 last;
	static size_t	 kept, since;
	static int	 said;
	time_t		 now = time(NULL);

	if (now - last >= FILE_SWEEP || since >= FILE_SCAN) {
		kept = file_sweep(dir);
		last = now;
		since = 0;
	}
	if (kept + since >= FILE_MAX) {
		if (!said)
			log_warnx("%s: %zu answer files in %s: sending answers "
			    "as bytes until a sweep makes room", __func__,
			    kept + since, dir);
		said = 1;
		return 0;
	}
	said = 0;
	since++;
	return 1;
}

/* The range part of an answer's name: after its stamp ("c1.2-…"). */
static const char *
file_range(const char *name)
{
	const char	*p = strchr(name, '-');

	return p != NULL ? p : "";
}

/* Date the other answers of name's range for removal (FILE_GRACE). */
static void
file_supersede(const char *dir, const char *name)
{
	char		 path[CALENDAR_PATH_MAX];
	const char	*range = file_range(name);
	struct timespec	 ts[2];
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;

	if (*range == '\0' || (d = opendir(dir)) == NULL)
		return;
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = time(NULL) - FILE_STALE + FILE_GRACE;
	ts[1].tv_nsec = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, name) == 0 ||
		    strcmp(file_range(de->d_name), range) != 0 ||
		    file_path(path, sizeof(path), dir, de->d_name) == -1 ||
		    lstat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		/* Never later than it is: that would put it off for ever. */
		if (sb.st_mtime > ts[1].tv_sec)
			(void)utimensat(AT_FDCWD, path, ts,
			    AT_SYMLINK_NOFOLLOW);
	}
	closedir(d);
}

int
calendar_file_write(const char *dir, const char *name, const char *body,
    size_t len)
{
	char		 path[CALENDAR_PATH_MAX], tmp[CALENDAR_PATH_MAX];
	const char	*p = body;
	size_t		 left = len;
	ssize_t		 w;
	int		 fd, n;

	if (file_path(path, sizeof(path), dir, name) == -1 ||
	    (n = snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name,
	    (long)getpid())) < 0 || (size_t)n >= sizeof(tmp)) {
		log_warnx("%s: answer file name too long", __func__);
		return -1;
	}
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_warn("%s: mkdir %s", __func__, dir);
		return -1;
	}
	if (!file_room(dir))
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1) {
		log_warn("%s: %s", __func__, tmp);
		return -1;
	}
	while (left > 0) {
		if ((w = write(fd, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: write %s", __func__, tmp);
			close(fd);
			(void)unlink(tmp);
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	/* Whole or not at all: nginx never sees a half-written answer. */
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		log_warn("%s: %s", __func__, path);
		(void)unlink(tmp);
		return -1;
	}
	file_supersede(dir, name);
	return 0;
}
