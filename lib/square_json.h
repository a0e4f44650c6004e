/*
 * The Square client's two halves share this: lib/square.c (transport,
 * retries, the public calls) and lib/square_json.c (Square's answers
 * checked field by field).  Not for other modules: square.h is the
 * contract.
 */
#ifndef SQUARE_JSON_H
#define SQUARE_JSON_H

#include <stddef.h>

#include <json-c/json.h>

#include "square.h"

#define SQUARE_LIMIT_MAX	 10000	/* ListBookings limit, historical */
#define SQUARE_CURSOR_MAX	 65536	/* Square's maxLength */
/*
 * Bounds on the values of an answer, checked before json-c builds a
 * tree of it (8 MiB of "{}," would be millions of objects): a booking
 * as Square sends it has about 40, a customer about 50.
 */
#define SQUARE_VALUES_PER_ITEM	 512	/* a booking or a customer */
#define SQUARE_VALUES_PER_OBJECT 2048	/* a catalog object and its item */
#define SQUARE_VALUES_ERROR	 4096	/* an error answer */
#define SQUARE_VALUES_SLACK	 1024	/* the envelope around them */

/* The three operations: names for messages, paths, and their counters. */
enum square_op {
	OP_LIST,
	OP_CUSTOMERS,
	OP_CATALOG,
	OP__MAX
};

/* Each operation's name for messages, path, and counter. */
struct square_opinfo {
	const char	*name;		/* Square's operationId */
	const char	*path;
	size_t		 counter;	/* unsigned in struct square_stats */
};
extern const struct square_opinfo square_ops[OP__MAX];

/*
 * Parse a whole JSON text of len bytes (need not be NUL-terminated):
 * strict, UTF-8 checked, depth-limited, nothing but white space after the
 * value.  Returns the owned object, or NULL.
 */
struct json_object *square_json_parse(const char *body, size_t len,
		    size_t max_values);

/*
 * Find the first error code in an "errors" value (a borrowed array), or
 * NULL.  *all_not_found is set to whether every error is NOT_FOUND.
 */
const char *square_errors_code(struct json_object *errors, int *all_not_found);

/*
 * Check the "errors" of an answer object: absent, null or [] is success.
 * With not_found_ok, errors that are all NOT_FOUND are success too.
 * Returns 0, or -1 with err naming op and the first error's code.
 */
int	square_errors_check(struct json_object *root, enum square_op op,
	    int not_found_ok, char *err, size_t errsz);

/*
 * Read a ListBookings answer object into a new page.  Returns 0 with
 * *out, or -1 with err set.
 */
int	square_page_from_json(struct json_object *root, int limit,
	    struct square_page **out, char *err, size_t errsz);

/* The values a page of limit bookings may hold. */
size_t	square_page_values(int limit);

/*
 * Read a BulkRetrieveCustomers answer object for ids into a new array of
 * n entries.  Returns 0 with *out, or -1 with err set.
 */
int	square_customers_from_json(struct json_object *root,
	    const char *const *ids, size_t n, struct square_customer **out,
	    char *err, size_t errsz);

/*
 * Check ids for a batch call: 1..max of them, each an id of at most
 * idmax bytes.  Returns 0, or -1 with err set.
 */
int	square_ids_check(enum square_op op, const char *const *ids, size_t n,
	    size_t max, size_t idmax, char *err, size_t errsz);

/*
 * Read a BatchRetrieveCatalogObjects answer object for ids into a new
 * array (each id once, in the order of ids).  Returns 0 with *out and
 * *nout, or -1 with err set.
 */
int	square_names_from_json(struct json_object *root, const char *const *ids,
	    size_t n, struct square_name **out, size_t *nout, char *err,
	    size_t errsz);

#endif
