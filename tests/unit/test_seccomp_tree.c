/* The seccomp program rewritten as a tree of syscall-number ranges gives libseccomp's
 * verdict for every input tried (test_seccomp loads it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/audit.h>
#include <seccomp.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "oci/oci.h"
#include "runtime/seccomp.h"
#include "runtime/seccomp_tree.h"

static struct oci_seccomp *parse(const char *text)
{
        _cleanup_free_ char *json = xstrdup(text);
        _cleanup_json_ json_val v = NULL;
        struct nook_err err = {0};
        struct oci_seccomp *s = NULL;

        for (char *p = json; *p; p++)
                if (*p == '\'')
                        *p = '"';
        assert_int_equal(json_parse(json, &v, &err), 0);
        if (oci_seccomp_parse(v, "linux.seccomp", &s, &err) < 0)
                fail_msg("unexpected error: %s", err.msg);
        return s;
}

/* xorshift: the same inputs on every run. */
static uint64_t next_random(uint64_t *x)
{
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        return *x;
}

/* Every constant a jump of p compares with, and its neighbours: where verdicts change. */
static size_t constants(const struct seccomp_program *p, uint32_t *out, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_insns && n + 3 <= max; i++)
                if (BPF_CLASS(p->insns[i].code) == BPF_JMP) {
                        out[n++] = p->insns[i].k - 1;
                        out[n++] = p->insns[i].k;
                        out[n++] = p->insns[i].k + 1;
                }
        return n;
}

/* libseccomp's program and the tree give one verdict for each of `tries` inputs: every
 * syscall number near a constant of the program for each arch, with arguments drawn from
 * the constants, their neighbours and random words.  Returns the tree's size. */
static size_t expect_same_verdicts(const char *profile, size_t tries)
{
        static const uint32_t arches[] = {
            AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 0, 0x12345678};
        struct oci_seccomp *s = parse(profile);
        struct seccomp_program lib = {0}, tree = {0};
        struct nook_err err = {0};
        uint32_t k[3 * 4096];
        uint64_t x = 0x9e3779b97f4a7c15ULL;
        size_t n_k;

        assert_int_equal(seccomp_compile(s, false, &lib, &err), 0);
        assert_int_equal(seccomp_compile(s, true, &tree, &err), 0);
        n_k = constants(&lib, k, sizeof(k) / sizeof(*k));
        for (size_t t = 0; t < tries; t++) {
                struct seccomp_data d = {0};
                uint32_t *words = (uint32_t *)&d.instruction_pointer;
                uint32_t v_lib, v_tree;

                d.arch = arches[next_random(&x) % (sizeof(arches) / sizeof(*arches))];
                d.nr = (int)(next_random(&x) % 4 ? k[next_random(&x) % n_k]
                                                 : (uint32_t)next_random(&x));
                for (size_t w = 0; w < 14; w++) {
                        uint64_t r = next_random(&x);

                        words[w] = r % 3 == 0   ? 0
                                   : r % 3 == 1 ? k[(r >> 8) % n_k]
                                                : (uint32_t)(r >> 16);
                }
                assert_int_equal(seccomp_tree_run(lib.insns, lib.n_insns, &d, &v_lib), 0);
                assert_int_equal(seccomp_tree_run(tree.insns, tree.n_insns, &d, &v_tree), 0);
                if (v_lib != v_tree)
                        fail_msg("arch %#x nr %u: libseccomp %#x, tree %#x", d.arch, (unsigned)d.nr,
                                 v_lib, v_tree);
        }
        assert_true(tree.n_insns <= lib.n_insns);
        n_k = tree.n_insns;
        seccomp_program_clear(&lib);
        seccomp_program_clear(&tree);
        oci_seccomp_free(s);
        return n_k;
}

static void test_default_profile_same_verdicts(void **state)
{
        size_t n = expect_same_verdicts(oci_seccomp_default_profile_json(), 400000);

        /* 1223 instructions from libseccomp 2.5 for the three x86 ABIs: the tree must
         * fit the kernel's 4 KiB copy (512 instructions). */
        assert_true(n < 512);
}

static void test_argument_rules_same_verdicts(void **state)
{
        /* Every comparison, on two arguments, with actions besides allow and errno. */
        expect_same_verdicts(
            "{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86',"
            "'SCMP_ARCH_X32'],'syscalls':["
            "{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':8,"
            "'op':'SCMP_CMP_EQ'}]},"
            "{'names':['getpriority'],'action':'SCMP_ACT_ERRNO','errnoRet':5,'args':["
            "{'index':0,'value':1,'op':'SCMP_CMP_NE'},{'index':1,'value':100,'op':'SCMP_CMP_GT'}]},"
            "{'names':['setpriority'],'action':'SCMP_ACT_KILL_PROCESS','args':[{'index':2,"
            "'value':4294967296,'op':'SCMP_CMP_LT'}]},"
            "{'names':['kill'],'action':'SCMP_ACT_LOG','args':[{'index':1,'value':9,"
            "'op':'SCMP_CMP_LE'}]},"
            "{'names':['tgkill'],'action':'SCMP_ACT_TRACE','args':[{'index':2,'value':15,"
            "'op':'SCMP_CMP_GE'}]},"
            "{'names':['clone'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,"
            "'value':2114060288,'valueTwo':0,'op':'SCMP_CMP_MASKED_EQ'}]},"
            "{'names':['mount','umount2','reboot'],'action':'SCMP_ACT_ERRNO','errnoRet':1}]}",
            200000);
        /* An allow list with a hole in every other number. */
        expect_same_verdicts("{'defaultAction':'SCMP_ACT_KILL','syscalls':[{'names':['read',"
                             "'open','fstat','poll','mmap','mprotect','brk','rt_sigaction'],"
                             "'action':'SCMP_ACT_ALLOW'}]}",
                             100000);
}

/* A program the rewrite would shrink: x86_64 allows syscalls 0-199 (one JEQ each) and
 * refuses the rest; for any other arch, nr 7 goes on to load `late` (nr, or arch again)
 * and compare it with AUDIT_ARCH_I386.  nr is ANDed with mask first, unless that is
 * all ones. */
static size_t big_program(struct sock_filter *p, uint32_t late, uint32_t mask)
{
        size_t n = 0;

        p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4);
        p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 204);
        p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
        /* No mask: nr loaded again, so that the layout stays. */
        p[n++] = mask == UINT32_MAX ? (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)
                                    : (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask);
        for (uint32_t i = 0; i < 200; i++, n++) /* to the ret ALLOW at 205 */
                p[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, i,
                                                    (uint8_t)(205 - n - 1), 0);
        p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1);
        p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
        p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 3);
        p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, late);
        p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 1);
        p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2);
        p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD);
        return n;
}

/* Programs the rewrite does not take are refused, not mangled. */
static void test_unsupported_programs_are_kept(void **state)
{
        struct sock_filter ld_len[] = {BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
                                       BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
        struct sock_filter jump_out[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
                                         BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 0),
                                         BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
        struct sock_filter big[256];
        struct sock_filter *out = NULL;
        size_t n = 0;

        assert_int_equal(seccomp_tree_rewrite(ld_len, 2, &out, &n), -1);
        assert_int_equal(seccomp_tree_rewrite(jump_out, 3, &out, &n), -1);
        assert_int_equal(seccomp_tree_rewrite(ld_len, 0, &out, &n), -1);
        assert_null(out);

        /* The big program is taken when nothing is masked and the late load is nr... */
        n = big_program(big, 0, UINT32_MAX);
        assert_int_equal(n, 212);
        assert_int_equal(seccomp_tree_rewrite(big, n, &out, &n), 0);
        assert_true(n < 20);
        free(out);
        out = NULL;
        /* ...but not with nr masked (its verdict then changes at other points than the
         * constants'), nor with an arch compared only on one number's path. */
        n = big_program(big, 0, 0xff);
        assert_int_equal(seccomp_tree_rewrite(big, n, &out, &n), -1);
        n = big_program(big, 4, UINT32_MAX);
        assert_int_equal(seccomp_tree_rewrite(big, n, &out, &n), -1);
        assert_null(out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_default_profile_same_verdicts),
            cmocka_unit_test(test_argument_rules_same_verdicts),
            cmocka_unit_test(test_unsupported_programs_are_kept),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
