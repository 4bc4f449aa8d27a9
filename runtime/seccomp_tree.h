/* A seccomp program (classic BPF) rewritten into a smaller one with the same verdict for
 * every input, and the interpreter that checks it.
 *
 * libseccomp compares the syscall number with every syscall a profile names, one jump
 * each: 1223 instructions for the default profile's three x86 ABIs.  The kernel keeps a
 * copy of those (16 KiB), their eBPF translation and its JIT image for every container
 * that loads them, and translates them at every start.  Most of those syscalls share a
 * verdict with their neighbours, so the rewrite dispatches on ranges of numbers instead:
 * a balanced tree over the points where the verdict changes.  The paths that look at the
 * syscall's arguments are copied from libseccomp's program as they are. */
#ifndef NOOK_RUNTIME_SECCOMP_TREE_H
#define NOOK_RUNTIME_SECCOMP_TREE_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* The verdict of the program p (n instructions) for d, as the kernel computes it.  -1
 * for an instruction the rewrite does not know (it never produces one). */
int seccomp_tree_run(const struct sock_filter *p, size_t n, const struct seccomp_data *d,
                     uint32_t *verdict);

/* A program with in's verdicts in *out (malloc'd, *n_out instructions), checked against
 * in on every range of syscall numbers; -1 when in uses an instruction or a shape the
 * rewrite does not handle, or the result would not be smaller: keep in then. */
int seccomp_tree_rewrite(const struct sock_filter *in, size_t n, struct sock_filter **out,
                         size_t *n_out);

#endif
