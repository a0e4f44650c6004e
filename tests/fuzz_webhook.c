/*
 * libFuzzer target for a signed Square webhook body: the input is the
 * body; it is signed as Square would sign it (HMAC-SHA256 of the URL and
 * the body, keyed with the key's bytes), the signature must check, one
 * changed byte of it must not, and the body then goes through
 * webhook_parse, the strict parse and booking check that precede any
 * database work.  What it accepts must be what square.h promises; what
 * it refuses it says in printable UTF-8.  Nothing may crash, leak or
 * read out of bounds.  Seeds: tests/data/fuzz/webhook/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "json.h"
#include "webhook.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define KEY	"fuzz-signature-key"
#define URL	"https://ops.example/api/webhooks/square"

/* Ids as square.h promises them: 1.. bytes of [A-Za-z0-9_-]. */
static int
square_id(const char *s, int may_be_empty)
{
	size_t	 i;

	if (s[0] == '\0')
		return may_be_empty;
	for (i = 0; s[i] != '\0'; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789_-", s[i]) == NULL)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char		 mac[EVP_MAX_MD_SIZE], *msg;
	char			 sig[4 * EVP_MAX_MD_SIZE / 3 + 4], err[256];
	char			 copy[512];
	unsigned int		 maclen = 0;
	struct webhook_event	 ev;
	size_t			 i;

	if (size == 0 || size > 65536 ||
	    (msg = malloc(sizeof(URL) - 1 + size)) == NULL)
		return 0;
	memcpy(msg, URL, sizeof(URL) - 1);
	memcpy(msg + sizeof(URL) - 1, data, size);
	if (HMAC(EVP_sha256(), KEY, (int)sizeof(KEY) - 1, msg,
	    sizeof(URL) - 1 + size, mac, &maclen) == NULL)
		abort();
	free(msg);
	EVP_EncodeBlock((unsigned char *)sig, mac, (int)maclen);
	if (webhook_signature_valid(KEY, URL, (const char *)data, size,
	    sig) != 1)
		abort();
	sig[data[0] % 43] ^= 0x01;
	if (webhook_signature_valid(KEY, URL, (const char *)data, size,
	    sig) != 0)
		abort();

	switch (webhook_parse((const char *)data, size, &ev, err,
	    sizeof(err))) {
	case WEBHOOK_PROCESSED:
		if (ev.event_id[0] == '\0' || ev.type[0] == '\0')
			abort();
		if (ev.is_booking) {
			if (!square_id(ev.booking.id, 0) ||
			    !square_id(ev.booking.location_id, 1) ||
			    !square_id(ev.booking.customer_id, 1) ||
			    !square_id(ev.booking.team_member_id, 0) ||
			    ev.booking.nsegments < 1 ||
			    ev.booking.nsegments > SQUARE_MAX_SEGMENTS ||
			    ev.booking.version < 0)
				abort();
			for (i = 0; i < ev.booking.nsegments; i++)
				if (!square_id(ev.booking.variation_ids[i], 1))
					abort();
		}
		webhook_event_clear(&ev);
		break;
	case WEBHOOK_INVALID:
		if (err[0] == '\0' || strlen(err) >= sizeof(copy) ||
		    strcmp(json_excerpt(copy, sizeof(copy), err), err) != 0)
			abort();
		break;
	default:
		abort();
	}
	return 0;
}
