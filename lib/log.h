/*
 * Logging to stderr (nginx/spawn-fcgi send it to var/log/), one line per
 * event: "2026-11-25T15:20:01Z program[pid] LEVEL message".
 * Never pass a secret (token, password, signature key) or a customer
 * detail (name, phone, e-mail, note) to these functions.
 */
#ifndef LOG_H
#define LOG_H

/* Set the program name shown on every line (borrowed; keep it alive). */
void	 log_init(const char *progname);

void	 log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* As log_warnx, with ": strerror(errno)" appended. */
void	 log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
