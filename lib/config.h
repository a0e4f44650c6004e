/*
 * Configuration: environment variables, then one settings file (the
 * environment wins).  The file is the one SAFARI_ENV_FILE names, else a
 * .env beside the program, else ~/.config/safari/safari.env of the user
 * the program runs as (config_find_file).  Every setting is bounded and
 * validated; each bad one gives one clear line naming it.  This is the
 * product's only .env parser: scripts ask a program (--get NAME).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_PATH_MAX	 1024

/* Every number is a long, so the settings table can set them alike. */
struct config {
	char	*cron_secret;		/* NULL when unset or empty */
	char	*square_token;		/* NULL when unset */
	char	*square_environment;	/* "sandbox" or "production" */
	char	*square_base_url;	/* resolved from the environment */
	char	*square_version;
	char	*square_location_id;	/* NULL: all locations */
	char	*webhook_signature_key;	/* NULL when unset */
	char	*webhook_url;		/* NULL when unset */
	long	 square_timeout_ms;	/* per call */
	long	 square_connect_timeout_ms;
	long	 square_max_retries;
	long	 square_retry_after_cap_ms;
	char	*mysql_host;
	long	 mysql_port;
	char	*mysql_socket;		/* NULL: TCP */
	char	*mysql_user;
	char	*mysql_password;
	char	*mysql_database;
	long	 poll_interval_ms;
	long	 lookback_days;
	long	 lookahead_days;
	long	 customer_ttl_hours;
	char	*timezone;
	long	 anonymous_writes;	/* STAFF_ANONYMOUS_WRITES=1, demos only */
	long	 reconcile_lease_seconds;
	long	 retention_days;	/* runs and webhook events kept */
	char	*allowed_hosts;		/* Origin hosts; NULL: the request's */
	char	*trusted_proxies;	/* X-Forwarded-Proto from; NULL: none */
	char	*push_socket;		/* nchan publisher; NULL: no push */
	long	 poll_interval_push_ms;	/* polling while the stream is up */
	char	*media_dir;		/* MEDIA_DIR: photos (default var/media) */
	char	*log_file;		/* LOG_FILE; NULL: stderr */
	char	*env_file;		/* the file read; NULL: none */
};

/*
 * The settings file into path: returns 1 with its path, 0 when
 * SAFARI_ENV_FILE is set and empty (the environment only), -1 with a
 * line in err when SAFARI_ENV_FILE names a file that does not exist or
 * no file is found at all.  Never opens the file.
 */
int	 config_find_file(char *path, size_t pathsz, char *err, size_t errsz);

/*
 * Fill cfg from the environment and the settings file at envfile (NULL:
 * the one config_find_file finds; cfg->env_file says which).  A missing
 * file is an error.  Returns 0, or -1 after writing one line per bad
 * setting into err (NUL-terminated, truncated to errsz).  Either way cfg
 * holds defaults for what was not set; free it with config_free.
 */
int	 config_load(struct config *cfg, const char *envfile, char *err,
	    size_t errsz);
void	 config_free(struct config *);

/*
 * The value of one variable as the programs see it (the environment,
 * then the settings file; any name, not only the table's), for scripts.
 * Returns 1 when set (maybe empty), 0 when not (*value is then the
 * setting's default, or NULL), -1 if the file cannot be read.  The
 * caller frees *value.
 */
int	 config_get(const char *name, char **value, char *err, size_t errsz);

/* Print the file read and every setting, secrets masked, to f. */
void	 config_print(const struct config *, FILE *f);

/*
 * Check that each setting of names (separated by spaces) is set.
 * Returns 0, or -1 with one line per missing one in err.
 */
int	 config_require(const struct config *, const char *names, char *err,
	    size_t errsz);

/*
 * Parse one .env line into key and value (both point into line, which is
 * modified).  Returns 1 for a setting, 0 for a blank or comment line, -1
 * for a malformed one.  Exposed for tests.
 */
int	 config_parse_line(char *line, char **key, char **value);

#endif
