/* Disk quotas of containers: the kernel's project quotas (ext4 made with
 * -O quota,project and mounted with prjquota; XFS mounted with prjquota).  A container
 * is one project: its private (upper) layer and overlayfs's work directory carry the
 * project id, inherited by everything made below them, so the limit holds for all the
 * container writes and `df /` inside shows it (the filesystem reports a project's
 * limits for a directory that inherits the project). */
#ifndef NOOK_MANAGER_QUOTA_H
#define NOOK_MANAGER_QUOTA_H

#include <stdint.h>

#include "common/error.h"

struct quota_limits {
        uint64_t space_soft, space_hard;   /* bytes; 0 = none */
        uint64_t inodes_soft, inodes_hard; /* 0 = none */
};

/* Whether path's filesystem keeps project quotas; else one line naming what it needs
 * (what names the option asking). */
int quota_check(const char *path, const char *what, struct nook_err *err);

/* Gives dir and everything below it project id projid, dirs inheriting it. */
int quota_attach(const char *dir, uint32_t projid, struct nook_err *err);

/* Sets project projid's limits on the filesystem of path (all zero: none). */
int quota_set(const char *path, uint32_t projid, const struct quota_limits *l,
              struct nook_err *err);

/* Project projid's usage: bytes and inodes. */
int quota_usage(const char *path, uint32_t projid, uint64_t *bytes, uint64_t *inodes,
                struct nook_err *err);

#endif
