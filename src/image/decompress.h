/* The compressions xocker reads in layers, image archives and imports:
 * Docker's set (gzip, bzip2, xz, zstd; plain tar needs none).  Not
 * archive_read_support_filter_all(): that also pulls lz4, lzop, rpm, uu and
 * the external-program filters, and liblz4 into every xocker process. */
#ifndef XOCKER_IMAGE_DECOMPRESS_H
#define XOCKER_IMAGE_DECOMPRESS_H

struct archive;

/* Enable those filters on the reader a (before archive_read_open*).
 * Returns ARCHIVE_OK or the first failure's code (then archive_error_string
 * says why). */
int decompress_support(struct archive *a);

#endif
