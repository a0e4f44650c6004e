/*
 * The strict JSON body parser: the contract is in json.h.
 *
 * Reading order: the byte-level checks (UTF-8, escapes), the grammar
 * pass (scan_value and its helpers, recursive, bounded by the depth),
 * the member count of the built tree, then json_body_parse itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"

#define IS_WS(c)	((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')

/* The grammar pass over one text. */
struct scan {
	const unsigned char	*p;
	size_t			 len;
	size_t			 at;		/* the next byte */
	int			 depth_max;
	size_t			 values;
	size_t			 values_max;	/* 0: no bound */
	size_t			 members;	/* key: value pairs seen */
	const char		*why;		/* the first fault */
};

/*
 * The length of the UTF-8 sequence at p (left bytes available), or 0 if
 * it is not one RFC 3629 allows (overlong, surrogate, past U+10FFFF,
 * cut short).
 */
static size_t
utf8_seq(const unsigned char *p, size_t left)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* past U+10FFFF */
	} else
		return 0;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static int
fault(struct scan *s, const char *why)
{
	if (s->why == NULL)
		s->why = why;
	return -1;
}

static void
skip_ws(struct scan *s)
{
	while (s->at < s->len && IS_WS(s->p[s->at]))
		s->at++;
}

/* Four hex digits at p into *v.  0 or -1. */
static int
hex4(const unsigned char *p, unsigned *v)
{
	size_t	 i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		*v <<= 4;
		if (IS_DIGIT(p[i]))
			*v |= (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			*v |= (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			*v |= (unsigned)(p[i] - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* A \u escape at s->at (the backslash).  0 or -1. */
static int
scan_unicode_escape(struct scan *s)
{
	unsigned	 u, lo;

	if (s->len - s->at < 6 || hex4(s->p + s->at + 2, &u) == -1)
		return fault(s, "a \\u escape without four hex digits");
	if (u == 0)		/* the offset is the escape's */
		return fault(s, "a NUL (\\u0000) inside a string");
	if (u >= 0xdc00 && u <= 0xdfff)
		return fault(s, "a lone surrogate in a \\u escape");
	s->at += 6;
	if (u < 0xd800 || u > 0xdbff)
		return 0;
	if (s->len - s->at < 6 || s->p[s->at] != '\\' ||
	    s->p[s->at + 1] != 'u' || hex4(s->p + s->at + 2, &lo) == -1 ||
	    lo < 0xdc00 || lo > 0xdfff)
		return fault(s, "a lone surrogate in a \\u escape");
	s->at += 6;
	return 0;
}

/* A string at s->at (the opening quote).  0 or -1. */
static int
scan_string(struct scan *s)
{
	unsigned char	 c;
	size_t		 n;

	for (s->at++; s->at < s->len;) {
		c = s->p[s->at];
		if (c == '"') {
			s->at++;
			return 0;
		}
		if (c >= 0x20 && c < 0x80 && c != '\\') {
			s->at++;
			continue;
		}
		if (c < 0x20)
			return fault(s, "a control character inside a string "
			    "(it must be escaped)");
		if (c == '\\') {
			if (s->at + 1 >= s->len)
				break;
			c = s->p[s->at + 1];
			if (c == 'u') {
				if (scan_unicode_escape(s) == -1)
					return -1;
				continue;
			}
			if (c != '"' && c != '\\' && c != '/' && c != 'b' &&
			    c != 'f' && c != 'n' && c != 'r' && c != 't')
				return fault(s, "an unknown escape in a string");
			s->at += 2;
			continue;
		}
		if ((n = utf8_seq(s->p + s->at, s->len - s->at)) == 0)
			return fault(s, "invalid UTF-8");
		s->at += n;
	}
	return fault(s, "a string that is not closed");
}

static int
digits(struct scan *s)
{
	size_t	 start = s->at;

	while (s->at < s->len && IS_DIGIT(s->p[s->at]))
		s->at++;
	return s->at > start ? 0 : -1;
}

/* A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  0 or -1. */
static int
scan_number(struct scan *s)
{
	if (s->p[s->at] == '-')
		s->at++;
	if (s->at < s->len && s->p[s->at] == '0') {
		s->at++;
		if (s->at < s->len && IS_DIGIT(s->p[s->at]))
			return fault(s, "a number with a leading zero");
	} else if (digits(s) == -1)
		return fault(s, "a malformed number");
	if (s->at < s->len && s->p[s->at] == '.') {
		s->at++;
		if (digits(s) == -1)
			return fault(s, "a malformed number");
	}
	if (s->at < s->len && (s->p[s->at] == 'e' || s->p[s->at] == 'E')) {
		s->at++;
		if (s->at < s->len && (s->p[s->at] == '+' ||
		    s->p[s->at] == '-'))
			s->at++;
		if (digits(s) == -1)
			return fault(s, "a malformed number");
	}
	return 0;
}

static int
scan_word(struct scan *s, const char *word)
{
	size_t	 n = strlen(word);

	if (s->len - s->at < n || memcmp(s->p + s->at, word, n) != 0)
		return fault(s, "an unexpected character (only true, false "
		    "and null are words)");
	s->at += n;
	return 0;
}

static int	 scan_value(struct scan *, int);

/* An object or an array at s->at, holding values at depth + 1. */
static int
scan_container(struct scan *s, int depth)
{
	unsigned char	 close = s->p[s->at] == '{' ? '}' : ']';

	if (depth + 1 > s->depth_max)
		return fault(s, "nested too deep");
	s->at++;
	skip_ws(s);
	if (s->at < s->len && s->p[s->at] == close) {
		s->at++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (s->at >= s->len || s->p[s->at] != '"')
				return fault(s, "an object key that is not a "
				    "string");
			if (scan_string(s) == -1)
				return -1;
			skip_ws(s);
			if (s->at >= s->len || s->p[s->at] != ':')
				return fault(s, "no ':' after an object key");
			s->at++;
			s->members++;
		}
		if (scan_value(s, depth + 1) == -1)
			return -1;
		skip_ws(s);
		if (s->at < s->len && s->p[s->at] == ',') {
			s->at++;
			skip_ws(s);
			continue;
		}
		if (s->at < s->len && s->p[s->at] == close) {
			s->at++;
			return 0;
		}
		return fault(s, close == '}' ? "no ',' or '}' after an "
		    "object member" : "no ',' or ']' after an array element");
	}
}

/* One value, after optional white space.  0 or -1. */
static int
scan_value(struct scan *s, int depth)
{
	unsigned char	 c;

	skip_ws(s);
	if (s->at >= s->len)
		return fault(s, "the text ends before a value");
	if (++s->values > s->values_max && s->values_max != 0)
		return fault(s, "too many values");
	c = s->p[s->at];
	switch (c) {
	case '{':
	case '[':
		return scan_container(s, depth);
	case '"':
		return scan_string(s);
	case 't':
		return scan_word(s, "true");
	case 'f':
		return scan_word(s, "false");
	case 'n':
		return scan_word(s, "null");
	default:
		if (c == '-' || IS_DIGIT(c))
			return scan_number(s);
		return fault(s, "an unexpected character");
	}
}

/* The members of every object in o. */
static size_t
count_members(struct json_object *o)
{
	struct json_object_iter	 it;
	size_t			 n = 0, i, len;

	switch (json_object_get_type(o)) {
	case json_type_object:
		json_object_object_foreachC(o, it) {
			n++;
			n += count_members(it.val);
		}
		return n;
	case json_type_array:
		len = json_object_array_length(o);
		for (i = 0; i < len; i++)
			n += count_members(json_object_array_get_idx(o, i));
		return n;
	default:
		return 0;
	}
}

enum json_body_rc
json_body_parse(const char *text, size_t len, int depth, size_t max_values,
    struct json_object **out, char *err, size_t errsz)
{
	struct scan		 s;
	struct json_tokener	*tok;
	struct json_object	*o;
	enum json_tokener_error	 jerr;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	s.p = (const unsigned char *)text;
	s.len = text == NULL ? 0 : len;
	s.depth_max = depth < 1 || depth > JSON_BODY_DEPTH_MAX ?
	    JSON_BODY_DEPTH_MAX : depth;
	s.values_max = max_values;
	if (s.len > INT32_MAX - 1) {
		snprintf(err, errsz, "invalid JSON: the text is too long");
		return JSON_BODY_INVALID;
	}
	if (scan_value(&s, 0) == 0) {
		skip_ws(&s);
		if (s.at < s.len)
			fault(&s, "more than white space after the value");
	}
	if (s.why != NULL) {
		snprintf(err, errsz, "invalid JSON at byte %zu: %s", s.at,
		    s.why);
		return JSON_BODY_INVALID;
	}

	/* Well-formed: let json-c build the tree. */
	if ((tok = json_tokener_new_ex(JSON_BODY_DEPTH_MAX + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return JSON_BODY_NOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)len);
	if ((jerr = json_tokener_get_error(tok)) == json_tokener_continue) {
		/* A bare number at the top waits for its end: give it. */
		o = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		/* Passed the grammar above: json-c should take it too. */
		json_object_put(o);
		snprintf(err, errsz, "invalid JSON: %s",
		    json_tokener_error_desc(jerr));
		return JSON_BODY_INVALID;
	}
	if (count_members(o) != s.members) {
		json_object_put(o);
		snprintf(err, errsz, "invalid JSON: a key appears twice in "
		    "one object");
		return JSON_BODY_INVALID;
	}
	*out = o;
	return JSON_BODY_OK;
}

char *
json_excerpt(char *buf, size_t bufsz, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), i = 0, o = 0, n;

	if (bufsz == 0)
		return buf;
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f)
			n = 1;
		else if (p[i] < 0x80 || (n = utf8_seq(p + i, len - i)) == 0) {
			if (o + 1 >= bufsz)
				break;
			buf[o++] = '?';
			i++;
			continue;
		}
		if (o + n >= bufsz)
			break;
		memcpy(buf + o, p + i, n);
		o += n;
		i += n;
	}
	buf[o] = '\0';
	return buf;
}
