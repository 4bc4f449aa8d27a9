/* --userpasswd USER:PASS: sets a password in a container's /etc/shadow from the host
 * (SHA-512 crypt, "$6$"), adding the user to /etc/passwd and /etc/group first when it
 * is not there, without running anything of the container's.  Every file is read and
 * written inside the root (rootfs_read_file_in / rootfs_write_file_in). */
#ifndef NOOK_MANAGER_PASSWD_H
#define NOOK_MANAGER_PASSWD_H

#include "common/error.h"

/* Splits and checks "USER:PASS" (user [a-z_][a-z0-9_-]{0,31}, a non-empty password
 * without newline); *user and *pass are newly allocated. */
int passwd_parse(const char *arg, char **user, char **pass, struct nook_err *err);

/* root: the container's mounted root directory. */
int passwd_set(const char *root, const char *user, const char *pass, struct nook_err *err);

#endif
