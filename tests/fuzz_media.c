/*
 * libFuzzer target for the upload path's media code: the input is the
 * body of an upload, its first byte picks the content type it claims;
 * media_process runs it through libvips (the parser) and our wrapper
 * (type check, pixel bound, shrink, save), and media_name hashes what it
 * made.  Built and run by scripts/fuzz.sh under ASan and UBSan, from the
 * seed images in tests/data/media/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media.h"

static const char *const types[] = {
	"image/jpeg", "image/png", "image/webp", "image/heic",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 path[64];
	struct media_out	 out;
	char			 err[192], name[MEDIA_NAME_MAX];
	FILE			*f;

	if (size < 1 || size > 4 * 1024 * 1024)
		return 0;
	if (path[0] == '\0') {
		if (media_init() == -1)
			abort();
		snprintf(path, sizeof(path), "/tmp/fuzz-media-%ld", (long)getpid());
	}
	if ((f = fopen(path, "wb")) == NULL)
		return 0;
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	if (media_process(path, types[data[0] % 4], &out, err,
	    sizeof(err)) == MEDIA_OK) {
		if (out.width < 1 || out.width > MEDIA_DISPLAY_PX ||
		    out.height < 1 || out.height > MEDIA_DISPLAY_PX ||
		    media_name(out.disp, out.displen, name, sizeof(name)) == -1)
			abort();
		media_out_free(&out);
	}
	unlink(path);
	return 0;
}
