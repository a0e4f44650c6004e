/*
 * libFuzzer target for what clients send: the input is taken as a query
 * string, as an If-None-Match / If-Match header, as a job id, and as a
 * staff PATCH body (checked against the ownership rule and merged into a
 * job).  Nothing may crash, leak or read out of bounds.  Built and run by
 * `make fuzz` (scripts/fuzz.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "api.h"
#include "http.h"
#include "jobs.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char job_text[] =
    "{\"workStatus\":\"scheduled\",\"statusHistory\":[],"
    "\"checklist\":{\"tech\":[{\"key\":\"wash\",\"label\":\"Wash\","
    "\"done\":false,\"doneBy\":null,\"doneAt\":null}],\"qc\":[]},"
    "\"photosMeta\":[],\"receiptPhotos\":[],\"postCompletionIssue\":null,"
    "\"payment\":null,\"vehicle\":{\"make\":null,\"model\":null,"
    "\"year\":null,\"color\":null,\"plate\":null},\"notes\":\"\"}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req		 req;
	struct json_tokener	*tok;
	struct json_object	*body, *job;
	char			*s, err[256];
	int64_t			 v;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	memset(&req, 0, sizeof(req));
	http_query_parse(&req, s, err, sizeof(err));
	http_req_clear(&req);
	http_etag_match(s, "\"c12-2026-11-23-2026-11-29-20000\"");
	api_parse_if_match(s, &v);
	http_valid_id(s);

	if ((tok = json_tokener_new_ex(16)) != NULL) {
		body = json_tokener_parse_ex(tok, s, (int)size);
		if (body != NULL && jobs_patch_check(body, err,
		    sizeof(err)) == 0) {
			job = json_tokener_parse(job_text);
			jobs_patch_merge(job, body, "fuzz", 1764000000, err,
			    sizeof(err));
			json_object_put(job);
		}
		json_object_put(body);
		json_tokener_free(tok);
	}
	free(s);
	return 0;
}
