/*
 * Configuration.  One table lists every setting with its type, default
 * and bounds; config_load walks it once.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config.h"
#include "origin.h"
#include "tz.h"

#define ENV_MAX_ENTRIES	 128
#define ENV_LINE_MAX	 4096

enum ctype { C_STR, C_SECRET, C_INT, C_ENUM, C_URL, C_TZ, C_BOOL, C_HOSTS,
    C_ADDRS };

struct setting {
	const char	*name;
	enum ctype	 type;
	size_t		 off;		/* into struct config */
	const char	*def;		/* NULL: unset */
	long		 min, max;	/* C_INT bounds; C_STR max length */
	const char	*choices;	/* C_ENUM: "a|b" */
};

#define OFF(f)	offsetof(struct config, f)

static const struct setting settings[] = {
	{ "CRON_SECRET", C_SECRET, OFF(cron_secret), NULL, 0, 512, NULL },
	{ "SQUARE_ACCESS_TOKEN", C_SECRET, OFF(square_token), NULL, 0, 1024,
	    NULL },
	{ "SQUARE_ENVIRONMENT", C_ENUM, OFF(square_environment), "production",
	    0, 0, "sandbox|production" },
	{ "SQUARE_BASE_URL", C_URL, OFF(square_base_url), NULL, 0, 512, NULL },
	{ "SQUARE_VERSION", C_STR, OFF(square_version), "2025-08-20", 0, 10,
	    NULL },
	{ "SQUARE_LOCATION_ID", C_STR, OFF(square_location_id), NULL, 0, 32,
	    NULL },
	{ "SQUARE_WEBHOOK_SIGNATURE_KEY", C_SECRET,
	    OFF(webhook_signature_key), NULL, 0, 512, NULL },
	{ "SQUARE_WEBHOOK_URL", C_URL, OFF(webhook_url), NULL, 0, 1024, NULL },
	{ "SQUARE_TIMEOUT_MS", C_INT, OFF(square_timeout_ms), "30000", 100,
	    30000, NULL },
	{ "SQUARE_CONNECT_TIMEOUT_MS", C_INT, OFF(square_connect_timeout_ms),
	    "5000", 100, 5000, NULL },
	{ "SQUARE_MAX_RETRIES", C_INT, OFF(square_max_retries), "4", 0, 10,
	    NULL },
	{ "SQUARE_RETRY_AFTER_CAP_MS", C_INT, OFF(square_retry_after_cap_ms),
	    "30000", 0, 30000, NULL },
	{ "MYSQL_HOST", C_STR, OFF(mysql_host), "localhost", 0, 255, NULL },
	{ "MYSQL_PORT", C_INT, OFF(mysql_port), "3306", 1, 65535, NULL },
	{ "MYSQL_SOCKET", C_STR, OFF(mysql_socket), NULL, 0, 107, NULL },
	{ "MYSQL_USER", C_STR, OFF(mysql_user), "safari", 0, 80, NULL },
	{ "MYSQL_PASSWORD", C_SECRET, OFF(mysql_password), NULL, 0, 256,
	    NULL },
	{ "MYSQL_DATABASE", C_STR, OFF(mysql_database), "safari", 0, 64,
	    NULL },
	{ "POLLING_INTERVAL_MS", C_INT, OFF(poll_interval_ms), "20000", 1000,
	    3600000, NULL },
	{ "RECONCILE_LOOKBACK_DAYS", C_INT, OFF(lookback_days), "1", 0, 366,
	    NULL },
	{ "RECONCILE_LOOKAHEAD_DAYS", C_INT, OFF(lookahead_days), "30", 0,
	    366, NULL },
	{ "CUSTOMER_CACHE_TTL_HOURS", C_INT, OFF(customer_ttl_hours), "24", 0,
	    8760, NULL },
	{ "BUSINESS_TIMEZONE", C_TZ, OFF(timezone), "America/Los_Angeles", 0,
	    64, NULL },
	{ "STAFF_ANONYMOUS_WRITES", C_BOOL, OFF(anonymous_writes), "0", 0, 1,
	    NULL },
	/* The minimum outlasts a run: RECONCILE_LEASE_MIN_SECONDS. */
	{ "RECONCILE_LEASE_SECONDS", C_INT, OFF(reconcile_lease_seconds),
	    "300", 180, 3600, NULL },
	{ "RETENTION_DAYS", C_INT, OFF(retention_days), "90", 1, 3650, NULL },
	{ "ALLOWED_HOSTS", C_HOSTS, OFF(allowed_hosts), NULL, 0, 2048, NULL },
	{ "TRUSTED_PROXIES", C_ADDRS, OFF(trusted_proxies), NULL, 0, 2048,
	    NULL },
	{ "PUSH_SOCKET", C_STR, OFF(push_socket), NULL, 0, 107, NULL },
	{ "POLL_INTERVAL_PUSH_MS", C_INT, OFF(poll_interval_push_ms), "60000",
	    1000, 3600000, NULL },
	{ "MEDIA_DIR", C_STR, OFF(media_dir), "var/media", 0, 512, NULL },
	{ "LOG_FILE", C_STR, OFF(log_file), NULL, 0, 512, NULL },
};

#define NSETTINGS	 (sizeof(settings) / sizeof(settings[0]))

struct envfile {
	char	*keys[ENV_MAX_ENTRIES];
	char	*values[ENV_MAX_ENTRIES];
	size_t	 n;
	int	 missing;	/* the file does not exist */
};

int
config_parse_line(char *line, char **key, char **value)
{
	char	*k, *end, *v, *hash, *rest;
	size_t	 len;

	for (k = line; isspace((unsigned char)*k); k++)
		continue;
	if (*k == '\0' || *k == '#')
		return 0;
	if (strncmp(k, "export ", 7) == 0)
		for (k += 7; *k == ' '; k++)
			continue;
	for (end = k; isalnum((unsigned char)*end) || *end == '_'; end++)
		continue;
	if (end == k || isdigit((unsigned char)*k))
		return -1;
	for (v = end; *v == ' ' || *v == '\t'; v++)
		continue;
	if (*v != '=')
		return -1;
	*end = '\0';
	for (v++; *v == ' ' || *v == '\t'; v++)
		continue;
	len = strlen(v);
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		v[--len] = '\0';
	if (len > 0 && (v[0] == '"' || v[0] == '\'')) {
		/* A quoted value, then only blanks or a comment. */
		if ((hash = strchr(v + 1, v[0])) == NULL)
			return -1;	/* unbalanced quote */
		for (rest = hash + 1; *rest == ' ' || *rest == '\t'; rest++)
			continue;
		if (*rest != '\0' && *rest != '#')
			return -1;
		*hash = '\0';
		v++;
	} else if ((hash = strstr(v, " #")) != NULL) {
		*hash = '\0';	/* a trailing comment on an unquoted value */
		len = strlen(v);
		while (len > 0 && isspace((unsigned char)v[len - 1]))
			v[--len] = '\0';
	}
	*key = k;
	*value = v;
	return 1;
}

/* Read the .env file at path into ef (values owned by ef). */
static int
envfile_read(const char *path, struct envfile *ef, char *err, size_t errsz)
{
	FILE	*f;
	char	 line[ENV_LINE_MAX], *k, *v;
	size_t	 n = 0, used;
	int	 rc = 0, lineno = 0, r;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT) {
			ef->missing = 1;
			return 0;
		}
		used = strlen(err);
		snprintf(err + used, errsz - used, "%s: cannot read: %s\n",
		    path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			used = strlen(err);
			snprintf(err + used, errsz - used,
			    "%s:%d: line longer than %d bytes\n", path, lineno,
			    ENV_LINE_MAX - 2);
			rc = -1;
			break;
		}
		if ((r = config_parse_line(line, &k, &v)) == 0)
			continue;
		if (r == -1 || n == ENV_MAX_ENTRIES) {
			used = strlen(err);
			snprintf(err + used, errsz - used,
			    "%s:%d: not a KEY=value line\n", path, lineno);
			rc = -1;
			continue;
		}
		if ((ef->keys[n] = strdup(k)) == NULL ||
		    (ef->values[n] = strdup(v)) == NULL) {
			free(ef->keys[n]);
			rc = -1;
			break;
		}
		ef->n = ++n;
	}
	fclose(f);
	return rc;
}

static void
envfile_free(struct envfile *ef)
{
	size_t	 i;

	for (i = 0; i < ef->n; i++) {
		free(ef->keys[i]);
		free(ef->values[i]);
	}
	ef->n = 0;
}

/* The environment wins over the file; the last line of the file wins. */
static const char *
lookup(const struct envfile *ef, const char *name)
{
	const char	*v;
	size_t		 i;

	if ((v = getenv(name)) != NULL)
		return v;
	for (i = ef->n; i > 0; i--)
		if (strcmp(ef->keys[i - 1], name) == 0)
			return ef->values[i - 1];
	return NULL;
}

static int
valid_url(const char *s)
{
	size_t	 i;

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static int
in_choices(const char *v, const char *choices)
{
	size_t	 len = strlen(v);
	const char *p = choices, *bar;

	for (;;) {
		bar = strchr(p, '|');
		if ((bar == NULL ? strlen(p) : (size_t)(bar - p)) == len &&
		    strncmp(p, v, len) == 0)
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 1;
	}
}

/*
 * Set one setting from its text v (or its default).  Returns 0, or -1
 * with the reason in why.
 */
static int
setting_apply(struct config *cfg, const struct setting *s, const char *v,
    char *why, size_t whysz)
{
	char		*end, **sp = (char **)((char *)cfg + s->off);
	long long	 n;
	int		 bad;

	switch (s->type) {
	case C_INT:
	case C_BOOL:
		errno = 0;
		n = strtoll(v, &end, 10);
		bad = *v == '\0' || *end != '\0' || errno != 0;
		if (s->type == C_BOOL && (strcmp(v, "true") == 0 ||
		    strcmp(v, "false") == 0)) {
			n = v[0] == 't';
			bad = 0;
		}
		if (bad || n < s->min || n > s->max) {
			snprintf(why, whysz, "must be %s %ld to %ld",
			    s->type == C_BOOL ? "0 or 1, or" : "a whole number",
			    s->min, s->max);
			return -1;
		}
		*(long *)((char *)cfg + s->off) = (long)n;
		return 0;
	case C_ENUM:
		if (!in_choices(v, s->choices)) {
			snprintf(why, whysz, "must be one of %s", s->choices);
			return -1;
		}
		break;
	case C_URL:
		if (strlen(v) > (size_t)s->max || !valid_url(v)) {
			snprintf(why, whysz, "must be an http(s) URL of at most "
			    "%ld characters", s->max);
			return -1;
		}
		break;
	case C_TZ:
		if (tz_init(v) == -1) {
			snprintf(why, whysz, "must be an IANA time zone name "
			    "such as America/Los_Angeles");
			return -1;
		}
		break;
	case C_HOSTS:
	case C_ADDRS:
		if (strlen(v) > (size_t)s->max || !(s->type == C_HOSTS ?
		    origin_valid_hosts(v) : origin_valid_proxies(v))) {
			snprintf(why, whysz, "must be a list of %s, separated "
			    "by commas", s->type == C_HOSTS ?
			    "host names (with an optional :port)" :
			    "IP addresses");
			return -1;
		}
		break;
	case C_STR:
	case C_SECRET:
		if (strlen(v) > (size_t)s->max) {
			snprintf(why, whysz, "longer than %ld characters",
			    s->max);
			return -1;
		}
		break;
	}
	free(*sp);
	if ((*sp = strdup(v)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	return 0;
}

/* Append one formatted line to err (bounded, NUL-terminated). */
static void	errf(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

static void
errf(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 used = strlen(err);

	if (used + 1 >= errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err + used, errsz - used, fmt, ap);
	va_end(ap);
}

/* dir + "/" + name into buf; 0, or -1 if it does not fit. */
static int
join(char *buf, size_t bufsz, const char *dir, const char *name)
{
	int	 n = snprintf(buf, bufsz, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

int
config_find_file(char *path, size_t pathsz, char *err, size_t errsz)
{
	const char	*named, *home;
	struct passwd	*pw;
	char		 exe[CONFIG_PATH_MAX], *slash;
	ssize_t		 n;

	path[0] = '\0';
	if ((named = getenv("SAFARI_ENV_FILE")) != NULL) {
		if (*named == '\0')
			return 0;	/* the environment only */
		if (strlen(named) >= pathsz) {
			errf(err, errsz, "SAFARI_ENV_FILE is longer than %zu "
			    "characters\n", pathsz - 1);
			return -1;
		}
		snprintf(path, pathsz, "%s", named);
		if (access(path, F_OK) == -1) {
			errf(err, errsz, "%s (SAFARI_ENV_FILE): %s\n", path,
			    strerror(errno));
			return -1;
		}
		return 1;
	}
	/* A .env beside the program (its real directory). */
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			if (join(path, pathsz, exe, ".env") == 0 &&
			    access(path, F_OK) == 0)
				return 1;
		}
	}
	/*
	 * The running user's own file, outside every web root: its home
	 * from HOME, else the password database (CGI and suEXEC pass no
	 * HOME).
	 */
	if ((home = getenv("HOME")) == NULL || *home != '/')
		home = (pw = getpwuid(geteuid())) != NULL ? pw->pw_dir : NULL;
	if (home != NULL && join(path, pathsz, home,
	    ".config/safari/safari.env") == 0 && access(path, F_OK) == 0)
		return 1;
	path[0] = '\0';
	errf(err, errsz, "no settings file: set SAFARI_ENV_FILE, or put one "
	    "at %s/.env or %s/.config/safari/safari.env (SAFARI_ENV_FILE= "
	    "empty: the environment only)\n", n > 0 ? exe : "(the program's "
	    "directory)", home != NULL ? home : "~");
	return -1;
}

int
config_get(const char *name, char **value, char *err, size_t errsz)
{
	struct envfile	 ef;
	const char	*v;
	char		 path[CONFIG_PATH_MAX];
	size_t		 i;
	int		 rc;

	*value = NULL;
	memset(&ef, 0, sizeof(ef));
	err[0] = '\0';
	if (config_find_file(path, sizeof(path), err, errsz) == 1 &&
	    envfile_read(path, &ef, err, errsz) == -1) {
		envfile_free(&ef);
		return -1;
	}
	rc = (v = lookup(&ef, name)) != NULL;
	for (i = 0; v == NULL && i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			v = settings[i].def;
	if (v != NULL && (*value = strdup(v)) == NULL)
		rc = -1;
	envfile_free(&ef);
	return rc;
}

int
config_load(struct config *cfg, const char *envfile, char *err, size_t errsz)
{
	struct envfile	 ef;
	const struct setting *s;
	const char	*v;
	char		 why[160], path[CONFIG_PATH_MAX];
	size_t		 i, used;
	int		 rc = 0, found;

	memset(cfg, 0, sizeof(*cfg));
	memset(&ef, 0, sizeof(ef));
	err[0] = '\0';
	if (envfile != NULL) {
		snprintf(path, sizeof(path), "%s", envfile);
		found = 1;
	} else if ((found = config_find_file(path, sizeof(path), err,
	    errsz)) == -1)
		rc = -1;
	if (found == 1) {
		if (envfile_read(path, &ef, err, errsz) == -1)
			rc = -1;
		else if (ef.missing) {
			errf(err, errsz, "%s: no such file\n", path);
			rc = -1;
		} else if ((cfg->env_file = strdup(path)) == NULL)
			rc = -1;
	}
	for (i = 0; i < NSETTINGS; i++) {
		s = &settings[i];
		v = lookup(&ef, s->name);
		/* An empty value is unset: CRON_SECRET= fails closed. */
		if (v != NULL && *v == '\0' && s->type != C_INT)
			v = NULL;
		if (v != NULL && setting_apply(cfg, s, v, why,
		    sizeof(why)) == 0)
			continue;
		if (v != NULL) {
			used = strlen(err);
			snprintf(err + used, errsz - used, "%s %s\n", s->name,
			    why);
			rc = -1;
		}
		if (s->def != NULL &&
		    setting_apply(cfg, s, s->def, why, sizeof(why)) == -1)
			rc = -1;	/* only out of memory */
	}
	envfile_free(&ef);

	if (cfg->square_base_url == NULL) {
		cfg->square_base_url = strdup(
		    strcmp(cfg->square_environment, "sandbox") == 0 ?
		    "https://connect.squareupsandbox.com" :
		    "https://connect.squareup.com");
		if (cfg->square_base_url == NULL)
			rc = -1;
	}
	if (cfg->square_version != NULL) {
		struct tz_date	 d;

		if (tz_parse_date(cfg->square_version, &d) == -1) {
			used = strlen(err);
			snprintf(err + used, errsz - used,
			    "SQUARE_VERSION must be a date like 2025-08-20\n");
			rc = -1;
		}
	}
	/* Strip the last newline so callers can log err as it is. */
	used = strlen(err);
	if (used > 0 && err[used - 1] == '\n')
		err[used - 1] = '\0';
	return rc;
}

void
config_free(struct config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	free(cfg->env_file);
	cfg->env_file = NULL;
	for (i = 0; i < NSETTINGS; i++) {
		switch (settings[i].type) {
		case C_INT:
		case C_BOOL:
			break;
		default:
			free(*(char **)((char *)cfg + settings[i].off));
			*(char **)((char *)cfg + settings[i].off) = NULL;
			break;
		}
	}
}

void
config_print(const struct config *cfg, FILE *f)
{
	const struct setting *s;
	const char	*v;
	size_t		 i;

	fprintf(f, "settings file: %s\n", cfg->env_file != NULL ?
	    cfg->env_file : "none (the environment only)");
	for (i = 0; i < NSETTINGS; i++) {
		s = &settings[i];
		if (s->type == C_INT || s->type == C_BOOL) {
			fprintf(f, "%s=%ld\n", s->name,
			    *(const long *)((const char *)cfg + s->off));
			continue;
		}
		v = *(char *const *)((const char *)cfg + s->off);
		if (v == NULL)
			fprintf(f, "%s (unset)\n", s->name);
		else if (s->type == C_SECRET)
			fprintf(f, "%s=******** (set, %zu characters)\n",
			    s->name, strlen(v));
		else
			fprintf(f, "%s=%s\n", s->name, v);
	}
}

int
config_require(const struct config *cfg, const char *names, char *err,
    size_t errsz)
{
	const struct setting *s;
	const char	*p = names, *sp;
	size_t		 i, len;
	int		 rc = 0;

	err[0] = '\0';
	while (*p != '\0') {
		len = (sp = strchr(p, ' ')) != NULL ? (size_t)(sp - p) :
		    strlen(p);
		for (i = 0; i < NSETTINGS; i++) {
			s = &settings[i];
			if (strlen(s->name) != len ||
			    strncmp(s->name, p, len) != 0 ||
			    s->type == C_INT || s->type == C_BOOL)
				continue;
			if (*(char *const *)((const char *)cfg + s->off) ==
			    NULL) {
				errf(err, errsz, "%s is required here and not "
				    "set\n", s->name);
				rc = -1;
			}
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	len = strlen(err);
	if (len > 0 && err[len - 1] == '\n')
		err[len - 1] = '\0';
	return rc;
}
