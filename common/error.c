#include "common/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 2, 0))) static void set_msg(struct nook_err *err, const char *fmt,
                                                          va_list ap)
{
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int nook_err_set(struct nook_err *err, int errnum, const char *fmt, ...)
{
        va_list ap;

        if (err == NULL)
                return -1;
        err->errnum = errnum;
        va_start(ap, fmt);
        set_msg(err, fmt, ap);
        va_end(ap);
        return -1;
}

int nook_err_sys(struct nook_err *err, const char *fmt, ...)
{
        int saved = errno;
        va_list ap;

        if (err == NULL)
                return -1;
        err->errnum = saved;
        va_start(ap, fmt);
        set_msg(err, fmt, ap);
        va_end(ap);
        errno = saved;
        return -1;
}

int nook_err_prefix(struct nook_err *err, const char *fmt, ...)
{
        char old[NOOK_ERR_MSG_MAX];
        size_t n;
        va_list ap;

        if (err == NULL)
                return -1;
        memcpy(old, err->msg, sizeof(old));
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        /* Truncation of an over-long chain is acceptable: the cause stays at the end. */
        n = strlen(err->msg);
        if (old[0] != '\0' && n + 2 < sizeof(err->msg)) {
                memcpy(err->msg + n, ": ", 2);
                strncpy(err->msg + n + 2, old, sizeof(err->msg) - n - 3);
                err->msg[sizeof(err->msg) - 1] = '\0';
        }
        return -1;
}

const char *nook_err_format(const struct nook_err *err, char *buf, size_t len)
{
        if (err->errnum != 0 && err->msg[0] != '\0')
                snprintf(buf, len, "%s: %s", err->msg, strerror(err->errnum));
        else if (err->errnum != 0)
                snprintf(buf, len, "%s", strerror(err->errnum));
        else
                snprintf(buf, len, "%s", err->msg[0] ? err->msg : "unknown error");
        return buf;
}

void nook_err_clear(struct nook_err *err)
{
        err->errnum = 0;
        err->msg[0] = '\0';
}
