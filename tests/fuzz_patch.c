/*
 * libFuzzer target for a staff PATCH body: the strict JSON parser (as
 * the job program calls it), the ownership and shape check, and the
 * merge into a job.  Every message meant for the person must be
 * printable UTF-8 (it goes into a JSON answer), and a body the parser
 * took must print back as JSON it takes again.  Nothing may crash, leak
 * or read out of bounds.  Seeds: tests/data/fuzz/patch/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jobs.h"
#include "json.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char job_text[] =
    "{\"workStatus\":\"scheduled\",\"statusHistory\":[],"
    "\"checklist\":{\"tech\":[{\"key\":\"wash\",\"label\":\"Wash\","
    "\"done\":false,\"doneBy\":null,\"doneAt\":null}],\"qc\":[]},"
    "\"photosMeta\":[],\"receiptPhotos\":[],\"postCompletionIssue\":null,"
    "\"payment\":null,\"vehicle\":{\"make\":null,\"model\":null,"
    "\"year\":null,\"color\":null,\"plate\":null},\"notes\":\"\"}";

/* The message is printable UTF-8: json_excerpt leaves it as it is. */
static void
check_message(const char *err)
{
	char	 copy[512];

	if (strlen(err) >= sizeof(copy) ||
	    strcmp(json_excerpt(copy, sizeof(copy), err), err) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*body, *job, *again;
	const char		*text;
	char			 err[256];

	err[0] = '\0';
	switch (json_body_parse((const char *)data, size, 16, 0, &body, err,
	    sizeof(err))) {
	case JSON_BODY_OK:
		break;
	case JSON_BODY_INVALID:
		check_message(err);
		return 0;
	default:
		abort();		/* no real shortage of memory here */
	}
	/* What the parser took prints back as JSON it takes again. */
	text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
	if (body != NULL && json_body_parse(text, strlen(text), 16, 0, &again,
	    err, sizeof(err)) != JSON_BODY_OK)
		abort();
	if (body != NULL)
		json_object_put(again);
	if (jobs_patch_check(body, err, sizeof(err)) == 0) {
		if ((job = json_tokener_parse(job_text)) == NULL)
			abort();
		if (jobs_patch_merge(job, body, "fuzz", 1764000000, err,
		    sizeof(err)) == -1)
			check_message(err);
		json_object_put(job);
	} else
		check_message(err);
	json_object_put(body);
	return 0;
}
