/* Container changes (diff.h).  Trees are walked by fd and paths inside
 * the layers are resolved one component at a time without following
 * symlinks: the container's files and the layers are not trusted. */
#include "storage/diff.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xerr.h"
#include "storage/container.h"

void change_list_free(struct change_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->items[i].path);
  free(l->items);
  memset(l, 0, sizeof *l);
}

static int add_change(struct change_list *l, char kind, bool opaque, const char *rel,
                      struct xerr *err) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    struct change *grown = realloc(l->items, cap * sizeof *grown);
    if (!grown)
      return xerr_make(err, ENOMEM, "diff");
    l->items = grown;
    l->cap = cap;
  }
  char *path = NULL;
  if (asprintf(&path, "/%s", rel) < 0)
    return xerr_make(err, ENOMEM, "diff");
  l->items[l->n++] = (struct change){.kind = kind, .opaque = opaque, .path = path};
  return 0;
}

/* Paths compared component by component ('/' sorts first), so a
 * directory comes right before its contents, as a tree walk gives them. */
static int path_cmp(const void *a, const void *b) {
  const unsigned char *x = (const unsigned char *)((const struct change *)a)->path;
  const unsigned char *y = (const unsigned char *)((const struct change *)b)->path;
  for (; *x && *x == *y; x++, y++)
    ;
  int cx = *x == '/' ? 1 : *x ? *x + 1 : 0;
  int cy = *y == '/' ? 1 : *y ? *y + 1 : 0;
  return cx - cy;
}

static bool is_whiteout(const struct stat *st) {
  return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool dir_opaque(int dirfd) {
  char v[2];
  return fgetxattr(dirfd, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
}

/* ---- the merged view of the layers ---- */

struct lower {
  size_t n;
  int *fds; /* diff dirs, bottom first */
};

static void lower_close(struct lower *lw) {
  for (size_t i = 0; i < lw->n; i++)
    if (lw->fds[i] >= 0)
      close(lw->fds[i]);
  free(lw->fds);
}

static int lower_open(const struct layer_stack *ls, struct lower *lw, struct xerr *err) {
  lw->n = 0;
  lw->fds = calloc(ls->n ? ls->n : 1, sizeof *lw->fds);
  if (!lw->fds)
    return xerr_make(err, ENOMEM, "diff");
  for (size_t i = 0; i < ls->n; i++) {
    lw->fds[i] = open(ls->diffs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    lw->n++;
    if (lw->fds[i] < 0)
      return xerr_make(err, errno, "open layer %s", ls->diffs[i]);
  }
  return 0;
}

enum probe { PROBE_ABSENT, PROBE_FOUND, PROBE_BLOCKED };

/* What one layer says about rel: has it (st filled), hides it (a
 * whiteout, a non-directory or an opaque directory on the way), or has
 * nothing to say.  dirfd_out (may be NULL) receives an fd of rel when it
 * is a directory. */
static enum probe probe_layer(int layer, const char *rel, struct stat *st, int *dirfd_out) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", rel);
  int cur = dup(layer);
  if (cur < 0)
    return PROBE_ABSENT;
  bool opaque = false;
  enum probe result = PROBE_ABSENT;
  char *save = NULL;
  char *name = strtok_r(buf, "/", &save);
  if (!name) { /* the layer's root */
    if (fstat(cur, st) == 0) {
      result = PROBE_FOUND;
      if (dirfd_out) {
        *dirfd_out = cur;
        return result;
      }
    }
    close(cur);
    return result;
  }
  while (name) {
    char *next = strtok_r(NULL, "/", &save);
    if (fstatat(cur, name, st, AT_SYMLINK_NOFOLLOW) < 0) {
      result = opaque ? PROBE_BLOCKED : PROBE_ABSENT;
      break;
    }
    if (is_whiteout(st)) {
      result = PROBE_BLOCKED;
      break;
    }
    if (!next) {
      result = PROBE_FOUND;
      if (dirfd_out && S_ISDIR(st->st_mode)) {
        *dirfd_out = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        result = *dirfd_out >= 0 ? PROBE_FOUND : PROBE_ABSENT;
      }
      break;
    }
    if (!S_ISDIR(st->st_mode)) {
      result = PROBE_BLOCKED;
      break;
    }
    int sub = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
      break;
    opaque = opaque || dir_opaque(sub);
    close(cur);
    cur = sub;
    name = next;
  }
  close(cur);
  return result;
}

/* Does the merged view of the layers have rel?  st receives the topmost
 * version. */
static bool lower_lookup(const struct lower *lw, const char *rel, struct stat *st) {
  for (size_t i = lw->n; i-- > 0;) {
    enum probe p = probe_layer(lw->fds[i], rel, st, NULL);
    if (p != PROBE_ABSENT)
      return p == PROBE_FOUND;
  }
  return false;
}

struct name_set {
  size_t n;
  char **names;
  bool *done; /* whited out in a layer above, or already seen in the rootfs */
};

static void name_set_free(struct name_set *ns) {
  for (size_t i = 0; i < ns->n; i++)
    free(ns->names[i]);
  free(ns->names);
  free(ns->done);
}

static ssize_t name_find(const struct name_set *ns, const char *name) {
  for (size_t i = 0; i < ns->n; i++)
    if (strcmp(ns->names[i], name) == 0)
      return (ssize_t)i;
  return -1;
}

static int name_add(struct name_set *ns, const char *name, bool done, struct xerr *err) {
  char **names = realloc(ns->names, (ns->n + 1) * sizeof *names);
  if (names)
    ns->names = names;
  bool *dn = realloc(ns->done, (ns->n + 1) * sizeof *dn);
  if (dn)
    ns->done = dn;
  if (!names || !dn || !(ns->names[ns->n] = strdup(name)))
    return xerr_make(err, ENOMEM, "diff");
  ns->done[ns->n++] = done;
  return 0;
}

/* The names the merged layers show in directory rel. */
static int lower_list(const struct lower *lw, const char *rel, struct name_set *out,
                      struct xerr *err) {
  memset(out, 0, sizeof *out);
  for (size_t i = lw->n; i-- > 0;) {
    struct stat st;
    int dfd = -1;
    enum probe p = probe_layer(lw->fds[i], rel, &st, &dfd);
    if (p == PROBE_ABSENT)
      continue;
    if (p == PROBE_BLOCKED || dfd < 0)
      break;
    bool opaque = dir_opaque(dfd);
    DIR *d = fdopendir(dfd);
    if (!d) {
      close(dfd);
      return xerr_make(err, errno, "read layer directory /%s", rel);
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
          name_find(out, de->d_name) >= 0)
        continue;
      struct stat est;
      bool wh = fstatat(dirfd(d), de->d_name, &est, AT_SYMLINK_NOFOLLOW) == 0 && is_whiteout(&est);
      if (name_add(out, de->d_name, wh, err) < 0) {
        closedir(d);
        return -1;
      }
    }
    closedir(d);
    if (opaque)
      break;
  }
  return 0;
}

/* ---- walking the container's tree ---- */

struct walk {
  const struct lower *lw;
  struct change_list *out;
};

static int join(char *buf, size_t len, const char *rel, const char *name, struct xerr *err) {
  if (snprintf(buf, len, "%s%s%s", rel, *rel ? "/" : "", name) >= (int)len)
    return xerr_make(err, ENAMETOOLONG, "%s/%s", rel, name);
  return 0;
}

static int open_sub(int dirfd, const char *name, const char *rel, struct xerr *err) {
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return xerr_make(err, errno, "open /%s", rel);
  return fd;
}

/* A directory stream over a duplicate of dirfd, so closing the stream
 * leaves dirfd open for the caller. */
static DIR *open_dir_stream(int dirfd, const char *rel, struct xerr *err) {
  int fd = dup(dirfd);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    xerr_make(err, errno, "read /%s", rel);
    if (fd >= 0)
      close(fd);
  }
  return d;
}

/* Every entry under dirfd is added with kind. */
static int add_all(struct walk *w, int dirfd, const char *rel, char kind, struct xerr *err) {
  cleanup_dir DIR *d = open_dir_stream(dirfd, rel, err);
  if (!d)
    return -1;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    char path[PATH_MAX];
    struct stat st;
    if (join(path, sizeof path, rel, de->d_name, err) < 0 ||
        add_change(w->out, kind, false, path, err) < 0)
      return -1;
    if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
      cleanup_close int sub = open_sub(dirfd, de->d_name, path, err);
      if (sub < 0 || add_all(w, sub, path, kind, err) < 0)
        return -1;
    }
  }
  return 0;
}

static int overlay_walk(struct walk *w, int dirfd, const char *rel, struct xerr *err) {
  cleanup_dir DIR *d = open_dir_stream(dirfd, rel, err);
  if (!d)
    return -1;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    char path[PATH_MAX];
    struct stat st, lst;
    if (join(path, sizeof path, rel, de->d_name, err) < 0)
      return -1;
    if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      return xerr_make(err, errno, "stat /%s", path);
    if (is_whiteout(&st)) {
      if (add_change(w->out, 'D', false, path, err) < 0)
        return -1;
      continue;
    }
    char kind = lower_lookup(w->lw, path, &lst) ? 'C' : 'A';
    if (!S_ISDIR(st.st_mode)) {
      if (add_change(w->out, kind, false, path, err) < 0)
        return -1;
      continue;
    }
    cleanup_close int sub = open_sub(dirfd, de->d_name, path, err);
    if (sub < 0)
      return -1;
    bool opaque = dir_opaque(sub);
    if (add_change(w->out, kind, opaque, path, err) < 0)
      return -1;
    int r = opaque || kind == 'A' ? add_all(w, sub, path, 'A', err)
                                  : overlay_walk(w, sub, path, err);
    if (r < 0)
      return -1;
  }
  return 0;
}

static bool same_entry(int dirfd, const char *name, const struct stat *a, const struct stat *b,
                       const struct lower *lw, const char *rel) {
  if ((a->st_mode & S_IFMT) != (b->st_mode & S_IFMT) || a->st_mode != b->st_mode ||
      a->st_uid != b->st_uid || a->st_gid != b->st_gid || a->st_rdev != b->st_rdev)
    return false;
  if (S_ISDIR(a->st_mode))
    return true;
  if (a->st_size != b->st_size || a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
      a->st_mtim.tv_nsec != b->st_mtim.tv_nsec)
    return false;
  if (!S_ISLNK(a->st_mode))
    return true;
  /* Same length and time: compare the targets too. */
  char t1[PATH_MAX] = "", t2[PATH_MAX] = "";
  ssize_t n1 = readlinkat(dirfd, name, t1, sizeof t1 - 1);
  for (size_t i = lw->n; i-- > 0;) {
    struct stat st;
    if (probe_layer(lw->fds[i], rel, &st, NULL) != PROBE_FOUND)
      continue;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", rel);
    char *slash = strrchr(parent, '/');
    int pfd = -1;
    struct stat pst;
    if (slash) {
      *slash = '\0';
      probe_layer(lw->fds[i], parent, &pst, &pfd);
    } else {
      pfd = dup(lw->fds[i]);
    }
    if (pfd >= 0) {
      ssize_t n2 = readlinkat(pfd, name, t2, sizeof t2 - 1);
      close(pfd);
      return n1 == n2 && n1 >= 0 && memcmp(t1, t2, (size_t)n1) == 0;
    }
    break;
  }
  return false;
}

static int vfs_walk(struct walk *w, int dirfd, const char *rel, struct xerr *err) {
  struct name_set below;
  if (lower_list(w->lw, rel, &below, err) < 0)
    return -1;
  int ret = -1;
  DIR *d = open_dir_stream(dirfd, rel, err);
  if (!d)
    goto out;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    char path[PATH_MAX];
    struct stat st, lst;
    if (join(path, sizeof path, rel, de->d_name, err) < 0)
      goto out;
    if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      xerr_make(err, errno, "stat /%s", path);
      goto out;
    }
    ssize_t i = name_find(&below, de->d_name);
    if (i >= 0)
      below.done[i] = true; /* still there: not a deletion */
    bool existed = i >= 0 && lower_lookup(w->lw, path, &lst);
    if (!existed) {
      if (add_change(w->out, 'A', false, path, err) < 0)
        goto out;
    } else if (!same_entry(dirfd, de->d_name, &st, &lst, w->lw, path)) {
      if (add_change(w->out, 'C', false, path, err) < 0)
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
      cleanup_close int sub = open_sub(dirfd, de->d_name, path, err);
      int r = sub < 0 ? -1
              : !existed || !S_ISDIR(lst.st_mode) ? add_all(w, sub, path, 'A', err)
                                                    : vfs_walk(w, sub, path, err);
      if (r < 0)
        goto out;
    }
  }
  for (size_t i = 0; i < below.n; i++) {
    char path[PATH_MAX];
    if (below.done[i])
      continue;
    if (join(path, sizeof path, rel, below.names[i], err) < 0 ||
        add_change(w->out, 'D', false, path, err) < 0)
      goto out;
  }
  ret = 0;
out:
  if (d)
    closedir(d);
  name_set_free(&below);
  return ret;
}

/* Every parent of a change is itself a change (C), once. */
static int add_parents(struct change_list *l, struct xerr *err) {
  if (l->n == 0)
    return 0;
  qsort(l->items, l->n, sizeof *l->items, path_cmp);
  size_t n = l->n;
  for (size_t i = 0; i < n; i++) {
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", l->items[i].path);
    char *slash;
    while ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
      *slash = '\0';
      struct change key = {.path = parent};
      if (bsearch(&key, l->items, n, sizeof *l->items, path_cmp))
        break;
      bool pending = false;
      for (size_t j = n; j < l->n && !pending; j++)
        pending = strcmp(l->items[j].path, parent) == 0;
      if (pending)
        break;
      if (add_change(l, 'C', false, parent + 1, err) < 0)
        return -1;
    }
  }
  qsort(l->items, l->n, sizeof *l->items, path_cmp);
  return 0;
}

int storage_changes(const char *driver, const char *rw, const struct layer_stack *ls,
                    struct change_list *out, struct xerr *err) {
  memset(out, 0, sizeof *out);
  struct lower lw = {0};
  cleanup_close int root = open(rw, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return xerr_make(err, errno, "open %s", rw);
  int r = lower_open(ls, &lw, err);
  struct walk w = {.lw = &lw, .out = out};
  if (r == 0)
    r = strcmp(driver, "vfs") == 0 ? vfs_walk(&w, root, "", err) : overlay_walk(&w, root, "", err);
  if (r == 0)
    r = add_parents(out, err);
  lower_close(&lw);
  if (r < 0)
    change_list_free(out);
  return r;
}

int container_changes(struct xstore *s, const struct container_record *c,
                      struct change_list *out, char *source, size_t source_len,
                      struct xerr *err) {
  const struct storage_driver *drv;
  if (container_driver(c, &drv, err) < 0)
    return -1;
  struct layer_stack ls;
  if (container_layers(s, c, &ls, err) < 0)
    return -1;
  drv->rw_path(s, c->id, source, source_len);
  int r = storage_changes(drv->name, source, &ls, out, err);
  layer_stack_free(&ls);
  return r < 0 ? xerr_wrap(err, "changes of container %s", c->name) : 0;
}
