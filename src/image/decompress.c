#include "image/decompress.h"

#include <archive.h>

int decompress_support(struct archive *a) {
  int (*const filters[])(struct archive *) = {
      archive_read_support_filter_gzip,
      archive_read_support_filter_bzip2,
      archive_read_support_filter_xz,
      archive_read_support_filter_zstd,
  };
  for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
    int r = filters[i](a);
    /* ARCHIVE_WARN: libarchive would run an external program instead of
     * the library; it still reads, so that is not a failure. */
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return r;
  }
  return ARCHIVE_OK;
}
