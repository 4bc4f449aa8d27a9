/* Terminals: a pty created inside the container (from its own devpts), its master sent
 * to a --console-socket with SCM_RIGHTS as podman and conmon expect, and for foreground
 * `run`/`exec --tty` a relay between our own terminal (in raw mode) and the master. */
#ifndef NOOK_RUNTIME_TERMINAL_H
#define NOOK_RUNTIME_TERMINAL_H

#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* In the child: opens /dev/ptmx, unlocks it, sets the window size if given, makes the
 * slave the controlling terminal and stdio.  Returns the master fd in *master and the
 * slave's path in pts_path (for the /dev/console bind). */
int terminal_open_in_child(uint32_t rows, uint32_t cols, int *master, char *pts_path,
                           size_t pts_len, struct nook_err *err);

/* Connects to the unix socket at path and sends fd with SCM_RIGHTS. */
int terminal_send_to_socket(const char *path, int fd, struct nook_err *err);

/* Relays stdin -> master and master -> stdout until the master hangs up or pidfd says
 * the process exited (then drains what is left); puts stdin in raw mode while it runs
 * (when it is a tty) and restores it.  sigfd (or -1) is the caller's signalfd: SIGWINCH
 * read from it resizes the pty, any other signal is handed to on_signal(signo, ctx). */
int terminal_relay(int master, int pidfd, int sigfd, void (*on_signal)(int signo, void *ctx),
                   void *ctx, struct nook_err *err);

#endif
