/*
 * The one parser of JSON that comes from outside: a staff PATCH body, a
 * Square webhook, Square's answers.  RFC 8259 exactly, and stricter than
 * json-c's own strict mode, which still takes single quotes, NaN,
 * Infinity, "1.", raw control characters in strings, overlong and
 * surrogate UTF-8, and duplicate keys (the last one wins, silently).
 *
 * A first pass over the bytes checks the grammar, the UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF), the escapes
 * (no \u0000, no lone surrogate), the nesting depth and the number of
 * values, and counts the object members; nothing is allocated until the
 * text has passed.  json-c then builds the tree, and a walk over it
 * finds duplicate keys (json-c keeps one member per key, so fewer
 * members than the first pass counted means a key was repeated).
 * Messages name what was wrong and its byte offset, never the bytes.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#include <json-c/json.h>

#define JSON_BODY_DEPTH_MAX	 32	/* nesting of objects and arrays */

enum json_body_rc {
	JSON_BODY_OK,
	JSON_BODY_INVALID,	/* not one strict JSON text: a 400 */
	JSON_BODY_NOMEM		/* out of memory: a 500 */
};

/*
 * Parse len bytes of text (need not be NUL-terminated) as one JSON text:
 * white space, one value, white space, nothing else.  depth bounds the
 * nesting (1..JSON_BODY_DEPTH_MAX; an object inside an array is depth
 * 2); max_values, when not 0, bounds the number of values of every kind
 * (so a small text of many empty objects cannot cost gigabytes).
 * Returns JSON_BODY_OK and sets *out (owned: json_object_put; NULL for
 * the text "null"), else *out is NULL and err says why (for
 * JSON_BODY_INVALID, fit to show the sender: it names the fault and its
 * byte offset, never the bytes).  Pure.
 */
enum json_body_rc json_body_parse(const char *text, size_t len, int depth,
	    size_t max_values, struct json_object **out, char *err,
	    size_t errsz);

/*
 * Copy s into buf for a message: at most bufsz - 1 bytes, cut at a
 * character boundary, each byte that is a control character or not part
 * of valid UTF-8 replaced by '?'.  buf is always NUL-terminated (bufsz
 * > 0).  Returns buf.
 */
char	*json_excerpt(char *buf, size_t bufsz, const char *s);

#endif
