/*
 * libFuzzer target for the parsers of lib/square_json.c: the input is taken
 * as a Booking object (as a webhook carries it), as a ListBookings page,
 * as a BulkRetrieveCustomers answer and as a BatchRetrieveCatalogObjects
 * answer.  Nothing may crash, leak or read out of bounds; results are
 * checked against the limits square.h promises.
 *
 *	clang -std=c11 -D_GNU_SOURCE -g -O1 -Ilib \
 *	    -fsanitize=fuzzer,address,undefined \
 *	    lib/square.c lib/square_json.c lib/log.c lib/tz.c tests/fuzz_square.c \
 *	    -o fuzz_square $(pkg-config --libs json-c libcurl)
 *	./fuzz_square -max_total_time=60 corpus/ tests/data/square/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*body = (const char *)data;
	struct json_tokener	*tok;
	struct json_object	*o;
	struct square_booking	 b;
	struct square_page	*p;
	struct square_customer	*cs;
	struct square_name	*ns;
	char			 err[256];
	size_t			 i, n;

	/* A booking object, parsed by json-c's default (lenient) rules. */
	if (size < 1 << 20 && (tok = json_tokener_new()) != NULL) {
		o = json_tokener_parse_ex(tok, body, (int)size);
		if (o != NULL && square_booking_parse(o, &b, err,
		    sizeof(err)) == 0) {
			fuzz_check_booking(&b);
			square_booking_clear(&b);
		}
		json_object_put(o);
		json_tokener_free(tok);
	}

	if (square_page_parse(body, size, &p, err, sizeof(err)) == 0) {
		for (i = 0; i < p->nbookings; i++)
			fuzz_check_booking(&p->bookings[i]);
		for (i = 0; i < p->nerrors; i++)
			if (strlen(p->errors[i].message) == 0)
				abort();
		if (p->cursor != NULL && p->cursor[0] == '\0')
			abort();
		square_page_free(p);
	} else if (p != NULL)
		abort();

	if (square_customers_parse(body, size, ids, 4, &cs, err,
	    sizeof(err)) == 0) {
		for (i = 0; i < 4; i++)
			if (strcmp(cs[i].id, ids[i]) != 0 ||
			    (cs[i].phone != NULL && strlen(cs[i].phone) > 255))
				abort();
		square_customers_free(cs, 4);
	}

	if (square_names_parse(body, size, ids, 4, &ns, &n, err,
	    sizeof(err)) == 0) {
		if (n > 3)		/* "a" is asked twice, answered once */
			abort();
		square_names_free(ns, n);
	}
	return 0;
}
