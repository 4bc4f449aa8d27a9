/* nook's one error idiom.
 *
 * A function that can fail returns < 0 and fills a caller-owned struct nook_err
 * with the errno of the cause (0 when there is none) and a message that gives the
 * context.  Callers add their own context in front with nook_err_prefix(); the CLI
 * prints the result once as "nook: <context>: <strerror(errnum)>".
 *
 * err may be NULL where the caller does not care why (a cleanup that may fail): the
 * functions below then record nothing.  A function that looks at the error of a call
 * of its own (err->errnum == ENOENT) starts with NOOK_ERR_ENSURE(err), which points
 * err at a stand-in of its own when the caller passed NULL.
 */
#ifndef NOOK_COMMON_ERROR_H
#define NOOK_COMMON_ERROR_H

#include <stddef.h>

#define NOOK_ERR_MSG_MAX 2048

struct nook_err {
        int errnum;                 /* errno of the cause, 0 if none */
        char msg[NOOK_ERR_MSG_MAX]; /* context, without the strerror text */
};

/* Records the error and returns -1, so callers can write `return nook_err_set(...)`. */
int nook_err_set(struct nook_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like nook_err_set() with errnum = errno. */
int nook_err_sys(struct nook_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Puts "<context>: " in front of the message already recorded; returns -1. */
int nook_err_prefix(struct nook_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes "<msg>: <strerror>" (or just "<msg>") into buf. */
const char *nook_err_format(const struct nook_err *err, char *buf, size_t len);

void nook_err_clear(struct nook_err *err);

#define NOOK_ERR_ENSURE(err)                                                                       \
        struct nook_err err##_stand_in = {0};                                                      \
        if ((err) == NULL)                                                                         \
        (err) = &err##_stand_in

#endif
