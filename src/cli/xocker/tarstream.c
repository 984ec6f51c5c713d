/* Tar streams of a directory tree (tarstream.h). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xerr.h"
#include "tarstream.h"

struct archive *tar_writer_fd(int fd, struct xerr *err) {
  struct archive *a = archive_write_new();
  if (!a) {
    xerr_make(err, ENOMEM, "tar writer");
    return NULL;
  }
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd) != ARCHIVE_OK) {
    xerr_set(err, EIO, "tar writer: %s", archive_error_string(a));
    archive_write_free(a);
    return NULL;
  }
  return a;
}

int tar_writer_close(struct archive *a, struct xerr *err) {
  int r = archive_write_close(a);
  if (r != ARCHIVE_OK)
    xerr_set(err, EIO, "write tar: %s", archive_error_string(a));
  archive_write_free(a);
  return r == ARCHIVE_OK ? 0 : -1;
}

/* The entry's name in the tar: its path below `path`, put under name. */
static bool rename_entry(struct archive_entry *e, size_t prefix_len, const char *name) {
  const char *full = archive_entry_pathname(e);
  const char *rest = strlen(full) > prefix_len ? full + prefix_len : "";
  while (*rest == '/')
    rest++;
  if (!*name && !*rest)
    return false;  /* the top itself, when only its children are wanted */
  char *out = NULL;
  if (asprintf(&out, "%s%s%s", name, *name && *rest ? "/" : "", rest) < 0)
    return false;
  archive_entry_copy_pathname(e, out);
  free(out);
  return true;
}

static int copy_data(struct archive *disk, struct archive *a, struct archive_entry *e,
                     struct xerr *err) {
  if (archive_entry_filetype(e) != AE_IFREG || archive_entry_size(e) == 0)
    return 0;
  char buf[65536];
  la_ssize_t n;
  while ((n = archive_read_data(disk, buf, sizeof buf)) > 0)
    if (archive_write_data(a, buf, (size_t)n) < 0)
      return xerr_set(err, EIO, "write tar: %s", archive_error_string(a));
  if (n < 0)
    return xerr_set(err, EIO, "read %s: %s", archive_entry_sourcepath(e),
                    archive_error_string(disk));
  return 0;
}

int tar_add_tree(struct archive *a, const char *path, const char *name, bool follow_top,
                 struct xerr *err) {
  struct archive *disk = archive_read_disk_new();
  if (!disk)
    return xerr_make(err, ENOMEM, "read %s", path);
  archive_read_disk_set_standard_lookup(disk);
  if (follow_top)
    archive_read_disk_set_symlink_hybrid(disk);
  else
    archive_read_disk_set_symlink_physical(disk);
  int r = 0;
  if (archive_read_disk_open(disk, path) != ARCHIVE_OK) {
    r = xerr_set(err, ENOENT, "%s", archive_error_string(disk));
    archive_read_free(disk);
    return r;
  }
  size_t prefix_len = strlen(path);
  for (;;) {
    struct archive_entry *e = archive_entry_new();
    int s = archive_read_next_header2(disk, e);
    if (s == ARCHIVE_EOF) {
      archive_entry_free(e);
      break;
    }
    if (s < ARCHIVE_WARN) {
      r = xerr_set(err, EIO, "read %s: %s", path, archive_error_string(disk));
      archive_entry_free(e);
      break;
    }
    archive_read_disk_descend(disk);
    if (rename_entry(e, prefix_len, name)) {
      if (archive_write_header(a, e) != ARCHIVE_OK)
        r = xerr_set(err, EIO, "write tar: %s", archive_error_string(a));
      else
        r = copy_data(disk, a, e, err);
    }
    archive_entry_free(e);
    if (r < 0)
      break;
  }
  archive_read_close(disk);
  archive_read_free(disk);
  return r;
}
