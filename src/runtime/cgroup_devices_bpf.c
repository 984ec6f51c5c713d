/* The device filter of cgroup v2: v2 has no devices controller, so the
 * rules become a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the
 * container's cgroup, loaded with bpf(2) directly (no libbpf: xrun links
 * only what it must).
 *
 * The program checks the rules from the last to the first and returns
 * the verdict of the first that matches, which is what the v1 controller
 * computes from the same writes in order: a later rule overrides an
 * earlier one, and a leading "deny all" is the default. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xerr.h"
#include "runtime/cgroup_internal.h"

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  struct bpf_insn i;
  memset(&i, 0, sizeof i);
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

/* Registers: r1 ctx (then scratch), r2 device type, r3 access, r4 major,
 * r5 minor. */
enum { R0, R1, R2, R3, R4, R5 };

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define AND32_IMM(dst, imm) insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm) insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
/* 32-bit compares, so majors and minors above INT32_MAX compare right. */
#define JNE32_IMM(dst, imm, off) insn(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, off, imm)
#define JEQ32_IMM(dst, imm, off) insn(BPF_JMP32 | BPF_JEQ | BPF_K, dst, 0, off, imm)
#define EXIT_INSN() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define JUMP_TO_NEXT INT16_MIN /* placeholder fixed up once the block is complete */

static int access_bits(const char *access) {
  int bits = 0;
  for (const char *p = access; *p; p++)
    bits |= *p == 'r' ? BPF_DEVCG_ACC_READ : *p == 'w' ? BPF_DEVCG_ACC_WRITE
                                                        : *p == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
  return bits;
}

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* One rule: jumps past itself when it does not match, else returns its
 * verdict.  Returns the number of instructions written (at most 9);
 * *matches_all says nothing after it can ever run. */
static size_t emit_rule(const struct cgroup_device_rule *d, struct bpf_insn *out,
                        bool *matches_all) {
  size_t n = 0;
  int acc = access_bits(d->access);
  if (d->type != 'a')
    out[n++] = JNE32_IMM(R2, d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
                         JUMP_TO_NEXT);
  if (acc != ACC_ALL) {
    out[n++] = MOV32_REG(R1, R3);
    if (d->allow) {
      /* allow: every requested access must be granted */
      out[n++] = AND32_IMM(R1, ~acc & ACC_ALL);
      out[n++] = JNE32_IMM(R1, 0, JUMP_TO_NEXT);
    } else {
      /* deny: any requested access that is denied */
      out[n++] = AND32_IMM(R1, acc);
      out[n++] = JEQ32_IMM(R1, 0, JUMP_TO_NEXT);
    }
  }
  if (d->type != 'a' && d->major >= 0)
    out[n++] = JNE32_IMM(R4, (int32_t)(uint32_t)d->major, JUMP_TO_NEXT);
  if (d->type != 'a' && d->minor >= 0)
    out[n++] = JNE32_IMM(R5, (int32_t)(uint32_t)d->minor, JUMP_TO_NEXT);
  *matches_all = n == 0;
  out[n++] = MOV64_IMM(R0, d->allow ? 1 : 0);
  out[n++] = EXIT_INSN();
  for (size_t i = 0; i < n; i++)
    if (out[i].off == JUMP_TO_NEXT)
      out[i].off = (int16_t)(n - i - 1);
  return n;
}

int cgroup_bpf_build(const struct cgroup_device_rule *rules, size_t n, void **insns,
                     size_t *n_insns, struct xerr *err) {
  size_t cap = 6 + 9 * n + 2;
  if (cap > 4096)
    return xerr_make(err, E2BIG, "linux.resources.devices: too many rules (%zu)", n);
  struct bpf_insn *p = calloc(cap, sizeof *p);
  if (p == NULL)
    return xerr_make(err, ENOMEM, "linux.resources.devices");
  size_t k = 0;
  /* struct bpf_cgroup_dev_ctx: access_type = (access << 16) | type. */
  p[k++] = LDX_W(R2, R1, 0);
  p[k++] = AND32_IMM(R2, 0xffff);
  p[k++] = LDX_W(R3, R1, 0);
  p[k++] = RSH32_IMM(R3, 16);
  p[k++] = LDX_W(R4, R1, 4);
  p[k++] = LDX_W(R5, R1, 8);
  bool done = false;
  for (size_t i = n; i-- > 0 && !done;)
    k += emit_rule(&rules[i], p + k, &done);
  if (!done) {
    /* No rule matched: deny, as after the implicit "deny all". */
    p[k++] = MOV64_IMM(R0, 0);
    p[k++] = EXIT_INSN();
  }
  *insns = p;
  *n_insns = k;
  return 0;
}

static int bpf(int cmd, union bpf_attr *attr) {
  return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int load_program(const struct bpf_insn *insns, size_t n, struct xerr *err) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)n;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  int fd = bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  int saved = errno;
  if (saved != EINVAL && saved != EACCES)
    return xerr_make(err, saved, "load the device filter (bpf BPF_PROG_LOAD)");
  /* The verifier refused it: load again with its log for the message. */
  char log[2048] = "";
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  fd = bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  log[sizeof log - 1] = '\0';
  return xerr_make(err, saved, "load the device filter: verifier: %.300s", log);
}

int cgroup_bpf_apply(const char *dir, const struct cgroup_device_rule *rules, size_t n,
                     struct xerr *err) {
  void *insns = NULL;
  size_t n_insns = 0;
  if (cgroup_bpf_build(rules, n, &insns, &n_insns, err) < 0)
    return -1;
  cleanup_free struct bpf_insn *prog_insns = insns;
  cleanup_close int prog = load_program(prog_insns, n_insns, err);
  if (prog < 0)
    return -1;
  cleanup_close int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgfd < 0)
    return xerr_make(err, errno, "open %s", dir);

  /* The programs attached before (an `update`): replaced once the new
   * one is in, so there is no moment without a filter. */
  uint32_t old[64];
  union bpf_attr q;
  memset(&q, 0, sizeof q);
  q.query.target_fd = (uint32_t)cgfd;
  q.query.attach_type = BPF_CGROUP_DEVICE;
  q.query.prog_ids = (uint64_t)(uintptr_t)old;
  q.query.prog_cnt = sizeof old / sizeof old[0];
  uint32_t n_old = bpf(BPF_PROG_QUERY, &q) == 0 ? q.query.prog_cnt : 0;

  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.target_fd = (uint32_t)cgfd;
  a.attach_bpf_fd = (uint32_t)prog;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &a) < 0)
    return xerr_make(err, errno, "attach the device filter to %s", dir);

  for (uint32_t i = 0; i < n_old && i < sizeof old / sizeof old[0]; i++) {
    union bpf_attr g;
    memset(&g, 0, sizeof g);
    g.prog_id = old[i];
    cleanup_close int fd = bpf(BPF_PROG_GET_FD_BY_ID, &g);
    if (fd < 0)
      continue;
    union bpf_attr dt;
    memset(&dt, 0, sizeof dt);
    dt.target_fd = (uint32_t)cgfd;
    dt.attach_bpf_fd = (uint32_t)fd;
    dt.attach_type = BPF_CGROUP_DEVICE;
    if (bpf(BPF_PROG_DETACH, &dt) < 0)
      xlog_debug("%s: cannot detach the old device filter %u: %s", dir, old[i],
                 strerror(errno));
  }
  return 0;
}
