/* Scope-bound cleanup for fds, memory, FILE*, DIR* and string arrays, in the style of
 * systemd's src/basic: declare with _cleanup_xxx_ and hand ownership out with
 * TAKE_PTR()/TAKE_FD() when a value escapes the scope. */
#ifndef NOOK_COMMON_CLEANUP_H
#define NOOK_COMMON_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void fclosep(FILE **f)
{
        if (*f != NULL)
                fclose(*f);
}

static inline void closedirp(DIR **d)
{
        if (*d != NULL)
                closedir(*d);
}

/* Frees a NULL-terminated array of strings and the array itself. */
void strv_free(char **v);
static inline void strv_freep(char ***v)
{
        strv_free(*v);
}

#define _cleanup_free_     _cleanup_(freep)
#define _cleanup_close_    _cleanup_(closep)
#define _cleanup_fclose_   _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_strv_     _cleanup_(strv_freep)

#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _taken = (p);                                                        \
                (p) = NULL;                                                                        \
                _taken;                                                                            \
        })

#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _taken = (fd);                                                                 \
                (fd) = -1;                                                                         \
                _taken;                                                                            \
        })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
