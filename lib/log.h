/*
 * Logging to stderr (or LOG_FILE, see log_open), one line per
 * event: "2026-11-25T15:20:01Z program[pid] LEVEL message".
 * Never pass a secret (token, password, signature key) or a customer
 * detail (name, phone, e-mail, note) to these functions.
 */
#ifndef LOG_H
#define LOG_H

/* Set the program name shown on every line (borrowed; keep it alive). */
void	 log_init(const char *progname);

/*
 * Send the lines to the file at path from now on (appended, made 0640):
 * it becomes stderr, so what libraries print lands there too.  path is
 * borrowed.  Returns 0, or -1 (logged to the old stderr).
 */
int	 log_open(const char *path);

/*
 * Open the log file again (after logrotate moved it; SIGHUP).  Nothing
 * when no file was opened.  Async-signal-safe, so it logs nothing:
 * returns 0, or -1 (the old file stays in use).
 */
int	 log_reopen(void);

void	 log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* As log_warnx, with ": strerror(errno)" appended. */
void	 log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
