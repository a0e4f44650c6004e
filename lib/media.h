/*
 * Media: an uploaded image, decoded by libvips (never by our own code),
 * turned upright from its EXIF orientation, stripped of every metadata
 * block (EXIF, GPS, XMP, ICC) and stored as a display JPEG (longest side
 * at most MEDIA_DISPLAY_PX) and a thumbnail (MEDIA_THUMB_PX), each named
 * by the SHA-256 of its bytes.  Only the photo program links this module
 * (and libvips): libsafari.so, which every program loads, does not.
 */
#ifndef MEDIA_H
#define MEDIA_H

#include <stddef.h>

#define MEDIA_MAX_BYTES		(20 * 1024 * 1024)	/* an upload */
#define MEDIA_MAX_PIXELS	50000000LL		/* decompression bombs */
#define MEDIA_DISPLAY_PX	2048
#define MEDIA_THUMB_PX		320
#define MEDIA_NAME_MAX		72	/* 64 hex digits + ".jpg" + NUL */

enum media_result {
	MEDIA_OK,
	MEDIA_WRONG_TYPE,	/* not the image its content type says: 415 */
	MEDIA_CORRUPT,		/* that type, but not decodable: 400 */
	MEDIA_TOO_LARGE,	/* above MEDIA_MAX_PIXELS: 400 */
	MEDIA_ERROR		/* out of memory and such: 500 */
};

/* The two JPEGs made from one upload; buffers owned (media_out_free). */
struct media_out {
	void	*disp;
	size_t	 displen;
	int	 width, height;		/* of the display image */
	void	*thumb;
	size_t	 thumblen;
};

/*
 * Start libvips once per process, with its cache off and one thread per
 * operation (bounded memory).  Call after fork, never before.  0 or -1.
 */
int	 media_init(void);

/*
 * Is this content type one we take?  1 or 0.
 */
int	 media_type_ok(const char *content_type);

/*
 * Decode the image in the file at path, which claims to be of
 * content_type: the loader libvips picks from the bytes must match it;
 * the header alone is read to refuse more than MEDIA_MAX_PIXELS.  On
 * MEDIA_OK fills out (free with media_out_free); otherwise err says why
 * (for the person).  Pure CPU work and the file; no database.
 */
enum media_result media_process(const char *path, const char *content_type,
	    struct media_out *out, char *err, size_t errsz);
void	 media_out_free(struct media_out *);	/* NULL is fine */

/*
 * The name of these bytes: the hex SHA-256 and ".jpg", into name (at
 * least MEDIA_NAME_MAX bytes).  0 or -1.
 */
int	 media_name(const void *buf, size_t len, char *name, size_t namesz);

/*
 * Write buf into dir under name: a temporary file, fsync, rename, so a
 * crash never leaves half a file.  Mode 0640.  0 or -1 (logged).
 */
int	 media_store(const char *dir, const char *name, const void *buf,
	    size_t len);

#endif
