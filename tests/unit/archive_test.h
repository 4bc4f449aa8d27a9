/* What the unit tests of manager/archive.c share: scratch directories, files, a tree
 * with every kind of file a rootfs or an overlay upper layer holds, and a comparison of
 * two trees (tests/unit/archive_helpers.c). */
#ifndef NOOK_TESTS_UNIT_ARCHIVE_TEST_H
#define NOOK_TESTS_UNIT_ARCHIVE_TEST_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

#define OWNER 1234

char *make_tmpdir(void);
void remove_tmpdir(char *dir);
void write_text(const char *dir, const char *name, const char *text, mode_t mode);
char *read_text(const char *path);
void mkdirs(const char *dir, const char *name, mode_t mode);
bool is_root(void);
void assert_error_mentions(const struct nook_err *err, const char *what);
void build_tree(const char *dir);
void assert_same_tree(const char *src, const char *dst);

#endif
