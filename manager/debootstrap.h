/* A Debian root filesystem for a template, built by debootstrap(8): `nookctl template
 * create NAME --debootstrap SUITE`.
 *
 * debootstrap runs in a private mount namespace and as the init of a PID namespace of
 * its own, so that the /proc, /sys and /dev mounts it makes inside the target and every
 * process it starts die with it, even when it or the caller is killed; its whole
 * output goes to a log file next to DIR, and its --debian-installer progress protocol
 * (P:/E: lines on fd 3) drives the progress callback and the error message.  On failure
 * DIR is removed again (if this call created it; an empty DIR given by the caller is
 * emptied) and the log is kept.  On success the log is removed and the tree is made fit
 * for a system container (see template_debootstrap). */
#ifndef NOOK_MANAGER_DEBOOTSTRAP_H
#define NOOK_MANAGER_DEBOOTSTRAP_H

#include "common/error.h"
#include "manager/archive.h"

/* The mirror used when the caller gives none. */
#define DEBOOTSTRAP_DEFAULT_MIRROR "http://deb.debian.org/debian"

/* Runs `debootstrap --variant=VARIANT --include=INCLUDE SUITE DIR MIRROR`.
 *
 * DIR must not exist (its parent must) or be an empty directory.  variant NULL is
 * debootstrap's default ("minbase" and "buildd" are the small ones); include is a comma
 * list of extra packages or NULL; mirror NULL is DEBOOTSTRAP_DEFAULT_MIRROR.  A system
 * container needs an init, which the minbase and buildd variants lack: for them
 * systemd-sysv is added to the packages unless include names an init already
 * (systemd-sysv, sysvinit-core, runit-init, init).
 *
 * The log is DIR's parent/.BASENAME.debootstrap.log (e.g. templates/.deb12.debootstrap.log
 * for DIR templates/deb12); failures name it.  Progress: done of total = 1000 (per mille
 * over debootstrap's stages: download, unpack, configure), last call 1000 of 1000.
 *
 * After debootstrap succeeds: /etc/hostname and /etc/resolv.conf, which debootstrap
 * copies from the host, are emptied (the container's own come from nookctl; an empty
 * hostname file makes init keep the hostname the runtime set), /etc/machine-id is
 * emptied so that each container gets its own at first boot, the downloaded .debs in
 * /var/cache/apt/archives and the package lists in /var/lib/apt/lists (50 MB for bookworm,
 * stale by the time a container runs `apt-get update`) are deleted; then DIR/sbin/init or
 * DIR/lib/systemd/systemd must exist.
 *
 * Errors: debootstrap missing: ENOENT "debootstrap is not installed (apt-get install
 * debootstrap)"; DIR not empty: ENOTEMPTY; debootstrap failing: its own "E:" message
 * (e.g. "Failed getting release file http://...") with the log's path.  The environment
 * variable NOOK_DEBOOTSTRAP names another program to run instead (tests use a fake). */
int template_debootstrap(const char *dir, const char *suite, const char *variant,
                         const char *include, const char *mirror,
                         const struct archive_progress *progress, struct nook_err *err);

#endif
