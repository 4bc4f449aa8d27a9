/* Disk space a directory tree takes (allocated blocks, each inode once, not crossing
 * into other mounts): what `du -s` prints, for templates and private layers. */
#ifndef NOOK_MANAGER_DISKUSAGE_H
#define NOOK_MANAGER_DISKUSAGE_H

#include <stdint.h>

/* Bytes; 0 when path does not exist. */
uint64_t disk_usage(const char *path);

#endif
