/* Unit tests of layer extraction (image/unpack.c) and the layer store
 * (storage/layers.c): tar streams are built in memory with libarchive's
 * writer, unpacked, and the result checked file by file.  Malicious layers
 * must be refused or kept inside the layer while a canary directory next
 * to it stays byte-for-byte the same.  The whole suite runs twice: with
 * openat2 and with the fallback path walk (XOCKER_FORCE_ROOTPATH_WALK). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/xerr.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/store.h"
#include "image/unpack.h"
#include "storage/layers.h"

enum { PLAIN, GZIP, ZSTD };
#define TAR_MAX (4 << 20)
#define MT_TEST MT_OCI_LAYER_GZIP

/* ---- building tar streams ---- */

struct tar {
  struct archive *a;
  char *buf;
  size_t used;
};

static void tar_begin(struct tar *t, int compression) {
  t->buf = malloc(TAR_MAX);
  assert_non_null(t->buf);
  t->used = 0;
  t->a = archive_write_new();
  assert_int_equal(archive_write_set_format_pax_restricted(t->a), ARCHIVE_OK);
  if (compression == GZIP)
    assert_int_equal(archive_write_add_filter_gzip(t->a), ARCHIVE_OK);
  else if (compression == ZSTD)
    assert_int_equal(archive_write_add_filter_zstd(t->a), ARCHIVE_OK);
  archive_write_set_bytes_in_last_block(t->a, 1);
  assert_int_equal(archive_write_open_memory(t->a, t->buf, TAR_MAX, &t->used), ARCHIVE_OK);
}

static void tar_end(struct tar *t) {
  assert_int_equal(archive_write_close(t->a), ARCHIVE_OK);
  archive_write_free(t->a);
}

struct ent {
  const char *path;
  mode_t type; /* AE_IFREG, ... */
  mode_t mode;
  const char *data;   /* regular files */
  const char *link;   /* symlink target */
  const char *hard;   /* hard link target */
  int uid, gid;
  time_t mtime;
  unsigned dev_major, dev_minor;
};

static struct archive_entry *entry_of(const struct ent *e) {
  struct archive_entry *ae = archive_entry_new();
  archive_entry_set_pathname(ae, e->path);
  archive_entry_set_filetype(ae, e->type ? e->type : AE_IFREG);
  archive_entry_set_perm(ae, e->mode ? e->mode : 0644);
  archive_entry_set_uid(ae, e->uid);
  archive_entry_set_gid(ae, e->gid);
  archive_entry_set_mtime(ae, e->mtime ? e->mtime : 1000000, 0);
  if (e->link)
    archive_entry_set_symlink(ae, e->link);
  if (e->hard)
    archive_entry_set_hardlink(ae, e->hard);
  if (e->type == AE_IFCHR || e->type == AE_IFBLK) {
    archive_entry_set_rdevmajor(ae, e->dev_major);
    archive_entry_set_rdevminor(ae, e->dev_minor);
  }
  archive_entry_set_size(ae, e->data ? (la_int64_t)strlen(e->data) : 0);
  return ae;
}

static void tar_add(struct tar *t, const struct ent *e) {
  struct archive_entry *ae = entry_of(e);
  assert_int_equal(archive_write_header(t->a, ae), ARCHIVE_OK);
  if (e->data)
    assert_int_equal(archive_write_data(t->a, e->data, strlen(e->data)),
                     (la_ssize_t)strlen(e->data));
  archive_entry_free(ae);
}

static void tar_add_xattrs(struct tar *t, const struct ent *e) {
  struct archive_entry *ae = entry_of(e);
  struct vfs_cap_data cap = {0};
  cap.magic_etc = VFS_CAP_REVISION_2;
  cap.data[0].permitted = 1u << CAP_NET_BIND_SERVICE;
  archive_entry_xattr_add_entry(ae, "security.capability", &cap, XATTR_CAPS_SZ_2);
  archive_entry_xattr_add_entry(ae, "user.colour", "blue", 4);
  archive_entry_xattr_add_entry(ae, "trusted.overlay.redirect", "/etc", 4);
  assert_int_equal(archive_write_header(t->a, ae), ARCHIVE_OK);
  assert_int_equal(archive_write_data(t->a, e->data, strlen(e->data)),
                   (la_ssize_t)strlen(e->data));
  archive_entry_free(ae);
}

/* ---- a private directory per test ---- */

struct fixture {
  char top[64];       /* /tmp/xocker-unpack.XXXXXX */
  char layer[128];    /* top/deep/er/layer */
  char canary[128];   /* top/canary: must never change */
  int layerfd;
  char *canary_before;
};

static char *snapshot(const char *dir);

static void write_file(const char *path, const char *data) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(data, f);
  fclose(f);
}

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof *f);
  strcpy(f->top, "/tmp/xocker-unpack.XXXXXX");
  assert_non_null(mkdtemp(f->top));
  char path[256];
  snprintf(path, sizeof path, "%s/deep", f->top);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/deep/er", f->top);
  mkdir(path, 0755);
  snprintf(f->layer, sizeof f->layer, "%s/deep/er/layer", f->top);
  assert_int_equal(mkdir(f->layer, 0755), 0);
  snprintf(f->canary, sizeof f->canary, "%s/canary", f->top);
  assert_int_equal(mkdir(f->canary, 0755), 0);
  snprintf(path, sizeof path, "%s/passwd", f->canary);
  write_file(path, "root:x:0:0:root:/root:/bin/sh\n");
  snprintf(path, sizeof path, "%s/sub", f->canary);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/sub/file", f->canary);
  write_file(path, "keep me\n");
  f->layerfd = open(f->layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(f->layerfd >= 0);
  f->canary_before = snapshot(f->top);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;
  char cmd[128];
  close(f->layerfd);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->top);
  assert_int_equal(system(cmd), 0);
  free(f->canary_before);
  free(f);
  return 0;
}

/* Everything about a tree outside the layer: names, types, modes, owners,
 * sizes, mtimes, link targets and file contents. */
static void snap_append(char **out, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  assert_true(vasprintf(&s, fmt, ap) >= 0);
  va_end(ap);
  size_t n = strlen(s);
  *out = realloc(*out, *len + n + 1);
  memcpy(*out + *len, s, n + 1);
  *len += n;
  free(s);
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void snap_dir(const char *dir, const char *skip, char **out, size_t *len) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *de;
  char **names = NULL;
  size_t n = 0;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    names = realloc(names, (n + 1) * sizeof *names);
    names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    if (strcmp(path, skip) == 0) {
      free(names[i]);
      continue;
    }
    snap_append(out, len, "%s %o %d:%d %lld %lld\n", path, st.st_mode, st.st_uid, st.st_gid,
                (long long)st.st_size, (long long)st.st_mtim.tv_sec);
    if (S_ISREG(st.st_mode)) {
      char buf[4096] = {0};
      int fd = open(path, O_RDONLY);
      ssize_t r = read(fd, buf, sizeof buf - 1);
      close(fd);
      assert_true(r >= 0);
      snap_append(out, len, "%s\n", buf);
    } else if (S_ISLNK(st.st_mode)) {
      char buf[1024] = {0};
      assert_true(readlink(path, buf, sizeof buf - 1) >= 0);
      snap_append(out, len, "-> %s\n", buf);
    } else if (S_ISDIR(st.st_mode)) {
      snap_dir(path, skip, out, len);
    }
    free(names[i]);
  }
  free(names);
}

/* The top directory minus the layer itself. */
static char *snapshot(const char *top) {
  char *out = strdup("");
  size_t len = 0;
  char skip[256];
  snprintf(skip, sizeof skip, "%s/deep/er/layer", top);
  snap_dir(top, skip, &out, &len);
  return out;
}

static void assert_outside_unchanged(struct fixture *f) {
  char *now = snapshot(f->top);
  assert_string_equal(now, f->canary_before);
  free(now);
  /* Absolute paths in entries never reach the host's root. */
  assert_int_equal(access("/xocker-unpack-abs", F_OK), -1);
}

static int unpack_buf(struct fixture *f, const struct tar *t, struct unpack_result *res,
                      struct xerr *err) {
  char path[256];
  snprintf(path, sizeof path, "%s/blob", f->top);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, t->buf, t->used), (ssize_t)t->used);
  lseek(fd, 0, SEEK_SET);
  int ret = unpack_layer(fd, f->layerfd, "test-layer", res, err);
  close(fd);
  unlink(path);
  return ret;
}

static void in_layer(struct fixture *f, const char *rel, struct stat *st) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", f->layer, rel);
  if (lstat(path, st) != 0)
    fail_msg("%s missing in the layer: %s", rel, strerror(errno));
}

static bool layer_has(struct fixture *f, const char *rel) {
  char path[1024];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", f->layer, rel);
  return lstat(path, &st) == 0;
}

/* ---- a normal layer, in each compression ---- */

static void build_normal(struct tar *t, int compression) {
  tar_begin(t, compression);
  tar_add(t, &(struct ent){.path = "./", .type = AE_IFDIR, .mode = 0755, .mtime = 5000});
  tar_add(t, &(struct ent){.path = "etc/", .type = AE_IFDIR, .mode = 0751, .uid = 1, .gid = 2,
                           .mtime = 1234567});
  tar_add(t, &(struct ent){.path = "etc/hello", .mode = 0640, .data = "hello world\n",
                           .uid = 1000, .gid = 1001, .mtime = 2222222});
  tar_add(t, &(struct ent){.path = "etc/link", .type = AE_IFLNK, .link = "hello",
                           .mtime = 3333333});
  tar_add(t, &(struct ent){.path = "etc/hard", .hard = "etc/hello"});
  tar_add(t, &(struct ent){.path = "bin/suid", .mode = 04755, .uid = 5, .data = "#!\n"});
  tar_add_xattrs(t, &(struct ent){.path = "bin/ping", .mode = 0755, .data = "ELF"});
  tar_add(t, &(struct ent){.path = "dev/null", .type = AE_IFCHR, .mode = 0666, .dev_major = 1,
                           .dev_minor = 3});
  tar_add(t, &(struct ent){.path = "run/fifo", .type = AE_IFIFO, .mode = 0620});
  tar_end(t);
}

static void check_normal(struct fixture *f, const struct unpack_result *res) {
  struct stat st;
  in_layer(f, "etc", &st);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0751);
  assert_int_equal(st.st_uid, 1);
  assert_int_equal(st.st_gid, 2);
  /* Set after its contents were written. */
  assert_int_equal(st.st_mtim.tv_sec, 1234567);
  in_layer(f, ".", &st);
  assert_int_equal(st.st_mtim.tv_sec, 5000);
  in_layer(f, "etc/hello", &st);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0640);
  assert_int_equal(st.st_uid, 1000);
  assert_int_equal(st.st_gid, 1001);
  assert_int_equal(st.st_size, 12);
  assert_int_equal(st.st_mtim.tv_sec, 2222222);
  assert_int_equal(st.st_nlink, 2);
  ino_t ino = st.st_ino;
  in_layer(f, "etc/hard", &st);
  assert_int_equal(st.st_ino, ino);
  in_layer(f, "etc/link", &st);
  assert_true(S_ISLNK(st.st_mode));
  assert_int_equal(st.st_mtim.tv_sec, 3333333);
  char target[64] = {0};
  char path[512];
  snprintf(path, sizeof path, "%s/etc/link", f->layer);
  assert_int_equal(readlink(path, target, sizeof target), 5);
  assert_string_equal(target, "hello");
  in_layer(f, "bin/suid", &st);
  assert_int_equal(st.st_mode & 07777, 04755);
  assert_int_equal(st.st_uid, 5);
  in_layer(f, "dev/null", &st);
  assert_true(S_ISCHR(st.st_mode));
  assert_int_equal(major(st.st_rdev), 1);
  assert_int_equal(minor(st.st_rdev), 3);
  assert_int_equal(st.st_mode & 07777, 0666);
  in_layer(f, "run/fifo", &st);
  assert_true(S_ISFIFO(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0620);
  /* xattrs: security.capability survives (set after chown), user.* kept,
   * trusted.* from the tar dropped. */
  snprintf(path, sizeof path, "%s/bin/ping", f->layer);
  struct vfs_cap_data cap;
  assert_int_equal(lgetxattr(path, "security.capability", &cap, sizeof cap), XATTR_CAPS_SZ_2);
  assert_int_equal(cap.data[0].permitted, 1u << CAP_NET_BIND_SERVICE);
  char colour[16] = {0};
  assert_int_equal(lgetxattr(path, "user.colour", colour, sizeof colour), 4);
  assert_string_equal(colour, "blue");
  assert_int_equal(lgetxattr(path, "trusted.overlay.redirect", colour, sizeof colour), -1);
  assert_int_equal(res->size, 12 + 3 + 3);
}

static void digest_of(const struct tar *t, char out[DIGEST_BUF_LEN]) {
  struct xerr err = {0};
  assert_int_equal(digest_buffer(t->buf, t->used, out, &err), 0);
}

static void check_compression(void **state, int compression) {
  struct fixture *f = *state;
  struct tar plain, t;
  build_normal(&plain, PLAIN);
  char expected[DIGEST_BUF_LEN];
  digest_of(&plain, expected);
  free(plain.buf);
  build_normal(&t, compression);
  struct unpack_result res;
  struct xerr err = {0};
  if (unpack_buf(f, &t, &res, &err) < 0)
    fail_msg("unpack: %s", err.msg);
  free(t.buf);
  check_normal(f, &res);
  assert_string_equal(res.diff_id, expected);
  assert_outside_unchanged(f);
}

static void test_plain(void **state) { check_compression(state, PLAIN); }
static void test_gzip(void **state) { check_compression(state, GZIP); }
static void test_zstd(void **state) { check_compression(state, ZSTD); }

static void test_whiteouts(void **state) {
  struct fixture *f = *state;
  struct tar t;
  tar_begin(&t, GZIP);
  tar_add(&t, &(struct ent){.path = "a/", .type = AE_IFDIR, .mode = 0755});
  tar_add(&t, &(struct ent){.path = "a/.wh.gone"});
  tar_add(&t, &(struct ent){.path = "b/.wh..wh..opq"});
  tar_add(&t, &(struct ent){.path = "b/keep", .data = "k"});
  tar_add(&t, &(struct ent){.path = ".wh..wh.plnk", .type = AE_IFDIR, .mode = 0700});
  tar_end(&t);
  struct unpack_result res;
  struct xerr err = {0};
  if (unpack_buf(f, &t, &res, &err) < 0)
    fail_msg("unpack: %s", err.msg);
  free(t.buf);
  struct stat st;
  in_layer(f, "a/gone", &st);
  assert_true(S_ISCHR(st.st_mode));
  assert_int_equal(st.st_rdev, makedev(0, 0));
  assert_false(layer_has(f, "a/.wh.gone"));
  char path[512], v[8] = {0};
  snprintf(path, sizeof path, "%s/b", f->layer);
  assert_int_equal(lgetxattr(path, "trusted.overlay.opaque", v, sizeof v), 1);
  assert_string_equal(v, "y");
  assert_true(layer_has(f, "b/keep"));
  assert_false(layer_has(f, "b/.wh..wh..opq"));
  assert_false(layer_has(f, ".wh..wh.plnk"));
}

/* ---- malicious layers ---- */

/* Unpack entries; return the unpack result (the caller checks whether an
 * error was expected), always checking nothing outside changed. */
static int unpack_entries(struct fixture *f, const struct ent *ents, size_t n,
                          struct xerr *err) {
  struct tar t;
  tar_begin(&t, PLAIN);
  for (size_t i = 0; i < n; i++)
    tar_add(&t, &ents[i]);
  tar_end(&t);
  struct unpack_result res;
  int ret = unpack_buf(f, &t, &res, err);
  free(t.buf);
  assert_outside_unchanged(f);
  return ret;
}

static void test_dotdot(void **state) {
  struct fixture *f = *state;
  struct xerr err = {0};
  const struct ent ents[] = {{.path = "../../../canary/passwd", .data = "pwned\n"}};
  assert_int_equal(unpack_entries(f, ents, 1, &err), -1);
  assert_non_null(strstr(err.msg, "outside the layer"));
  assert_non_null(strstr(err.msg, "../../../canary/passwd"));
  const struct ent ents2[] = {{.path = "a/../../x", .data = "pwned\n"}};
  assert_int_equal(unpack_entries(f, ents2, 1, &err), -1);
  /* ".." that stays inside is fine. */
  const struct ent ents3[] = {{.path = "a/b/../c", .data = "ok\n"}};
  assert_int_equal(unpack_entries(f, ents3, 1, &err), 0);
  assert_true(layer_has(f, "a/c"));
}

static void test_absolute(void **state) {
  struct fixture *f = *state;
  struct xerr err = {0};
  const struct ent ents[] = {{.path = "/xocker-unpack-abs/x", .data = "abs\n"}};
  assert_int_equal(unpack_entries(f, ents, 1, &err), 0);
  assert_true(layer_has(f, "xocker-unpack-abs/x"));
}

static void test_symlink_escape(void **state) {
  struct fixture *f = *state;
  struct xerr err = {0};
  char canary_abs[256];
  snprintf(canary_abs, sizeof canary_abs, "%s", f->canary);
  const struct ent ents[] = {
      {.path = "evil", .type = AE_IFLNK, .link = "/"},
      {.path = "evil/xocker-unpack-abs", .data = "x\n"},
      {.path = "up", .type = AE_IFLNK, .link = "../../../canary"},
      {.path = "up/passwd", .data = "pwned\n"},
      {.path = "abs", .type = AE_IFLNK, .link = canary_abs},
      {.path = "abs/sub/file", .data = "pwned\n"},
      {.path = "abs/new", .data = "pwned\n"},
  };
  int ret = unpack_entries(f, ents, sizeof ents / sizeof ents[0], &err);
  /* Kept inside: each symlink is resolved as if the layer were "/". */
  assert_int_equal(ret, 0);
  assert_true(layer_has(f, "xocker-unpack-abs"));
  assert_true(layer_has(f, "canary/passwd"));
  char inside[512];
  snprintf(inside, sizeof inside, "%s/new", canary_abs + 1);
  assert_true(layer_has(f, inside));
}

static void test_hardlink_escape(void **state) {
  struct fixture *f = *state;
  struct xerr err = {0};
  const struct ent up[] = {{.path = "h", .hard = "../../../canary/passwd"}};
  assert_int_equal(unpack_entries(f, up, 1, &err), -1);
  assert_non_null(strstr(err.msg, "outside the layer"));
  char abs_target[256];
  snprintf(abs_target, sizeof abs_target, "%s/passwd", f->canary);
  const struct ent abs[] = {{.path = "h2", .hard = abs_target}, {.path = "h3", .hard = "/etc/passwd"}};
  assert_int_equal(unpack_entries(f, abs, 1, &err), -1);
  assert_int_equal(err.errnum, ENOENT);
  assert_int_equal(unpack_entries(f, abs + 1, 1, &err), -1);
  /* Through a symlinked parent that points outside: resolved inside. */
  const struct ent via[] = {
      {.path = "out", .type = AE_IFLNK, .link = "../../../canary"},
      {.path = "h4", .hard = "out/passwd"},
  };
  assert_int_equal(unpack_entries(f, via, 2, &err), -1);
  assert_int_equal(err.errnum, ENOENT);
  /* A hard link to a symlink links the symlink, never its target. */
  const struct ent sym[] = {
      {.path = "s", .type = AE_IFLNK, .link = abs_target},
      {.path = "h5", .hard = "s"},
  };
  assert_int_equal(unpack_entries(f, sym, 2, &err), 0);
  struct stat st;
  in_layer(f, "h5", &st);
  assert_true(S_ISLNK(st.st_mode));
}

static void test_symlink_replaced(void **state) {
  struct fixture *f = *state;
  struct xerr err = {0};
  char target[256];
  snprintf(target, sizeof target, "%s/passwd", f->canary);
  const struct ent ents[] = {
      {.path = "etc/passwd", .type = AE_IFLNK, .link = target},
      {.path = "etc/passwd", .data = "replaced\n", .mode = 0600},
      {.path = "d", .type = AE_IFLNK, .link = "../../../canary/sub"},
      {.path = "d", .type = AE_IFDIR, .mode = 0755},
      {.path = "d/file", .data = "inside\n"},
  };
  assert_int_equal(unpack_entries(f, ents, sizeof ents / sizeof ents[0], &err), 0);
  struct stat st;
  in_layer(f, "etc/passwd", &st);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_size, 9);
  in_layer(f, "d", &st);
  assert_true(S_ISDIR(st.st_mode));
  assert_true(layer_has(f, "d/file"));
}

/* ---- broken streams ---- */

static void test_truncated_and_corrupt(void **state) {
  struct fixture *f = *state;
  struct xerr err = {0};
  struct unpack_result res;
  struct tar t;
  tar_begin(&t, GZIP);
  char big[20000];
  for (size_t i = 0; i < sizeof big - 1; i++)
    big[i] = (char)('a' + (i * 7919 % 26));
  big[sizeof big - 1] = '\0';
  tar_add(&t, &(struct ent){.path = "big", .data = big});
  tar_add(&t, &(struct ent){.path = "small", .data = "s"});
  tar_end(&t);
  size_t whole = t.used;
  t.used = whole / 2;
  assert_int_equal(unpack_buf(f, &t, &res, &err), -1);
  assert_non_null(strstr(err.msg, "test-layer"));
  t.used = whole;
  for (size_t i = whole / 3; i < whole / 3 + 64; i++)
    t.buf[i] ^= 0x5a;
  memset(&err, 0, sizeof err);
  assert_int_equal(unpack_buf(f, &t, &res, &err), -1);
  assert_non_null(strstr(err.msg, "test-layer"));
  free(t.buf);
  /* A plain tar cut inside a file's data. */
  tar_begin(&t, PLAIN);
  tar_add(&t, &(struct ent){.path = "big", .data = big});
  tar_end(&t);
  t.used = 512 + 4000;
  memset(&err, 0, sizeof err);
  assert_int_equal(unpack_buf(f, &t, &res, &err), -1);
  assert_non_null(strstr(err.msg, "test-layer"));
  free(t.buf);
  /* Not a tar at all. */
  tar_begin(&t, PLAIN);
  tar_end(&t);
  memcpy(t.buf, "this is not a tar archive, not at all, really not", 50);
  memset(&err, 0, sizeof err);
  assert_int_equal(unpack_buf(f, &t, &res, &err), -1);
  free(t.buf);
  assert_outside_unchanged(f);
}

/* ---- the layer store ---- */

static void test_layer_ensure(void **state) {
  struct fixture *f = *state;
  char root[256];
  snprintf(root, sizeof root, "%s/store", f->top);
  struct xstore *s = NULL;
  struct xerr err = {0};
  if (store_open(root, NULL, &s, &err) < 0)
    fail_msg("store_open: %s", err.msg);
  struct tar plain, t;
  build_normal(&plain, PLAIN);
  char diff_id[DIGEST_BUF_LEN], blob[DIGEST_BUF_LEN], chain[DIGEST_BUF_LEN];
  digest_of(&plain, diff_id);
  free(plain.buf);
  build_normal(&t, GZIP);
  assert_int_equal(blob_put(s, t.buf, t.used, NULL, blob, &err), 0);
  free(t.buf);

  /* A wrong diff id: an error naming the blob and both digests, nothing left. */
  const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  assert_int_equal(layer_ensure(s, NULL, blob, MT_TEST, wrong, chain, &err), -1);
  assert_non_null(strstr(err.msg, blob));
  assert_non_null(strstr(err.msg, wrong));
  assert_non_null(strstr(err.msg, diff_id));
  assert_false(layer_exists(s, wrong));
  char cmd[512];
  snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s/layers')\"", root);
  assert_int_equal(system(cmd), 0);

  if (layer_ensure(s, NULL, blob, MT_TEST, diff_id, chain, &err) < 0)
    fail_msg("layer_ensure: %s", err.msg);
  assert_string_equal(chain, diff_id);
  assert_true(layer_exists(s, chain));
  char diff[4096];
  layer_diff_path(s, chain, diff, sizeof diff);
  char hello[4200];
  snprintf(hello, sizeof hello, "%s/etc/hello", diff);
  assert_int_equal(access(hello, F_OK), 0);
  assert_int_equal(layer_chain_size(s, chain), 18);

  /* A second layer on top: chain id and chain size. */
  char chain2[DIGEST_BUF_LEN], expected2[DIGEST_BUF_LEN], buf[200];
  int n = snprintf(buf, sizeof buf, "%s %s", chain, diff_id);
  assert_int_equal(digest_buffer(buf, (size_t)n, expected2, &err), 0);
  assert_int_equal(layer_ensure(s, chain, blob, MT_TEST, diff_id, chain2, &err), 0);
  assert_string_equal(chain2, expected2);
  assert_int_equal(layer_chain_size(s, chain2), 36);

  /* Present: returns at once, even with the blob gone. */
  assert_int_equal(blob_remove(s, blob, &err), 0);
  assert_int_equal(layer_ensure(s, NULL, blob, MT_TEST, diff_id, chain, &err), 0);

  /* A crashed unpacker's leftovers go once they are old. */
  char stale[4096];
  snprintf(stale, sizeof stale, "%s/layers/tmp-crashed", root);
  assert_int_equal(mkdir(stale, 0700), 0);
  struct timespec old[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
  utimensat(AT_FDCWD, stale, old, 0);
  assert_int_equal(layer_remove(s, chain2, &err), 0);
  assert_false(layer_exists(s, chain2));
  assert_int_equal(layer_ensure(s, chain, blob, MT_TEST, diff_id, chain2, &err), -1);
  assert_int_equal(access(stale, F_OK), -1);
  assert_int_equal(layer_remove(s, chain, &err), 0);
  assert_int_equal(access(diff, F_OK), -1);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
      cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_zstd, setup, teardown),
      cmocka_unit_test_setup_teardown(test_whiteouts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dotdot, setup, teardown),
      cmocka_unit_test_setup_teardown(test_absolute, setup, teardown),
      cmocka_unit_test_setup_teardown(test_symlink_escape, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hardlink_escape, setup, teardown),
      cmocka_unit_test_setup_teardown(test_symlink_replaced, setup, teardown),
      cmocka_unit_test_setup_teardown(test_truncated_and_corrupt, setup, teardown),
      cmocka_unit_test_setup_teardown(test_layer_ensure, setup, teardown),
  };
  int failed = cmocka_run_group_tests_name("unpack (openat2)", tests, NULL, NULL);
  if (failed || getenv("XOCKER_FORCE_ROOTPATH_WALK"))
    return failed;
  /* Again with the fallback walk (the choice is cached per process). */
  setenv("XOCKER_FORCE_ROOTPATH_WALK", "1", 1);
  execl("/proc/self/exe", "test_unpack", (char *)NULL);
  fail_msg("re-exec: %s", strerror(errno));
  return 1;
}
