/* `nookctl console`: a container's console is the output of its init, kept in
 * containers/CTID/console.log (no daemon holds a terminal for it); this copies it out
 * and follows it while the container runs. */
#ifndef NOOK_MANAGER_CONSOLE_H
#define NOOK_MANAGER_CONSOLE_H

#include <stdbool.h>

#include "common/error.h"
#include "manager/ct.h"

/* Copies console.log to out_fd; with follow, goes on copying what is appended until
 * the container's init exits. */
int ct_console(const struct ct *c, bool follow, int out_fd, struct nook_err *err);

#endif
