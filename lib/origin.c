/*
 * The Origin check and the scheme behind a proxy.  Lists (ALLOWED_HOSTS,
 * TRUSTED_PROXIES) are walked in place, entry by entry: no allocation.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "origin.h"

#define HOST_MAX	 262		/* [name]:65535 */

/* The next entry of a comma/space list: sets *len, returns it or NULL. */
static const char *
list_next(const char **p, size_t *len)
{
	const char	*s = *p;

	while (*s == ',' || *s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	*len = strcspn(s, ", \t");
	*p = s + *len;
	return s;
}

/* Where the port of host[:port] starts (its ':'), or its end. */
static size_t
host_len(const char *s, size_t len)
{
	size_t	 i;

	if (len > 0 && s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++)
			continue;
		return i < len ? i + 1 : len;
	}
	for (i = 0; i < len && s[i] != ':'; i++)
		continue;
	return i;
}

/* One host[:port] entry: a name or [IPv6], then :digits (1-65535). */
static int
valid_host(const char *s, size_t len)
{
	size_t	 h = host_len(s, len), i;
	long	 port = 0;

	if (h == 0 || len > HOST_MAX)
		return 0;
	for (i = 0; i < h; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '.' ||
		    s[i] == '-' || (s[0] == '[' && (s[i] == ':' ||
		    s[i] == '[' || s[i] == ']'))))
			return 0;
	if (s[0] == '[' && s[h - 1] != ']')
		return 0;
	if (h == len)
		return 1;
	if (s[h] != ':' || h + 1 == len || len - h - 1 > 5)
		return 0;
	for (i = h + 1; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

/* Parse one address (len bytes of s) into buf: AF_INET, AF_INET6 or 0. */
static int
parse_addr(const char *s, size_t len, unsigned char buf[16])
{
	char	 tmp[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, tmp, buf) == 1)
		return AF_INET6;
	return 0;
}

int
origin_valid_hosts(const char *list)
{
	const char	*p = list, *e;
	size_t		 len, n = 0;

	for (; (e = list_next(&p, &len)) != NULL; n++)
		if (!valid_host(e, len))
			return 0;
	return n > 0;
}

int
origin_valid_proxies(const char *list)
{
	const char	*p = list, *e;
	size_t		 len, n = 0;
	unsigned char	 buf[16];

	for (; (e = list_next(&p, &len)) != NULL; n++)
		if (parse_addr(e, len, buf) == 0)
			return 0;
	return n > 0;
}

/* Is addr one of the list's addresses (compared as addresses)? */
static int
in_proxies(const char *list, const char *addr)
{
	const char	*p = list, *e;
	size_t		 len;
	unsigned char	 want[16], got[16];
	int		 af;

	if (list == NULL || addr == NULL ||
	    (af = parse_addr(addr, strlen(addr), want)) == 0)
		return 0;
	while ((e = list_next(&p, &len)) != NULL)
		if (parse_addr(e, len, got) == af &&
		    memcmp(want, got, af == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

const char *
origin_scheme(const struct config *cfg, const char *remote_addr,
    const char *forwarded_proto, const char *own_scheme)
{
	if (forwarded_proto == NULL ||
	    !in_proxies(cfg->trusted_proxies, remote_addr))
		return own_scheme;
	if (strcasecmp(forwarded_proto, "https") == 0)
		return "https";
	if (strcasecmp(forwarded_proto, "http") == 0)
		return "http";
	return own_scheme;
}

/* Does the origin's host[:port] (len bytes of hp) match an entry? */
static int
in_hosts(const char *list, const char *hp, size_t len)
{
	const char	*p = list, *e;
	size_t		 elen, h = host_len(hp, len);

	while ((e = list_next(&p, &elen)) != NULL) {
		if (host_len(e, elen) == elen) {	/* any port */
			if (elen == h && strncasecmp(e, hp, h) == 0)
				return 1;
		} else if (elen == len && strncasecmp(e, hp, len) == 0)
			return 1;
	}
	return 0;
}

int
origin_allowed(const struct config *cfg, const char *scheme,
    const char *host, const char *origin)
{
	size_t		 slen, len;
	const char	*hp;

	if (origin == NULL)
		return 1;
	slen = strlen(scheme);
	if (strncmp(origin, scheme, slen) != 0 ||
	    strncmp(origin + slen, "://", 3) != 0)
		return 0;
	hp = origin + slen + 3;
	len = strlen(hp);
	if (!valid_host(hp, len))
		return 0;
	if (cfg->allowed_hosts != NULL)
		return in_hosts(cfg->allowed_hosts, hp, len);
	return host != NULL && strcasecmp(hp, host) == 0;
}
