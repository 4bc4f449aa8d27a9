/* The cgroup v2 device controller: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE
 * built from the device rules, loaded and attached with the raw bpf(2) syscall (the
 * instructions are few and fixed in shape, so no libbpf).  The kernel calls it with
 * struct bpf_cgroup_dev_ctx for every open and mknod of a device node; 1 allows.
 * Containers with the same rules share one loaded program. */
#include "cgroup/cgroup.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/sha256.h"
#include "common/util.h"

/* Registers holding the request, loaded once at the start of the program. */
#define R_TYPE   BPF_REG_2
#define R_ACCESS BPF_REG_3
#define R_MAJOR  BPF_REG_4
#define R_MINOR  BPF_REG_5

#define INSN(c, d, s, o, i)                                                                        \
        ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o)       INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU32_IMM(op, d, i)  INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_REG(d, s)      INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i)      INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JMP_IMM(op, d, i, o) INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JMP_REG(op, d, s, o) INSN(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define EXIT_INSN()          INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define ALL_ACCESS (CGROUP_DEV_READ | CGROUP_DEV_WRITE | CGROUP_DEV_MKNOD)

/* The name nook's device programs are loaded with (at most 15 characters). */
#define PROG_NAME "nook_devices"

struct program {
        struct bpf_insn *insns;
        size_t n, cap;
};

static void emit(struct program *p, struct bpf_insn insn)
{
        if (p->n == p->cap) {
                p->cap = p->cap ? p->cap * 2 : 64;
                p->insns = xrealloc(p->insns, p->cap * sizeof(*p->insns));
        }
        p->insns[p->n++] = insn;
}

static unsigned bpf_access(unsigned access)
{
        return ((access & CGROUP_DEV_READ) ? BPF_DEVCG_ACC_READ : 0) |
               ((access & CGROUP_DEV_WRITE) ? BPF_DEVCG_ACC_WRITE : 0) |
               ((access & CGROUP_DEV_MKNOD) ? BPF_DEVCG_ACC_MKNOD : 0);
}

/* One rule: a run of tests that each jump past the rule when they fail, then the
 * verdict.  The jump offsets count the instructions left in the rule. */
static int emit_rule(struct program *p, const struct cgroup_device_rule *r, bool *decides_all,
                     struct nook_err *err)
{
        bool by_type = r->type != 'a', by_access = (r->access & ALL_ACCESS) != ALL_ACCESS;
        bool by_major = r->major != CGROUP_DEV_ANY, by_minor = r->minor != CGROUP_DEV_ANY;
        int len =
            (by_type ? 1 : 0) + (by_access ? 3 : 0) + (by_major ? 1 : 0) + (by_minor ? 1 : 0) + 2;
        int at = 0;

        if (r->type != 'a' && r->type != 'c' && r->type != 'b')
                return nook_err_set(err, EINVAL, "device rule: bad type '%c'", r->type);
        if (r->major < CGROUP_DEV_ANY || r->major > UINT32_MAX || r->minor < CGROUP_DEV_ANY ||
            r->minor > UINT32_MAX)
                return nook_err_set(err, EINVAL, "device rule: bad device number");
        if (by_type) {
                int t = r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
                emit(p, JMP_IMM(BPF_JNE, R_TYPE, t, len - ++at));
        }
        if (by_access) {
                emit(p, MOV32_REG(BPF_REG_1, R_ACCESS));
                emit(p, ALU32_IMM(BPF_AND, BPF_REG_1, (int)bpf_access(r->access)));
                at += 2;
                /* allow: every requested bit is allowed; deny: any requested bit is denied. */
                if (r->allow)
                        emit(p, JMP_REG(BPF_JNE, BPF_REG_1, R_ACCESS, len - ++at));
                else
                        emit(p, JMP_IMM(BPF_JEQ, BPF_REG_1, 0, len - ++at));
        }
        if (by_major)
                emit(p, JMP_IMM(BPF_JNE, R_MAJOR, (int32_t)(uint32_t)r->major, len - ++at));
        if (by_minor)
                emit(p, JMP_IMM(BPF_JNE, R_MINOR, (int32_t)(uint32_t)r->minor, len - ++at));
        emit(p, MOV64_IMM(BPF_REG_0, r->allow ? 1 : 0));
        emit(p, EXIT_INSN());
        *decides_all = len == 2;
        return 0;
}

int cgroup_devices_program(const struct cgroup_device_rule *rules, size_t n, void **insns,
                           size_t *n_insns, struct nook_err *err)
{
        struct program p = {0};
        bool decided = false;

        /* struct bpf_cgroup_dev_ctx: access_type = access << 16 | type, major, minor. */
        emit(&p, LDX_W(R_TYPE, BPF_REG_1, 0));
        emit(&p, ALU32_IMM(BPF_AND, R_TYPE, 0xffff));
        emit(&p, LDX_W(R_ACCESS, BPF_REG_1, 0));
        emit(&p, ALU32_IMM(BPF_RSH, R_ACCESS, 16));
        emit(&p, LDX_W(R_MAJOR, BPF_REG_1, 4));
        emit(&p, LDX_W(R_MINOR, BPF_REG_1, 8));
        /* The last rule that matches decides, as with the v1 devices.allow/deny lists. */
        for (size_t i = n; i-- > 0;) {
                if (emit_rule(&p, &rules[i], &decided, err) < 0) {
                        free(p.insns);
                        return -1;
                }
                /* A rule without tests decides every request: what follows would be
                 * unreachable, which the verifier refuses. */
                if (decided)
                        break;
        }
        if (!decided) {
                /* Nothing matched: denied. */
                emit(&p, MOV64_IMM(BPF_REG_0, 0));
                emit(&p, EXIT_INSN());
        }
        *insns = p.insns;
        *n_insns = p.n;
        return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.info.bpf_fd = (uint32_t)fd;
        attr.info.info_len = sizeof(*info);
        attr.info.info = (uint64_t)(uintptr_t)info;
        return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
}

/* Is the program fd nook's device program of exactly these instructions?  The kernel's
 * translation of it is compared: for this program it is the instructions themselves,
 * and a kernel that rewrote them (or hides them) only makes the caller load its own. */
static bool same_program(int fd, const void *insns, size_t n_insns)
{
        _cleanup_free_ void *xlated = NULL;
        struct bpf_prog_info info;
        size_t len = n_insns * sizeof(struct bpf_insn);

        memset(&info, 0, sizeof(info));
        if (prog_info(fd, &info) < 0 || info.type != BPF_PROG_TYPE_CGROUP_DEVICE ||
            strcmp(info.name, PROG_NAME) != 0 || info.xlated_prog_len != len)
                return false;
        xlated = xcalloc(1, len);
        memset(&info, 0, sizeof(info));
        info.xlated_prog_len = (uint32_t)len;
        info.xlated_prog_insns = (uint64_t)(uintptr_t)xlated;
        return prog_info(fd, &info) == 0 && info.xlated_prog_len == len &&
               memcmp(xlated, insns, len) == 0;
}

/* Containers with the same rules share one program: each of its own costs about 6 KiB
 * of kernel memory for as long as the container lives, and 0.27 ms of the verifier at
 * every start.  Programs are found by id, which share_dir/<digest of the instructions>
 * holds for the one loaded last; the kernel's copy is compared before it is used, so a
 * stale or foreign id only means loading another. */
static char *hint_path(const char *share_dir, const void *insns, size_t n_insns)
{
        struct sha256 h;
        char hex[65];

        sha256_init(&h);
        sha256_update(&h, insns, n_insns * sizeof(struct bpf_insn));
        sha256_hex(&h, hex);
        hex[16] = '\0';
        return xasprintf("%s/%s", share_dir, hex);
}

static int shared_program(const char *hint, const void *insns, size_t n_insns)
{
        _cleanup_free_ char *text = NULL;
        union bpf_attr attr;
        unsigned long id;
        char *end;
        size_t len;
        int fd;

        if (read_file(hint, &text, &len, 32, NULL) < 0)
                return -1;
        id = strtoul(text, &end, 10);
        if (end == text || id == 0 || id > UINT32_MAX)
                return -1;
        memset(&attr, 0, sizeof(attr));
        attr.prog_id = (uint32_t)id;
        fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
        if (fd >= 0 && !same_program(fd, insns, n_insns)) {
                close(fd);
                fd = -1;
        }
        return fd;
}

/* A hint that cannot be written only costs the next container a load. */
static void note_program(const char *share_dir, const char *hint, int fd)
{
        struct bpf_prog_info info;
        char text[16];

        memset(&info, 0, sizeof(info));
        if (prog_info(fd, &info) < 0 || mkdir_p(share_dir, 0700, NULL) < 0)
                return;
        snprintf(text, sizeof(text), "%u", info.id);
        (void)write_file_atomic(hint, text, strlen(text), 0600, NULL);
}

int cgroup_devices_load(const struct cgroup_device_rule *rules, size_t n, const char *share_dir,
                        struct nook_err *err)
{
        _cleanup_free_ void *insns = NULL;
        _cleanup_free_ char *log = NULL, *hint = NULL;
        union bpf_attr attr;
        size_t n_insns;
        int fd;

        if (cgroup_devices_program(rules, n, &insns, &n_insns, err) < 0)
                return -1;
        if (share_dir) {
                hint = hint_path(share_dir, insns, n_insns);
                fd = shared_program(hint, insns, n_insns);
                if (fd >= 0)
                        return fd;
        }
        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        memcpy(attr.prog_name, PROG_NAME, sizeof(PROG_NAME));
        attr.insns = (uint64_t)(uintptr_t)insns;
        attr.insn_cnt = (uint32_t)n_insns;
        attr.license = (uint64_t)(uintptr_t) "GPL";
        /* No verifier log on the hot path: writing it made the load take ~1.5 ms of a
         * ~10 ms `nook run`.  Only a program the kernel refuses is loaded again with a
         * log, to say why. */
        fd = sys_bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0) {
                if (share_dir)
                        note_program(share_dir, hint, fd);
                return fd;
        }
        if (errno == EACCES || errno == EINVAL) {
                int saved = errno;

                log = xcalloc(1, 16384);
                attr.log_buf = (uint64_t)(uintptr_t)log;
                attr.log_size = 16384;
                attr.log_level = 1;
                fd = sys_bpf(BPF_PROG_LOAD, &attr);
                if (fd >= 0)
                        return fd;
                if (errno == ENOSPC)
                        errno = saved;
        }
        return nook_err_sys(err, "load the device program (%zu instructions)%s%s", n_insns,
                            log && log[0] ? ": verifier: " : "", log ? log : "");
}

/* Ids of the device programs attached to the cgroup itself. */
static int attached_programs(int dirfd, uint32_t *ids, uint32_t *n)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.query.target_fd = (uint32_t)dirfd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
        attr.query.prog_cnt = *n;
        if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
                return -1;
        *n = attr.query.prog_cnt;
        return 0;
}

/* Detaches a program attached before (update replaces the rules). */
static void detach_program(int dirfd, uint32_t id)
{
        union bpf_attr attr;
        int fd;

        memset(&attr, 0, sizeof(attr));
        attr.prog_id = id;
        fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
        if (fd < 0)
                return;
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)dirfd;
        attr.attach_bpf_fd = (uint32_t)fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        sys_bpf(BPF_PROG_DETACH, &attr);
        close(fd);
}

int cgroup_devices_attach(int cgroup_dirfd, const struct cgroup_device_rule *rules, size_t n,
                          const char *share_dir, struct nook_err *err)
{
        _cleanup_close_ int prog = cgroup_devices_load(rules, n, share_dir, err);
        uint32_t old[64], n_old = ARRAY_SIZE(old);
        struct bpf_prog_info info;
        bool attached = false;
        union bpf_attr attr;

        if (prog < 0)
                return -1;
        memset(&info, 0, sizeof(info));
        if (prog_info(prog, &info) < 0)
                return nook_err_sys(err, "read the device program's id");
        if (attached_programs(cgroup_dirfd, old, &n_old) < 0)
                n_old = 0;
        /* An update to the same rules finds their (shared) program attached already. */
        for (uint32_t i = 0; i < n_old && i < ARRAY_SIZE(old); i++)
                attached = attached || old[i] == info.id;
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)cgroup_dirfd;
        attr.attach_bpf_fd = (uint32_t)prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (!attached && sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
                return nook_err_sys(err, "attach the device program");
        /* Only after the new rules are in force, so there is no moment without any. */
        for (uint32_t i = 0; i < n_old && i < ARRAY_SIZE(old); i++)
                if (old[i] != info.id)
                        detach_program(cgroup_dirfd, old[i]);
        return 0;
}
