/* The disk a container's private layer lives on, as the io controller names it:
 * io.max and io.weight take a whole disk's MAJOR:MINOR, not a partition's. */
#ifndef NOOK_MANAGER_IODEV_H
#define NOOK_MANAGER_IODEV_H

#include <stdint.h>

#include "common/error.h"

/* The block device under path (its filesystem's, a partition resolved to its disk).
 * Fails with one line when the filesystem has none (tmpfs, overlayfs, btrfs's
 * anonymous devices): what names the option asking. */
int ct_io_device(const char *path, const char *what, int64_t *major, int64_t *minor,
                 struct nook_err *err);

#endif
