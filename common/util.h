/* Small helpers shared by every module: files, directories, strings, numbers, processes. */
#ifndef NOOK_COMMON_UTIL_H
#define NOOK_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* Memory: abort on exhaustion, as there is nothing sensible a runtime can do then. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* NULL-terminated string arrays. */
size_t strv_length(char *const *v);
char **strv_dup(char *const *v);
/* Appends a copy of s; *v may be NULL. */
void strv_push(char ***v, const char *s);

bool str_has_prefix(const char *s, const char *prefix);

/* Reads a whole file (at most max bytes; 0 = no limit) into a NUL-terminated buffer. */
int read_file(const char *path, char **out, size_t *len, size_t max, struct nook_err *err);
int read_file_at(int dirfd, const char *path, char **out, size_t *len, size_t max,
                 struct nook_err *err);
/* Writes data to an existing file (O_WRONLY|O_TRUNC, no create), e.g. procfs/cgroupfs knobs. */
int write_file_at(int dirfd, const char *path, const void *data, size_t len, struct nook_err *err);
/* Creates or replaces path atomically (temp file + rename) with the given mode. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      struct nook_err *err);

/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, struct nook_err *err);
/* rm -rf of a directory tree relative to dirfd (does not cross into other mounts). */
int remove_tree_at(int parent_fd, const char *name, struct nook_err *err);

/* Strict number parsing: the whole string must be a number in range. */
int parse_uint64(const char *s, uint64_t *out);
int parse_int64(const char *s, int64_t *out);

/* Full-length I/O that retries on EINTR and short counts. */
ssize_t write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);

/* Field 22 of /proc/<pid>/stat: with the pid it identifies a process across pid reuse. */
int proc_start_time(pid_t pid, uint64_t *out);
/* True when pid has exited but was not reaped yet. */
bool proc_is_zombie(pid_t pid);

/* Monotonic milliseconds, for timeouts. */
uint64_t now_ms(void);

#endif
