/* The rewrite of a seccomp program into a tree over ranges of syscall numbers.
 *
 * Why it is exact: the program only compares the accumulator with constants (JEQ, JGT,
 * JGE, JSET with K).  Until it first loads a field other than nr and arch, its path
 * depends on those two alone.  For a given arch, the comparisons of nr with a constant K
 * change their outcome only at K and K + 1, so between two neighbouring points of the
 * set {0, K, K + 1 for every K} every nr takes the same path: one run at each point
 * gives the verdict of the whole range.  A path that loads another field (an argument,
 * the instruction pointer) before its verdict is "argument-dependent": the rewrite jumps
 * to the instruction of that first load in a copy of every instruction reachable from
 * such loads, in their order, so from there on the copy runs exactly as the original.
 * The arch is dispatched with JEQ on the constants the program compares it with; any
 * other arch must get one verdict for every nr.  So a program that masks nr or arch
 * before comparing them, tests nr with JSET, compares the arch other than with JEQ, or
 * only on some numbers' paths, is left as it is.  The result is checked against the
 * input at every point before it is used. */
#include "runtime/seccomp_tree.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/util.h"

#define OFF_NR   0
#define OFF_ARCH 4
/* Past nr and arch: the instruction pointer and the arguments. */
#define OFF_DATA 8
/* Dispatching on more ABIs than this is not a seccomp profile. */
#define MAX_ARCHES 16

/* A growing set of 32-bit constants. */
struct u32set {
        uint32_t *v;
        size_t n, cap;
};

static void set_add(struct u32set *s, uint32_t x)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i] == x)
                        return;
        if (s->n == s->cap) {
                s->cap = s->cap ? 2 * s->cap : 16;
                s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
        }
        s->v[s->n++] = x;
}

static bool set_has(const struct u32set *s, uint32_t x)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i] == x)
                        return true;
        return false;
}

static void set_clear(struct u32set *s)
{
        free(s->v);
        *s = (struct u32set){0};
}

/* What a probing run learns besides the verdict. */
struct probe {
        int data_pc;         /* the first load past nr and arch, or -1 */
        struct u32set *arch; /* constants the arch was compared with (JEQ only) */
        /* nr or arch masked, arch compared other than by JEQ, nr by JSET */
        bool unsupported;
};

static int run(const struct sock_filter *p, size_t n, const struct seccomp_data *d,
               uint32_t *verdict, struct probe *pr)
{
        const unsigned char *bytes = (const unsigned char *)d;
        uint32_t a = 0;
        long src = -1; /* the offset a was loaded from, -1 once computed */
        size_t pc = 0;

        while (pc < n) {
                const struct sock_filter *f = &p[pc];
                bool taken;

                switch (f->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        if (f->k % 4 != 0 || f->k > sizeof(*d) - 4)
                                return -1;
                        memcpy(&a, bytes + f->k, sizeof(a));
                        src = f->k;
                        if (pr && f->k >= OFF_DATA && pr->data_pc < 0)
                                pr->data_pc = (int)pc;
                        pc++;
                        continue;
                case BPF_ALU | BPF_AND | BPF_K:
                        /* A masked nr changes its path at other points than K and
                         * K + 1, a masked arch is no longer told apart by JEQ. */
                        if (pr && (src == OFF_NR || src == OFF_ARCH))
                                pr->unsupported = true;
                        a &= f->k;
                        src = -1;
                        pc++;
                        continue;
                case BPF_JMP | BPF_JA:
                        if (f->k >= n - pc - 1)
                                return -1;
                        pc += 1 + f->k;
                        continue;
                case BPF_RET | BPF_K:
                        *verdict = f->k;
                        return 0;
                case BPF_JMP | BPF_JEQ | BPF_K:
                        taken = a == f->k;
                        break;
                case BPF_JMP | BPF_JGT | BPF_K:
                        taken = a > f->k;
                        break;
                case BPF_JMP | BPF_JGE | BPF_K:
                        taken = a >= f->k;
                        break;
                case BPF_JMP | BPF_JSET | BPF_K:
                        taken = (a & f->k) != 0;
                        break;
                default:
                        return -1;
                }
                if (pr && src == OFF_ARCH) {
                        if (f->code != (BPF_JMP | BPF_JEQ | BPF_K))
                                pr->unsupported = true;
                        else if (pr->arch)
                                set_add(pr->arch, f->k);
                }
                if (pr && src == OFF_NR && f->code == (BPF_JMP | BPF_JSET | BPF_K))
                        pr->unsupported = true;
                pc += 1 + (taken ? f->jt : f->jf);
        }
        return -1;
}

int seccomp_tree_run(const struct sock_filter *p, size_t n, const struct seccomp_data *d,
                     uint32_t *verdict)
{
        return run(p, n, d, verdict, NULL);
}

/* What a range of syscall numbers gets: a verdict, or (entry >= 0) the instruction of
 * the input where its argument-dependent path goes on. */
struct decision {
        uint32_t verdict;
        int entry;
};

static bool same_decision(struct decision a, struct decision b)
{
        return a.entry == b.entry && (a.entry >= 0 || a.verdict == b.verdict);
}

/* One arch's ranges: [start[i], start[i + 1]) gets dec[i]; terminals are the distinct
 * decisions, placed after the tree. */
struct section {
        uint32_t arch;
        uint32_t *start;
        struct decision *dec;
        size_t n;
        struct decision *term;
        size_t n_term;
        size_t pos; /* of its first instruction (ld nr) */
};

static size_t section_size(const struct section *s)
{
        return 1 + (s->n - 1) + s->n_term;
}

static size_t term_pos(const struct section *s, struct decision d)
{
        size_t i = 0;

        while (!same_decision(s->term[i], d))
                i++;
        return s->pos + 1 + (s->n - 1) + i;
}

struct gen {
        const struct sock_filter *in;
        size_t n_in;
        struct sock_filter *out;
        size_t n_out;
        size_t *copy_pos; /* new position of each copied input instruction, or SIZE_MAX */
};

static bool jump_fits(size_t from, size_t to)
{
        return to > from && to - from - 1 <= 255;
}

/* The tree of ranges lo..hi of s (hi - lo instructions) at pos: each node sends the
 * numbers from its middle range's start on to the right half, the rest to the left one,
 * which follows it directly. */
static int emit_tree(struct gen *g, const struct section *s, size_t lo, size_t hi, size_t pos)
{
        size_t mid = lo + (hi - lo + 1) / 2, left_size = mid - 1 - lo;
        size_t jt = hi > mid ? pos + 1 + left_size : term_pos(s, s->dec[mid]);
        size_t jf = mid - 1 > lo ? pos + 1 : term_pos(s, s->dec[lo]);

        if (!jump_fits(pos, jt) || !jump_fits(pos, jf))
                return -1;
        g->out[pos] =
            (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, s->start[mid],
                                         (uint8_t)(jt - pos - 1), (uint8_t)(jf - pos - 1));
        if (mid - 1 > lo && emit_tree(g, s, lo, mid - 1, pos + 1) < 0)
                return -1;
        if (hi > mid && emit_tree(g, s, mid, hi, pos + 1 + left_size) < 0)
                return -1;
        return 0;
}

static int emit_section(struct gen *g, const struct section *s)
{
        size_t t = s->pos + 1 + (s->n - 1);

        g->out[s->pos] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_NR);
        if (s->n > 1 && emit_tree(g, s, 0, s->n - 1, s->pos + 1) < 0)
                return -1;
        for (size_t i = 0; i < s->n_term; i++, t++) {
                if (s->term[i].entry < 0)
                        g->out[t] =
                            (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, s->term[i].verdict);
                else
                        g->out[t] = (struct sock_filter)BPF_STMT(
                            BPF_JMP | BPF_JA, (uint32_t)(g->copy_pos[s->term[i].entry] - t - 1));
        }
        return 0;
}

/* Marks every instruction reachable from an argument-dependent entry. */
static void mark_reachable(const struct sock_filter *in, size_t n, size_t from, bool *seen)
{
        while (from < n && !seen[from]) {
                const struct sock_filter *f = &in[from];

                seen[from] = true;
                if (BPF_CLASS(f->code) == BPF_RET)
                        return;
                if (f->code == (BPF_JMP | BPF_JA)) {
                        from += 1 + f->k;
                } else if (BPF_CLASS(f->code) == BPF_JMP) {
                        mark_reachable(in, n, from + 1 + f->jt, seen);
                        from += 1 + f->jf;
                } else {
                        from++;
                }
        }
}

/* The copy keeps the input's order, so its jumps only get shorter. */
static void emit_copy(struct gen *g, const bool *seen)
{
        for (size_t i = 0; i < g->n_in; i++) {
                struct sock_filter f = g->in[i];
                size_t at = g->copy_pos[i];

                if (!seen[i])
                        continue;
                if (f.code == (BPF_JMP | BPF_JA)) {
                        f.k = (uint32_t)(g->copy_pos[i + 1 + f.k] - at - 1);
                } else if (BPF_CLASS(f.code) == BPF_JMP) {
                        f.jt = (uint8_t)(g->copy_pos[i + 1 + f.jt] - at - 1);
                        f.jf = (uint8_t)(g->copy_pos[i + 1 + f.jf] - at - 1);
                }
                g->out[at] = f;
        }
}

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

        return x < y ? -1 : x > y;
}

/* 0, and K and K + 1 for every constant a jump compares with, sorted. */
static uint32_t *boundaries(const struct sock_filter *in, size_t n, size_t *count)
{
        uint32_t *b = xmalloc((2 * n + 1) * sizeof(*b));
        size_t k = 0, u = 0;

        b[k++] = 0;
        for (size_t i = 0; i < n; i++)
                if (BPF_CLASS(in[i].code) == BPF_JMP && in[i].code != (BPF_JMP | BPF_JA)) {
                        b[k++] = in[i].k;
                        b[k++] = in[i].k + 1;
                }
        qsort(b, k, sizeof(*b), cmp_u32);
        for (size_t i = 0; i < k; i++)
                if (u == 0 || b[u - 1] != b[i])
                        b[u++] = b[i];
        *count = u;
        return b;
}

static int probe(const struct sock_filter *in, size_t n, uint32_t arch, uint32_t nr,
                 struct u32set *arch_seen, struct decision *d)
{
        struct seccomp_data data = {.nr = (int)nr, .arch = arch};
        struct probe pr = {.data_pc = -1, .arch = arch_seen};

        if (run(in, n, &data, &d->verdict, &pr) < 0 || pr.unsupported)
                return -1;
        d->entry = pr.data_pc;
        return 0;
}

static void section_free(struct section *s)
{
        free(s->start);
        free(s->dec);
        free(s->term);
}

/* The ranges of arch's syscall numbers (merged where neighbours agree). */
static int build_section(const struct sock_filter *in, size_t n, const uint32_t *points,
                         size_t n_points, const struct u32set *arches, struct section *s)
{
        struct u32set seen = {0};
        int r = 0;

        s->start = xmalloc(n_points * sizeof(*s->start));
        s->dec = xmalloc(n_points * sizeof(*s->dec));
        s->term = xmalloc(n_points * sizeof(*s->term));
        for (size_t i = 0; i < n_points && r == 0; i++) {
                struct decision d;
                bool known = false;

                r = probe(in, n, s->arch, points[i], &seen, &d);
                if (r < 0 || (s->n > 0 && same_decision(s->dec[s->n - 1], d)))
                        continue;
                s->start[s->n] = points[i];
                s->dec[s->n++] = d;
                for (size_t t = 0; t < s->n_term; t++)
                        known = known || same_decision(s->term[t], d);
                if (!known)
                        s->term[s->n_term++] = d;
        }
        /* Only the arches found first may be told apart. */
        for (size_t i = 0; i < seen.n && r == 0; i++)
                if (!set_has(arches, seen.v[i]))
                        r = -1;
        set_clear(&seen);
        return r;
}

/* Does out give in's verdict for arch and nr: with the arguments all 0 and all 1 bits,
 * and, where in's path reads them, each of the constants compared anywhere? */
static bool agrees(const struct sock_filter *in, size_t n, const struct sock_filter *out,
                   size_t n_out, uint32_t arch, uint32_t nr, const uint32_t *points,
                   size_t n_points, bool args_matter)
{
        size_t patterns = args_matter ? n_points + 2 : 2;

        for (size_t p = 0; p < patterns; p++) {
                uint32_t fill = p == 0 ? 0 : p == 1 ? UINT32_MAX : points[p - 2];
                struct seccomp_data d;
                uint32_t v1, v2;
                uint32_t *words = (uint32_t *)&d;

                for (size_t w = 0; w < sizeof(d) / sizeof(*words); w++)
                        words[w] = fill;
                d.nr = (int)nr;
                d.arch = arch;
                if (run(in, n, &d, &v1, NULL) < 0 || run(out, n_out, &d, &v2, NULL) < 0 || v1 != v2)
                        return false;
        }
        return true;
}

static int check(const struct sock_filter *in, size_t n, const struct sock_filter *out,
                 size_t n_out, const struct section *secs, size_t n_secs, uint32_t other,
                 const uint32_t *points, size_t n_points)
{
        for (size_t i = 0; i < n_points; i++)
                if (!agrees(in, n, out, n_out, other, points[i], points, n_points, false))
                        return -1;
        for (size_t s = 0; s < n_secs; s++)
                for (size_t i = 0, j = 0; i < n_points; i++) {
                        /* Points and ranges are both in order: dec[j] is this point's. */
                        while (j + 1 < secs[s].n && secs[s].start[j + 1] <= points[i])
                                j++;
                        if (!agrees(in, n, out, n_out, secs[s].arch, points[i], points, n_points,
                                    secs[s].dec[j].entry >= 0))
                                return -1;
                }
        return 0;
}

/* An arch value the program never compares with. */
static uint32_t unused_arch(const uint32_t *points, size_t n_points)
{
        uint32_t a = 0;

        for (size_t i = 0; i < n_points && points[i] <= a; i++)
                if (points[i] == a)
                        a++;
        return a;
}

static int rewrite(const struct sock_filter *in, size_t n, const uint32_t *points, size_t n_points,
                   struct sock_filter **out, size_t *n_out)
{
        struct u32set arches = {0};
        struct section secs[MAX_ARCHES] = {0};
        _cleanup_free_ bool *seen = xcalloc(n, sizeof(*seen));
        _cleanup_free_ size_t *copy_pos = xmalloc(n * sizeof(*copy_pos));
        struct gen g = {.in = in, .n_in = n, .copy_pos = copy_pos};
        uint32_t other = unused_arch(points, n_points);
        struct decision bad;
        size_t n_secs = 0, known, pos;
        int r = -1;

        /* The verdict of an arch the program does not know, and the ones it does. */
        if (probe(in, n, other, 0, &arches, &bad) < 0 || bad.entry >= 0 || arches.n == 0 ||
            arches.n > MAX_ARCHES)
                goto out;
        known = arches.n;
        for (size_t i = 0; i < n_points; i++) {
                struct decision d;

                if (probe(in, n, other, points[i], &arches, &d) < 0 || !same_decision(d, bad))
                        goto out;
        }
        /* An arch compared only on some numbers' paths would be missed. */
        if (arches.n != known)
                goto out;
        pos = 1 + 2 * arches.n + 1;
        for (n_secs = 0; n_secs < arches.n; n_secs++) {
                struct section *s = &secs[n_secs];

                s->arch = arches.v[n_secs];
                if (build_section(in, n, points, n_points, &arches, s) < 0) {
                        n_secs++;
                        goto out;
                }
                s->pos = pos;
                pos += section_size(s);
                for (size_t t = 0; t < s->n_term; t++)
                        if (s->term[t].entry >= 0)
                                mark_reachable(in, n, (size_t)s->term[t].entry, seen);
        }
        for (size_t i = 0; i < n; i++)
                copy_pos[i] = seen[i] ? pos++ : SIZE_MAX;
        if (pos >= n)
                goto out; /* no smaller */
        g.n_out = pos;
        g.out = xcalloc(pos, sizeof(*g.out));
        /* ld arch; for each: jeq arch, then its section (a long jump), else the next;
         * ret for any other arch. */
        g.out[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH);
        for (size_t s = 0; s < n_secs; s++) {
                size_t at = 1 + 2 * s;

                g.out[at] =
                    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, secs[s].arch, 0, 1);
                g.out[at + 1] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA,
                                                             (uint32_t)(secs[s].pos - at - 2));
        }
        g.out[1 + 2 * n_secs] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, bad.verdict);
        for (size_t s = 0; s < n_secs; s++)
                if (emit_section(&g, &secs[s]) < 0)
                        goto out;
        emit_copy(&g, seen);
        if (check(in, n, g.out, g.n_out, secs, n_secs, other, points, n_points) < 0) {
                nook_debug("seccomp: the rewritten program disagrees with libseccomp's; "
                           "keeping libseccomp's");
                goto out;
        }
        *out = TAKE_PTR(g.out);
        *n_out = g.n_out;
        r = 0;
out:
        free(g.out);
        for (size_t s = 0; s < n_secs; s++)
                section_free(&secs[s]);
        set_clear(&arches);
        return r;
}

/* Only the instructions run() knows, every jump inside the program. */
static bool supported(const struct sock_filter *in, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const struct sock_filter *f = &in[i];
                size_t left = n - i - 1; /* instructions after this one */

                switch (f->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        if (f->k % 4 != 0 || f->k > sizeof(struct seccomp_data) - 4)
                                return false;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                case BPF_RET | BPF_K:
                        break;
                case BPF_JMP | BPF_JA:
                        if (f->k >= left)
                                return false;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                case BPF_JMP | BPF_JGT | BPF_K:
                case BPF_JMP | BPF_JGE | BPF_K:
                case BPF_JMP | BPF_JSET | BPF_K:
                        if (f->jt >= left || f->jf >= left)
                                return false;
                        break;
                default:
                        return false;
                }
        }
        return true;
}

int seccomp_tree_rewrite(const struct sock_filter *in, size_t n, struct sock_filter **out,
                         size_t *n_out)
{
        _cleanup_free_ uint32_t *points = NULL;
        size_t n_points;

        if (n == 0 || n > BPF_MAXINSNS || !supported(in, n))
                return -1;
        points = boundaries(in, n, &n_points);
        return rewrite(in, n, points, n_points, out, n_out);
}
