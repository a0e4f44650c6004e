/*
 * libFuzzer target for the parsers of lib/square_json.c: the input is taken
 * as the answer its first known key says it is: a ListBookings page
 * ("bookings"), a BulkRetrieveCustomers answer ("responses"), a
 * BatchRetrieveCatalogObjects answer ("objects", "related_objects"), or
 * else a Booking object (as a webhook carries it).  One parse per input:
 * each input used to be parsed four times, which with libFuzzer's
 * max_len taken from the largest golden file (25 KB) made this target
 * crawl at about 4,000 executions a second.  Nothing may crash, leak or
 * read out of bounds; results are checked against the limits square.h
 * promises.
 *
 * Built and run by `make fuzz` (scripts/fuzz.sh), from the golden files
 * in tests/data/square/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "square.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Ids short enough for the fuzzer to find as map keys. */
static const char *const ids[] = { "a", "b", "A1", "a" };

static void
fuzz_check_booking(const struct square_booking *b)
{
	size_t	 i;

	if (strlen(b->id) == 0 || strlen(b->id) > SQUARE_BOOKING_ID_MAX ||
	    b->version < 0 || b->nsegments > SQUARE_MAX_SEGMENTS ||
	    b->duration_minutes < 0 ||
	    b->duration_minutes > SQUARE_MAX_SEGMENTS * 1500 * 2 ||
	    (b->customer_note != NULL &&
	    strlen(b->customer_note) > SQUARE_NOTE_MAX))
		abort();
	for (i = 0; i < b->nsegments; i++)
		if (strlen(b->variation_ids[i]) > SQUARE_SMALL_ID_MAX)
			abort();
}

enum kind { K_BOOKING, K_PAGE, K_CUSTOMERS, K_CATALOG };

/* The answer body is of the kind its first known key names. */
static enum kind
kind(const char *body, size_t size)
{
	static const struct {
		const char	*key;
		enum kind	 kind;
	} keys[] = {
		{ "\"bookings\"", K_PAGE },
		{ "\"responses\"", K_CUSTOMERS },
		{ "\"objects\"", K_CATALOG },
		{ "\"related_objects\"", K_CATALOG },
	};
	const char	*at, *first = NULL;
	enum kind	 k = K_BOOKING;
	size_t		 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((at = memmem(body, size, keys[i].key,
		    strlen(keys[i].key))) != NULL &&
		    (first == NULL || at < first)) {
			first = at;
			k = keys[i].kind;
		}
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*body = (const char *)data;
	struct json_object	*o;
	struct square_booking	 b;
	struct square_page	*p;
	struct square_customer	*cs;
	struct square_name	*ns;
	char			 err[256];
	size_t			 i, n;

	switch (kind(body, size)) {
	case K_BOOKING:		/* parsed as the webhook parses its body */
		if (json_body_parse(body, size, 32, 0, &o, err,
		    sizeof(err)) != JSON_BODY_OK)
			break;
		if (square_booking_parse(o, &b, err, sizeof(err)) == 0) {
			fuzz_check_booking(&b);
			square_booking_clear(&b);
		}
		json_object_put(o);
		break;
	case K_PAGE:
		if (square_page_parse(body, size, 100, &p, err,
		    sizeof(err)) == -1) {
			if (p != NULL)
				abort();
			break;
		}
		if (p->nbookings + p->nerrors > 100)
			abort();
		for (i = 0; i < p->nbookings; i++)
			fuzz_check_booking(&p->bookings[i]);
		for (i = 0; i < p->nerrors; i++)
			if (strlen(p->errors[i].message) == 0)
				abort();
		if (p->cursor != NULL && p->cursor[0] == '\0')
			abort();
		square_page_free(p);
		break;
	case K_CUSTOMERS:
		if (square_customers_parse(body, size, ids, 4, &cs, err,
		    sizeof(err)) == -1)
			break;
		for (i = 0; i < 4; i++)
			if (strcmp(cs[i].id, ids[i]) != 0 ||
			    (cs[i].phone != NULL && strlen(cs[i].phone) > 255))
				abort();
		square_customers_free(cs, 4);
		break;
	case K_CATALOG:
		if (square_names_parse(body, size, ids, 4, &ns, &n, err,
		    sizeof(err)) == -1)
			break;
		if (n > 3)		/* "a" is asked twice, answered once */
			abort();
		square_names_free(ns, n);
		break;
	}
	return 0;
}
