/*
 * Configuration: environment variables, or a .env file (the environment
 * wins).  Every setting is bounded and validated; each bad one gives one
 * clear line naming it.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

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
};

/*
 * Fill cfg from the environment and the .env file at envfile (NULL: the
 * SAFARI_ENV_FILE variable, else ./.env, else ../.env).  Returns 0, or -1
 * after writing one line per bad setting into err (NUL-terminated,
 * truncated to errsz).  Either way cfg holds defaults for what was not
 * set; free it with config_free.
 */
int	 config_load(struct config *cfg, const char *envfile, char *err,
	    size_t errsz);
void	 config_free(struct config *);

/*
 * Parse one .env line into key and value (both point into line, which is
 * modified).  Returns 1 for a setting, 0 for a blank or comment line, -1
 * for a malformed one.  Exposed for tests.
 */
int	 config_parse_line(char *line, char **key, char **value);

#endif
