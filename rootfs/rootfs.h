/* The container's root filesystem, built inside its new mount namespace by the child:
 * root propagation, the rootfs bind, every OCI mount (resolved inside the rootfs, never
 * following a symlink out of it), /dev and its default nodes and links, pivot_root,
 * masked and read-only paths and a read-only root.  Never calls into runtime/. */
#ifndef NOOK_ROOTFS_ROOTFS_H
#define NOOK_ROOTFS_ROOTFS_H

#include <stdbool.h>

#include "common/error.h"

struct oci_config;

/* Before pivot_root: makes / rslave (or per rootfsPropagation), binds `rootfs` (an
 * absolute path) onto itself, performs config->mounts in order, creates the devices
 * of linux.devices and the default /dev nodes (null, zero, full, random, urandom, tty)
 * and links (fd, stdin, stdout, stderr, ptmx -> pts/ptmx) when /dev is a fresh mount,
 * and creates /dev/console as an empty file for a later bind.  Runs in the child. */
int rootfs_prepare(const struct oci_config *config, const char *rootfs, struct nook_err *err);

/* pivot_root into rootfs and detaches the old root; with no_pivot, uses MS_MOVE +
 * chroot instead (for ramfs roots, `run --no-pivot`). */
int rootfs_pivot(const char *rootfs, bool no_pivot, struct nook_err *err);

/* After pivot_root: masked paths, read-only paths, root.readonly, and the final
 * propagation of / (rootfsPropagation).  Paths that do not exist are skipped. */
int rootfs_finalize(const struct oci_config *config, struct nook_err *err);

/* Binds the pty slave at pts_path over /dev/console (after pivot). */
int rootfs_bind_console(const char *pts_path, struct nook_err *err);

/* Writes linux.sysctl entries under /proc/sys (after pivot, before finalize). */
int rootfs_apply_sysctl(const struct oci_config *config, struct nook_err *err);

#endif
