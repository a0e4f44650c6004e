/*
 * Media through libvips.  libvips reads the header first (lazily), so the
 * pixel count is checked before anything is decoded; vips_thumbnail then
 * shrinks on load (a 12-megapixel JPEG is decoded at a fraction of its
 * size), applies the EXIF orientation, and the JPEG saver strips every
 * metadata block.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <vips/vips.h>

#include "log.h"
#include "media.h"

/* Content types and the loader class libvips must pick for each. */
static const struct media_type {
	const char	*mime;
	const char	*loader;	/* a part of the loader's class name */
} types[] = {
	{ "image/jpeg", "Jpeg" },
	{ "image/png", "Png" },
	{ "image/webp", "Webp" },
	{ "image/heic", "Heif" },
};
#define NTYPES	 (sizeof(types) / sizeof(types[0]))

static const struct media_type *
type_of(const char *ct)
{
	size_t	 i, len;

	if (ct == NULL)
		return NULL;
	for (i = 0; i < NTYPES; i++) {
		len = strlen(types[i].mime);
		if (strncasecmp(ct, types[i].mime, len) == 0 &&
		    (ct[len] == '\0' || ct[len] == ';'))
			return &types[i];
	}
	return NULL;
}

int
media_type_ok(const char *ct)
{
	return type_of(ct) != NULL;
}

int
media_init(void)
{
	static int	 done;

	if (done)
		return 0;
	if (VIPS_INIT("safari-photo") != 0) {
		log_warnx("%s: libvips: %s", __func__, vips_error_buffer());
		vips_error_clear();
		return -1;
	}
	vips_cache_set_max(0);		/* one image per request: no cache */
	vips_cache_set_max_mem(0);
	vips_cache_set_max_files(0);
	vips_concurrency_set(1);	/* bounded memory per worker */
	vips_block_untrusted_set(TRUE);	/* no ImageMagick, Matlab, ... */
	done = 1;
	return 0;
}

void
media_out_free(struct media_out *out)
{
	if (out == NULL)
		return;
	g_free(out->disp);
	g_free(out->thumb);
	memset(out, 0, sizeof(*out));
}

/* Save as a JPEG without any metadata, alpha flattened onto white. */
static int
save_jpeg(VipsImage *in, void **buf, size_t *len)
{
	VipsImage	*flat = NULL;
	VipsArrayDouble	*white;
	int		 rc;

	if (vips_image_hasalpha(in)) {
		white = vips_array_double_newv(1, 255.0);
		rc = vips_flatten(in, &flat, "background", white, NULL);
		vips_area_unref(VIPS_AREA(white));
		if (rc != 0)
			return -1;
		in = flat;
	}
	rc = vips_jpegsave_buffer(in, buf, len, "Q", 85, "strip", TRUE,
	    "optimize_coding", TRUE, "interlace", FALSE, NULL);
	if (flat != NULL)
		g_object_unref(flat);
	return rc;
}

enum media_result
media_process(const char *path, const char *ct, struct media_out *out,
    char *err, size_t errsz)
{
	const struct media_type	*t = type_of(ct);
	const char		*loader;
	VipsImage		*head = NULL, *disp = NULL, *thumb = NULL;
	enum media_result	 rc = MEDIA_CORRUPT;
	int			 w, h, longest, shrink;

	memset(out, 0, sizeof(*out));
	if (t == NULL) {
		snprintf(err, errsz, "send image/jpeg, image/png, image/webp "
		    "or image/heic");
		return MEDIA_WRONG_TYPE;
	}
	/* The loader libvips picks from the bytes, not from the label. */
	if ((loader = vips_foreign_find_load(path)) == NULL ||
	    strstr(loader, t->loader) == NULL) {
		vips_error_clear();
		snprintf(err, errsz, "the body is not a %s image", t->mime);
		return MEDIA_WRONG_TYPE;
	}
	/* The header only: nothing is decoded yet. */
	if ((head = vips_image_new_from_file(path, "access",
	    VIPS_ACCESS_SEQUENTIAL, NULL)) == NULL) {
		snprintf(err, errsz, "the image cannot be read");
		goto out;
	}
	w = vips_image_get_width(head);
	h = vips_image_get_height(head);
	if ((long long)w * h > MEDIA_MAX_PIXELS) {
		snprintf(err, errsz, "the image has more than %lld pixels",
		    MEDIA_MAX_PIXELS);
		rc = MEDIA_TOO_LARGE;
		goto out;
	}
	/*
	 * Decode, shrinking on load where the format can (JPEG by 2, 4 or
	 * 8 while the result keeps 3/4 of the display size), failing on a
	 * truncated file rather than showing grey; thumbnail_image then
	 * turns it upright from the EXIF orientation and sizes it.
	 */
	g_object_unref(head);
	head = NULL;
	longest = w > h ? w : h;
	for (shrink = 1; shrink < 8 && longest / (shrink * 2) >=
	    MEDIA_DISPLAY_PX * 3 / 4; shrink *= 2)
		continue;
	if (strcmp(t->loader, "Jpeg") == 0)
		head = vips_image_new_from_file(path, "access",
		    VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_TRUNCATED,
		    "shrink", shrink, NULL);
	else
		head = vips_image_new_from_file(path, "access",
		    VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_TRUNCATED,
		    NULL);
	if (head == NULL || vips_thumbnail_image(head, &disp,
	    MEDIA_DISPLAY_PX, "height", MEDIA_DISPLAY_PX, "size",
	    VIPS_SIZE_DOWN, NULL) != 0 ||
	    save_jpeg(disp, &out->disp, &out->displen) != 0) {
		snprintf(err, errsz, "the image is corrupt or truncated");
		goto out;
	}
	out->width = vips_image_get_width(disp);
	out->height = vips_image_get_height(disp);
	if (vips_thumbnail_buffer(out->disp, out->displen, &thumb,
	    MEDIA_THUMB_PX, "height", MEDIA_THUMB_PX, "size", VIPS_SIZE_DOWN,
	    NULL) != 0 ||
	    save_jpeg(thumb, &out->thumb, &out->thumblen) != 0) {
		snprintf(err, errsz, "the thumbnail could not be made");
		rc = MEDIA_ERROR;
		goto out;
	}
	rc = MEDIA_OK;
out:
	if (rc != MEDIA_OK) {
		if (*vips_error_buffer() != '\0')
			log_info("%s: libvips: %.300s", __func__,
			    vips_error_buffer());
		vips_error_clear();
		media_out_free(out);
	}
	if (head != NULL)
		g_object_unref(head);
	if (disp != NULL)
		g_object_unref(disp);
	if (thumb != NULL)
		g_object_unref(thumb);
	return rc;
}

int
media_name(const void *buf, size_t len, char *name, size_t namesz)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;

	if (namesz < MEDIA_NAME_MAX ||
	    EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(name + 2 * i, 3, "%02x", md[i]);
	memcpy(name + 64, ".jpg", 5);
	return 0;
}

int
media_store(const char *dir, const char *name, const void *buf, size_t len)
{
	char		 tmp[1024], dst[1024];
	const char	*p = buf;
	ssize_t		 w;
	int		 fd;

	if (snprintf(tmp, sizeof(tmp), "%s/.store-XXXXXX", dir) >=
	    (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/%s", dir, name) >=
	    (int)sizeof(dst)) {
		log_warnx("%s: path too long", __func__);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("%s: %s", __func__, tmp);
		return -1;
	}
	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, 0640) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, dst) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	log_warn("%s: %s", __func__, dst);
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}
