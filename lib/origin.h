/*
 * Where a request really comes from: the scheme the client used (a
 * TLS-terminating proxy's X-Forwarded-Proto is believed only from
 * TRUSTED_PROXIES) and the same-origin check of state-changing requests
 * (the Origin's host must be one of ALLOWED_HOSTS, or, when that is unset,
 * the request's own Host).  Pure functions of their arguments: no I/O.
 */
#ifndef ORIGIN_H
#define ORIGIN_H

#include "config.h"

/*
 * The scheme the client used: forwarded_proto ("http" or "https", any
 * case) when remote_addr is one of cfg->trusted_proxies, else own_scheme
 * (the server's: "https" when its HTTPS is on).  Returns a static string
 * or own_scheme; NULL arguments are absent.
 */
const char	*origin_scheme(const struct config *cfg, const char *remote_addr,
		    const char *forwarded_proto, const char *own_scheme);

/*
 * May a state-changing request go on?  1 when origin (the Origin header)
 * is NULL, or is exactly scheme "://" host[:port] with a host[:port] that
 * one of cfg->allowed_hosts names (an entry without a port accepts any
 * port), or, with no allowed_hosts, equal to host (the Host header); host
 * names compare without case.  0 otherwise ("null" included).
 */
int		 origin_allowed(const struct config *cfg, const char *scheme,
		    const char *host, const char *origin);

/*
 * Is list a valid ALLOWED_HOSTS (host names or [IPv6] literals, each with
 * an optional :port) or TRUSTED_PROXIES (IPv4 or IPv6 addresses) value?
 * Entries are separated by commas or spaces; at least one.  1 or 0.
 */
int		 origin_valid_hosts(const char *list);
int		 origin_valid_proxies(const char *list);

#endif
