/* Unit tests of the container mount code: every -v/--mount/--tmpfs/
 * --volumes-from form into the HostConfig (and Docker's errors), the OCI
 * mounts and inspect Mounts mounts_setup writes, copy-up, the undo of a
 * failed setup, and the volume store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "common/xerr.h"
#include "engine/mounts.h"
#include "engine/mounts_internal.h"
#include "engine/volume.h"
#include "image/store.h"

static char top[64];
static char rootfs[128];
static struct xstore *store;

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **state) {
  (void)state;
  snprintf(top, sizeof top, "/tmp/mounts-XXXXXX");
  if (!mkdtemp(top))
    return -1;
  char path[256];
  snprintf(rootfs, sizeof rootfs, "%s/rootfs", top);
  mkdir(rootfs, 0755);
  snprintf(path, sizeof path, "%s/etc", rootfs);
  mkdir(path, 0750);
  chown(path, 12, 34);
  snprintf(path, sizeof path, "%s/etc/passwd", rootfs);
  write_text(path, "root:x:0:0::/root:/bin/sh\n");
  chmod(path, 0640);
  chown(path, 0, 42);
  snprintf(path, sizeof path, "%s/etc/sub", rootfs);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/etc/sub/link", rootfs);
  symlink("../passwd", path);
  snprintf(path, sizeof path, "%s/escape", rootfs);
  symlink("/usr", path); /* must resolve inside the rootfs, not to the host's /usr */
  snprintf(path, sizeof path, "%s/store", top);
  struct xerr err = {0};
  return store_open(path, NULL, &store, &err);
}

static int teardown(void **state) {
  (void)state;
  store_close(store);
  struct xerr err = {0};
  return remove_tree(top, &err);
}

/* ---- parsing ---- */

static void expect_bind_error(const char *spec, const char *msg) {
  struct mount_point mp;
  struct xerr err = {0};
  assert_int_equal(mount_parse_bind(spec, &mp, &err), -1);
  assert_string_equal(err.msg, msg);
  mount_point_clear(&mp);
}

static void test_volume_flag_forms(void **state) {
  (void)state;
  struct mount_point mp;
  struct xerr err = {0};
  assert_int_equal(mount_parse_bind("/host//dir/:/ctr/:ro,rslave", &mp, &err), 0);
  assert_int_equal(mp.kind, MOUNT_BIND);
  assert_string_equal(mp.source, "/host/dir");
  assert_string_equal(mp.destination, "/ctr");
  assert_false(mp.rw);
  assert_string_equal(mp.mode, "ro,rslave");
  assert_string_equal(mp.propagation, "rslave");
  mount_point_clear(&mp);

  assert_int_equal(mount_parse_bind("/h:/c", &mp, &err), 0);
  assert_true(mp.rw);
  assert_string_equal(mp.mode, "");
  assert_string_equal(mp.propagation, "rprivate");
  assert_false(mp.must_exist); /* -v makes a missing host path */
  mount_point_clear(&mp);

  assert_int_equal(mount_parse_bind("data:/d", &mp, &err), 0);
  assert_int_equal(mp.kind, MOUNT_VOLUME);
  assert_string_equal(mp.source, "data");
  assert_string_equal(mp.mode, "z"); /* Docker shows a named volume's empty mode as z */
  assert_true(mp.copy_data);
  mount_point_clear(&mp);

  assert_int_equal(mount_parse_bind("data:/d:nocopy,Z", &mp, &err), 0);
  assert_false(mp.copy_data);
  assert_string_equal(mp.mode, "nocopy,Z");
  mount_point_clear(&mp);

  assert_int_equal(mount_parse_bind("/anon", &mp, &err), 0);
  assert_int_equal(mp.kind, MOUNT_VOLUME);
  assert_null(mp.source);
  assert_string_equal(mp.mode, "");
  mount_point_clear(&mp);

  expect_bind_error("/a:rw", "invalid volume specification: '/a:rw'");
  expect_bind_error("a:/b:c:d", "invalid volume specification: 'a:/b:c:d'");
  expect_bind_error("/a:/b:xx", "invalid mode: xx");
  expect_bind_error("/a:/b:ro,rw", "invalid mode: ro,rw");
  expect_bind_error(":/b", "invalid spec: :/b: empty section between colons");
  expect_bind_error("/a:/",
                    "invalid volume specification: '/a:/': invalid mount config for type "
                    "\"bind\": invalid specification: destination can't be '/'");
  expect_bind_error("a:rel",
                    "invalid volume specification: 'a:rel': invalid mount config for type "
                    "\"volume\": invalid mount path: 'rel' mount path must be absolute");
}

static json_t *hc_with(const char *flag, const char *value, struct xerr *err, int *rc) {
  json_t *hc = json_object();
  *rc = mounts_set_flag(hc, flag, value, err);
  return hc;
}

static void expect_flag_error(const char *flag, const char *value, const char *msg) {
  struct xerr err = {0};
  int rc;
  json_t *hc = hc_with(flag, value, &err, &rc);
  assert_int_equal(rc, -1);
  assert_string_equal(err.msg, msg);
  json_decref(hc);
}

static void expect_hc(const char *flag, const char *value, const char *key, const char *json) {
  struct xerr err = {0};
  int rc;
  json_t *hc = hc_with(flag, value, &err, &rc);
  assert_int_equal(rc, 0);
  char *got = json_dumps(json_object_get(hc, key), JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(got, json);
  free(got);
  json_decref(hc);
}

static void test_flags_into_hostconfig(void **state) {
  (void)state;
  assert_true(mounts_has_flag("volume"));
  assert_true(mounts_has_flag("mount"));
  assert_true(mounts_has_flag("tmpfs"));
  assert_true(mounts_has_flag("volumes-from"));
  assert_false(mounts_has_flag("memory"));

  expect_hc("volume", "/h:/c:ro", "Binds", "[\"/h:/c:ro\"]");
  expect_hc("mount", "type=bind,src=/tmp,dst=/t,readonly", "Mounts",
            "[{\"ReadOnly\":true,\"Source\":\"/tmp\",\"Target\":\"/t\",\"Type\":\"bind\"}]");
  expect_hc("mount", "target=/m2", "Mounts", "[{\"Target\":\"/m2\",\"Type\":\"volume\"}]");
  expect_hc("mount", "src=v4,dst=/f,volume-nocopy", "Mounts",
            "[{\"Source\":\"v4\",\"Target\":\"/f\",\"Type\":\"volume\",\"VolumeOptions\":"
            "{\"DriverConfig\":{},\"NoCopy\":true}}]");
  expect_hc("mount", "type=bind,src=/tmp,dst=/d,bind-propagation=shared", "Mounts",
            "[{\"BindOptions\":{\"Propagation\":\"shared\"},\"Source\":\"/tmp\",\"Target\":"
            "\"/d\",\"Type\":\"bind\"}]");
  expect_hc("mount", "type=tmpfs,dst=/tt,tmpfs-size=1m,tmpfs-mode=1770", "Mounts",
            "[{\"Target\":\"/tt\",\"TmpfsOptions\":{\"Mode\":1016,\"SizeBytes\":1048576},"
            "\"Type\":\"tmpfs\"}]");
  expect_hc("mount", "\"src=a,b\",dst=/q,volume-opt=type=tmpfs,ro=false", "Mounts",
            "[{\"ReadOnly\":false,\"Source\":\"a,b\",\"Target\":\"/q\",\"Type\":\"volume\","
            "\"VolumeOptions\":{\"DriverConfig\":{\"Options\":{\"type\":\"tmpfs\"}}}}]");
  expect_hc("tmpfs", "/run:size=1m,exec", "Tmpfs", "{\"/run\":\"size=1m,exec\"}");
  expect_hc("tmpfs", "/run", "Tmpfs", "{\"/run\":\"\"}");
  expect_hc("volumes-from", "other:ro", "VolumesFrom", "[\"other:ro\"]");

  /* The same -v twice is one mount, as Docker's CLI keeps a set. */
  struct xerr err = {0};
  json_t *hc = json_object();
  assert_int_equal(mounts_set_flag(hc, "volume", "/a:/b", &err), 0);
  assert_int_equal(mounts_set_flag(hc, "volume", "/a:/b", &err), 0);
  assert_int_equal(json_array_size(json_object_get(hc, "Binds")), 1);
  json_decref(hc);

  expect_flag_error("mount", "dst=/x,bogus=1",
                    "invalid argument \"dst=/x,bogus=1\" for \"--mount\" flag: unexpected key "
                    "'bogus' in 'bogus=1'");
  expect_flag_error("mount", "dst=/x,ro=maybe",
                    "invalid argument \"dst=/x,ro=maybe\" for \"--mount\" flag: invalid value "
                    "for ro: maybe");
  expect_flag_error("mount", "src=/x",
                    "invalid argument \"src=/x\" for \"--mount\" flag: target is required");
  expect_flag_error("mount", "dst=/x,justkey",
                    "invalid argument \"dst=/x,justkey\" for \"--mount\" flag: invalid field "
                    "'justkey' must be a key=value pair");
  expect_flag_error("mount", "type=bind,src=/tmp,dst=/x,volume-nocopy",
                    "invalid argument \"type=bind,src=/tmp,dst=/x,volume-nocopy\" for "
                    "\"--mount\" flag: cannot mix 'volume-*' options with mount type 'bind'");
  expect_flag_error("mount", "type=tmpfs,dst=/x,tmpfs-size=abc",
                    "invalid argument \"type=tmpfs,dst=/x,tmpfs-size=abc\" for \"--mount\" "
                    "flag: invalid value for tmpfs-size: abc");
  expect_flag_error("mount", "type=bind,dst=/x",
                    "invalid mount config for type \"bind\": field Source must not be empty");
  expect_flag_error("mount", "src=v,dst=rel",
                    "invalid mount config for type \"volume\": invalid mount path: 'rel' mount "
                    "path must be absolute");
  expect_flag_error("mount", "type=foo,dst=/x",
                    "invalid mount config for type \"foo\": mount type unknown");
  expect_flag_error("mount", "type=tmpfs,src=x,dst=/x",
                    "invalid mount config for type \"tmpfs\": field Source must not be "
                    "specified");
  expect_flag_error("mount", "type=volume,dst=/x,ro",
                    "invalid mount config for type \"volume\": must not set ReadOnly mode when "
                    "using anonymous volumes");
  expect_flag_error("mount", "type=bind,src=/tmp,dst=/x,bind-propagation=bogus",
                    "invalid mount config for type \"bind\": invalid propagation mode: bogus");
  expect_flag_error("tmpfs", "rel", "invalid mount path: 'rel' mount path must be absolute");
  expect_flag_error("tmpfs", "/", "invalid specification: destination can't be '/'");
  expect_flag_error("volumes-from", "c1:rshared", "invalid mode: rshared");
  expect_flag_error("volumes-from", "c1:nocopy", "invalid mode: nocopy");
  expect_flag_error("volumes-from", "", "volumes-from specification cannot be an empty string");
  expect_flag_error("volume", "/a:/b:xx", "invalid mode: xx");
}

static void expect_tmpfs_options(const char *data, const char *want) {
  char **opts = NULL;
  struct xerr err = {0};
  assert_int_equal(mount_tmpfs_options(data, &opts, &err), 0);
  char joined[512] = "";
  for (char **o = opts; *o; o++) {
    strcat(joined, o == opts ? "" : ",");
    strcat(joined, *o);
  }
  assert_string_equal(joined, want);
  for (char **o = opts; *o; o++)
    free(*o);
  free(opts);
}

static void test_tmpfs_options_and_paths(void **state) {
  (void)state;
  expect_tmpfs_options("", "noexec,nosuid,nodev,rprivate");
  expect_tmpfs_options("size=1m,exec", "nosuid,nodev,rprivate,size=1m,exec");
  expect_tmpfs_options("size=1m,size=2m,ro,mode=1777", "noexec,nosuid,nodev,rprivate,size=2m,ro,mode=1777");
  char **opts = NULL;
  struct xerr err = {0};
  assert_int_equal(mount_tmpfs_options("bogus", &opts, &err), -1);
  assert_string_equal(err.msg, "Invalid tmpfs option [\"bogus\"]");

  int64_t size;
  assert_int_equal(mount_parse_ram_size("64m", &size), 0);
  assert_int_equal(size, 64 << 20);
  assert_int_equal(mount_parse_ram_size("1.5k", &size), 0);
  assert_int_equal(size, 1536);
  assert_int_equal(mount_parse_ram_size("2GiB", &size), 0);
  assert_int_equal(size, 2LL << 30);
  assert_int_equal(mount_parse_ram_size("100", &size), 0);
  assert_int_equal(size, 100);
  assert_int_equal(mount_parse_ram_size("abc", &size), -1);
  assert_int_equal(mount_parse_ram_size("1x", &size), -1);

  static const char *const cases[][2] = {{"/a/b/../c/", "/a/c"}, {"/..", "/"},   {"//x//y", "/x/y"},
                                         {"a/./b", "a/b"},       {"../a", "../a"}, {"a/..", "."}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *c = mount_clean_path(cases[i][0]);
    assert_string_equal(c, cases[i][1]);
    free(c);
  }
}

/* ---- setup ---- */

static json_t *find_by_dest(json_t *arr, const char *key, const char *dest) {
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_t *m = json_array_get(arr, i);
    if (strcmp(json_string_value(json_object_get(m, key)), dest) == 0)
      return m;
  }
  return NULL;
}

static char *compact(json_t *j) { return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER); }

static void assert_json(json_t *j, const char *want) {
  char *got = compact(j);
  assert_string_equal(got, want);
  free(got);
}

static json_t *base_spec(void) {
  return json_pack("{s:[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s}]}", "mounts", "destination",
                   "/proc", "type", "proc", "source", "proc", "destination", "/etc/hosts",
                   "type", "bind", "source", "/x/hosts", "destination", "/dev/shm", "type",
                   "tmpfs", "source", "shm");
}

static void test_setup_volumes_binds_tmpfs(void **state) {
  (void)state;
  char host[256], missing[256], data[512], path[600];
  snprintf(host, sizeof host, "%s/host", top);
  snprintf(missing, sizeof missing, "%s/made/by/v", top);
  mkdir(host, 0755);
  struct xerr err = {0};
  json_t *hc = json_object();
  char spec1[300], spec2[300];
  snprintf(spec1, sizeof spec1, "%s:/h:ro", host);
  snprintf(spec2, sizeof spec2, "%s:/m", missing);
  assert_int_equal(mounts_set_flag(hc, "volume", "cfg:/etc", &err), 0);
  assert_int_equal(mounts_set_flag(hc, "volume", spec1, &err), 0);
  assert_int_equal(mounts_set_flag(hc, "volume", spec2, &err), 0);
  assert_int_equal(mounts_set_flag(hc, "mount", "type=tmpfs,dst=/tt,tmpfs-size=1m", &err), 0);
  assert_int_equal(mounts_set_flag(hc, "tmpfs", "/dev/shm:size=8m", &err), 0);
  json_t *image = json_pack("{s:{s:{}, s:{}}}", "Volumes", "/data", "/etc");
  json_t *spec = base_spec(), *mounts = NULL;
  assert_int_equal(mounts_setup(store, "c1", image, hc, rootfs, spec, &mounts, &err), 0);

  /* inspect: the named volume, the binds (the missing one made), the tmpfs,
   * the image's /data as an anonymous volume; --tmpfs is not listed; the
   * image's /etc is the flag's. */
  assert_int_equal(json_array_size(mounts), 5);
  volume_data_path(store, "cfg", data, sizeof data);
  json_t *vol = find_by_dest(mounts, "Destination", "/etc");
  char want[2048];
  snprintf(want, sizeof want,
           "{\"Type\":\"volume\",\"Name\":\"cfg\",\"Source\":\"%s\",\"Destination\":\"/etc\","
           "\"Driver\":\"local\",\"Mode\":\"z\",\"RW\":true,\"Propagation\":\"\"}",
           data);
  assert_json(vol, want);
  snprintf(want, sizeof want,
           "{\"Type\":\"bind\",\"Source\":\"%s\",\"Destination\":\"/h\",\"Mode\":\"ro\","
           "\"RW\":false,\"Propagation\":\"rprivate\"}",
           host);
  assert_json(find_by_dest(mounts, "Destination", "/h"), want);
  struct stat st;
  assert_int_equal(stat(missing, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_json(find_by_dest(mounts, "Destination", "/tt"),
              "{\"Type\":\"tmpfs\",\"Source\":\"\",\"Destination\":\"/tt\",\"Mode\":\"\","
              "\"RW\":true,\"Propagation\":\"\"}");
  json_t *anon = find_by_dest(mounts, "Destination", "/data");
  const char *anon_name = json_string_value(json_object_get(anon, "Name"));
  assert_int_equal(strlen(anon_name), 64);
  struct volume v = {0};
  assert_int_equal(volume_lookup(store, anon_name, &v, &err), 0);
  assert_true(v.anonymous);
  volume_clear(&v);
  assert_int_equal(volume_lookup(store, "cfg", &v, &err), 0);
  assert_false(v.anonymous);
  volume_clear(&v);

  /* Copy-up: content, owner and mode of the image's /etc; the symlink kept. */
  snprintf(path, sizeof path, "%s/passwd", data);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0640);
  assert_int_equal(st.st_gid, 42);
  assert_int_equal(stat(data, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0750);
  assert_int_equal(st.st_uid, 12);
  snprintf(path, sizeof path, "%s/sub/link", data);
  char target[64] = "";
  assert_int_equal(readlink(path, target, sizeof target), 9);

  /* OCI: Docker's options; --tmpfs /dev/shm replaces the default; parents
   * come before children (/etc before /etc/hosts). */
  json_t *oci = json_object_get(spec, "mounts");
  snprintf(want, sizeof want,
           "{\"destination\":\"/h\",\"type\":\"bind\",\"source\":\"%s\",\"options\":"
           "[\"rbind\",\"ro\",\"rprivate\"]}",
           host);
  assert_json(find_by_dest(oci, "destination", "/h"), want);
  snprintf(want, sizeof want,
           "{\"destination\":\"/etc\",\"type\":\"bind\",\"source\":\"%s\",\"options\":"
           "[\"rbind\"]}",
           data);
  assert_json(find_by_dest(oci, "destination", "/etc"), want);
  assert_json(find_by_dest(oci, "destination", "/dev/shm"),
              "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
              "\"options\":[\"noexec\",\"nosuid\",\"nodev\",\"rprivate\",\"size=8m\"]}");
  assert_json(find_by_dest(oci, "destination", "/tt"),
              "{\"destination\":\"/tt\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
              "\"options\":[\"noexec\",\"nosuid\",\"nodev\",\"rprivate\",\"size=1m\"]}");
  size_t etc_at = 0, hosts_at = 0, shm_count = 0;
  for (size_t i = 0; i < json_array_size(oci); i++) {
    const char *d = json_string_value(json_object_get(json_array_get(oci, i), "destination"));
    etc_at = strcmp(d, "/etc") == 0 ? i : etc_at;
    hosts_at = strcmp(d, "/etc/hosts") == 0 ? i : hosts_at;
    shm_count += strcmp(d, "/dev/shm") == 0;
  }
  assert_true(etc_at < hosts_at);
  assert_int_equal(shm_count, 1);

  /* rm without -v keeps the anonymous volume; with -v it goes, the named stays. */
  assert_int_equal(mounts_release(store, mounts, false, &err), 0);
  assert_int_equal(volume_lookup(store, anon_name, &v, &err), 0);
  volume_clear(&v);
  assert_int_equal(mounts_release(store, mounts, true, &err), 0);
  assert_int_equal(volume_lookup(store, anon_name, &v, &err), -1);
  assert_string_equal(err.msg + strlen(err.msg) - strlen("no such volume"), "no such volume");
  assert_int_equal(volume_lookup(store, "cfg", &v, &err), 0);
  volume_clear(&v);

  json_decref(mounts);
  json_decref(spec);
  json_decref(image);
  json_decref(hc);
}

static void test_copy_up_rules(void **state) {
  (void)state;
  struct xerr err = {0};
  char data[512], path[600];
  /* A volume with content is never overwritten; nocopy leaves it empty. */
  struct volume v = {0};
  bool created;
  assert_int_equal(volume_create(store, "full", NULL, NULL, NULL, false, &v, &created, &err), 0);
  assert_true(created);
  volume_clear(&v);
  volume_data_path(store, "full", data, sizeof data);
  snprintf(path, sizeof path, "%s/mine", data);
  write_text(path, "keep");
  json_t *hc = json_object();
  assert_int_equal(mounts_set_flag(hc, "volume", "full:/etc", &err), 0);
  assert_int_equal(mounts_set_flag(hc, "volume", "empty:/etc/sub:nocopy", &err), 0);
  assert_int_equal(mounts_set_flag(hc, "volume", "esc:/escape", &err), 0);
  json_t *spec = json_object(), *mounts = NULL;
  assert_int_equal(mounts_setup(store, "c2", NULL, hc, rootfs, spec, &mounts, &err), 0);
  snprintf(path, sizeof path, "%s/passwd", data);
  assert_int_equal(access(path, F_OK), -1);
  volume_data_path(store, "empty", data, sizeof data);
  snprintf(path, sizeof path, "%s/link", data);
  assert_int_equal(access(path, F_OK), -1);
  /* /escape -> /usr resolves inside the rootfs (no /usr there): nothing copied. */
  volume_data_path(store, "esc", data, sizeof data);
  snprintf(path, sizeof path, "%s/bin", data);
  assert_int_equal(access(path, F_OK), -1);
  json_decref(mounts);
  json_decref(spec);
  json_decref(hc);
}

static void test_failed_setup_leaves_nothing(void **state) {
  (void)state;
  struct xerr err = {0};
  char missing[256], spec_text[300];
  snprintf(missing, sizeof missing, "%s/nothere", top);
  /* A volume and a bind directory are made, then --mount's missing source fails. */
  json_t *hc = json_object();
  snprintf(spec_text, sizeof spec_text, "%s/newdir/x:/n", top);
  assert_int_equal(mounts_set_flag(hc, "volume", "undone:/u", &err), 0);
  assert_int_equal(mounts_set_flag(hc, "volume", spec_text, &err), 0);
  snprintf(spec_text, sizeof spec_text, "type=bind,src=%s,dst=/x", missing);
  assert_int_equal(mounts_set_flag(hc, "mount", spec_text, &err), 0);
  json_t *image = json_pack("{s:{s:{}}}", "Volumes", "/anon");
  json_t *spec = json_object(), *mounts = NULL;
  size_t before = 0;
  struct volume *list = NULL;
  assert_int_equal(volume_list(store, &list, &before, &err), 0);
  volume_list_free(list, before);
  assert_int_equal(mounts_setup(store, "c3", image, hc, rootfs, spec, &mounts, &err), -1);
  char want[400];
  snprintf(want, sizeof want,
           "invalid mount config for type \"bind\": bind source path does not exist: %s",
           missing);
  assert_string_equal(err.msg, want);
  assert_null(mounts);
  size_t after = 0;
  assert_int_equal(volume_list(store, &list, &after, &err), 0);
  volume_list_free(list, after);
  assert_int_equal(after, before);
  char dir[300];
  snprintf(dir, sizeof dir, "%s/newdir", top);
  assert_int_equal(access(dir, F_OK), -1);
  snprintf(dir, sizeof dir, "%s/store/volumes/undone", top);
  assert_int_equal(access(dir, F_OK), -1);
  assert_int_equal(json_array_size(json_object_get(spec, "mounts")), 0);
  json_decref(spec);
  json_decref(hc);

  /* Two flags for one destination. */
  hc = json_object();
  spec = json_object();
  assert_int_equal(mounts_set_flag(hc, "volume", "/tmp:/x", &err), 0);
  assert_int_equal(mounts_set_flag(hc, "tmpfs", "/x", &err), 0);
  assert_int_equal(mounts_setup(store, "c4", image, hc, rootfs, spec, &mounts, &err), -1);
  assert_string_equal(err.msg, "Duplicate mount point: /x");
  json_decref(spec);
  json_decref(hc);
  json_decref(image);
}

static void test_volume_store(void **state) {
  (void)state;
  struct xerr err = {0};
  struct volume v = {0}, again = {0};
  bool created;
  json_t *labels = json_pack("{s:s}", "k", "v");
  assert_int_equal(volume_create(store, "named", NULL, labels, NULL, false, &v, &created, &err), 0);
  assert_true(created);
  /* A second create of the name finds the first (Docker's volume create). */
  assert_int_equal(volume_create(store, "named", "local", NULL, NULL, false, &again, &created, &err), 0);
  assert_false(created);
  assert_string_equal(json_string_value(json_object_get(again.labels, "k")), "v");
  json_t *doc = volume_inspect_json(store, &again);
  assert_string_equal(json_string_value(json_object_get(doc, "Scope")), "local");
  assert_true(json_is_null(json_object_get(doc, "Options")));
  json_decref(doc);
  volume_clear(&v);
  volume_clear(&again);
  json_decref(labels);

  assert_int_equal(volume_create(store, "a", NULL, NULL, NULL, false, &v, &created, &err), -1);
  assert_string_equal(err.msg, "create a: volume name is too short, names should be at least "
                               "two alphanumeric characters");
  assert_int_equal(volume_create(store, "x/y", NULL, NULL, NULL, false, &v, &created, &err), -1);
  assert_non_null(strstr(err.msg, "includes invalid characters for a local volume name"));
  assert_int_equal(volume_create(store, "xy", "nope", NULL, NULL, false, &v, &created, &err), -1);
  assert_string_equal(err.msg, "create xy: error looking up volume plugin nope: plugin \"nope\" "
                               "not found");
  json_t *bad = json_pack("{s:s}", "foo", "bar");
  assert_int_equal(volume_create(store, "xy", NULL, NULL, bad, false, &v, &created, &err), -1);
  assert_string_equal(err.msg, "create xy: invalid option key: \"foo\"");
  json_decref(bad);
  json_t *tmpfs = json_pack("{s:s,s:s,s:s}", "type", "tmpfs", "device", "tmpfs", "o", "size=1m");
  assert_int_equal(volume_create(store, "tv", NULL, NULL, tmpfs, false, &v, &created, &err), 0);
  volume_clear(&v);
  json_decref(tmpfs);

  /* A tmpfs volume is mounted as a tmpfs, read-only when asked. */
  json_t *hc = json_object(), *spec = json_object(), *mounts = NULL;
  assert_int_equal(mounts_set_flag(hc, "volume", "tv:/t:ro", &err), 0);
  assert_int_equal(mounts_setup(store, "c5", NULL, hc, rootfs, spec, &mounts, &err), 0);
  assert_json(json_array_get(json_object_get(spec, "mounts"), 0),
              "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":"
              "[\"size=1m\",\"ro\"]}");
  json_decref(mounts);
  json_decref(spec);
  json_decref(hc);

  assert_int_equal(volume_remove(store, "named", &err), 0);
  assert_int_equal(volume_remove(store, "named", &err), -1);
  assert_string_equal(err.msg, "get named: no such volume");
  char dir[300];
  snprintf(dir, sizeof dir, "%s/store/volumes/named", top);
  assert_int_equal(access(dir, F_OK), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_volume_flag_forms),
      cmocka_unit_test(test_flags_into_hostconfig),
      cmocka_unit_test(test_tmpfs_options_and_paths),
      cmocka_unit_test(test_setup_volumes_binds_tmpfs),
      cmocka_unit_test(test_copy_up_rules),
      cmocka_unit_test(test_failed_setup_leaves_nothing),
      cmocka_unit_test(test_volume_store),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
