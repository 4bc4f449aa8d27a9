/* Tarballs in and out of a directory, with libarchive: template import/export and
 * container backup/restore.  Compression is chosen by the file name on write (.tar,
 * .tar.gz/.tgz, .tar.xz, .tar.zst) and detected on read.  Extraction is safe: no entry
 * may land outside the target directory (absolute names, "..", symlinks followed,
 * hard links out of the tree are refused with the entry's name in the error);
 * ownership, modes, device nodes, xattrs (overlayfs whiteouts and opaque markers
 * included) are preserved. */
#ifndef NOOK_MANAGER_ARCHIVE_H
#define NOOK_MANAGER_ARCHIVE_H

#include <stdint.h>

#include "common/error.h"

/* Called now and then with the bytes done so far and the total (0 when unknown). */
struct archive_progress {
        void (*fn)(void *data, uint64_t done, uint64_t total);
        void *data;
};

/* Extracts FILE into the existing directory DIR.  On failure what was extracted stays;
 * the caller extracts into a fresh directory and removes it. */
int archive_extract(const char *file, const char *dir, const struct archive_progress *progress,
                    struct nook_err *err);

/* Writes FILE (atomically: a temporary name renamed at the end) holding the members
 * (paths relative to DIR, each taken recursively; NULL-terminated; NULL = all of DIR).
 * Member names in the archive are relative ("./etc/passwd" style without "./"). */
int archive_create(const char *file, const char *dir, const char *const *members,
                   const struct archive_progress *progress, struct nook_err *err);

#endif
