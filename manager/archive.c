#include "manager/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/archive_lib.h"

/* What extraction restores, and what it refuses.  The three SECURE flags make libarchive
 * refuse absolute names, ".." components and any entry (or hard-link target) whose
 * parent path goes through a symlink; tests/unit/test_archive.c proves each with a
 * hostile tarball.  No ARCHIVE_EXTRACT_UNLINK: with it libarchive would delete a symlink
 * in the way of a parent path and carry on, where we want the archive refused. */
#define EXTRACT_FLAGS                                                                              \
        (ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |                     \
         ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |                                 \
         ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)

/* Mount points inside a tree (a rootfs with /proc mounted) are not its content. */
#define READDISK_FLAGS                                                                             \
        (ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_ACL | ARCHIVE_READDISK_NO_FFLAGS)

#define PROGRESS_INTERVAL_MS 100
#define COPY_BUFFER_SIZE     (128 * 1024)

static void archive_readp(struct archive **a)
{
        if (*a != NULL)
                archive_read_free(*a);
}

static void archive_writep(struct archive **a)
{
        if (*a != NULL)
                archive_write_free(*a);
}

static void archive_entryp(struct archive_entry **e)
{
        if (*e != NULL)
                archive_entry_free(*e);
}

static void linkresolverp(struct archive_entry_linkresolver **r)
{
        if (*r != NULL)
                archive_entry_linkresolver_free(*r);
}

#define _cleanup_archive_read_  _cleanup_(archive_readp)
#define _cleanup_archive_write_ _cleanup_(archive_writep)
#define _cleanup_archive_entry_ _cleanup_(archive_entryp)
#define _cleanup_linkresolver_  _cleanup_(linkresolverp)

/* libarchive reports errno values > 0 and its own codes (ARCHIVE_ERRNO_MISC...) <= 0. */
__attribute__((format(printf, 3, 4))) static int
archive_err(struct nook_err *err, struct archive *a, const char *fmt, ...)
{
        const char *why = archive_error_string(a);
        int errnum = archive_errno(a) > 0 ? archive_errno(a) : 0;
        char context[NOOK_ERR_MSG_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(context, sizeof(context), fmt, ap);
        va_end(ap);
        /* libarchive's messages often end in the strerror text already. */
        if (why != NULL && errnum != 0 && strstr(why, strerror(errnum)) != NULL)
                errnum = 0;
        return nook_err_set(err, errnum, "%s: %s", context, why != NULL ? why : "libarchive error");
}

/* Calls progress->fn at most every PROGRESS_INTERVAL_MS, and always when final. */
struct progress_clock {
        const struct archive_progress *progress;
        uint64_t last_ms;
};

static void progress_tick(struct progress_clock *clock, uint64_t done, uint64_t total, bool final)
{
        uint64_t now;

        if (clock->progress == NULL || clock->progress->fn == NULL)
                return;
        now = now_ms();
        if (!final && now - clock->last_ms < PROGRESS_INTERVAL_MS)
                return;
        clock->last_ms = now;
        clock->progress->fn(clock->progress->data, done, total);
}

/* libarchive's writers resolve names against the working directory: both directions
 * run with DIR as the working directory and go back afterwards. */
typedef int (*in_dir_fn)(void *data, struct nook_err *err);

static int run_in_dir(const char *dir, in_dir_fn fn, void *data, struct nook_err *err)
{
        _cleanup_close_ int saved = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int target = -1;
        int r;

        if (saved < 0)
                return nook_err_sys(err, "open the working directory");
        target = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (target < 0 || fchdir(target) < 0)
                return nook_err_sys(err, "%s", dir);
        r = fn(data, err);
        if (fchdir(saved) < 0 && r == 0)
                return nook_err_sys(err, "return to the working directory");
        return r;
}

/* ---- extraction ------------------------------------------------------------------------ */

struct extract_job {
        const char *file;
        struct archive *in;
        uint64_t size;
        struct progress_clock clock;
};

static int copy_entry_data(struct extract_job *job, struct archive *out,
                           struct archive_entry *entry, struct nook_err *err)
{
        const char *name = archive_entry_pathname(entry);

        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t offset;
                int r = archive_read_data_block(job->in, &buf, &len, &offset);

                if (r == ARCHIVE_EOF)
                        return 0;
                if (r != ARCHIVE_OK)
                        return archive_err(err, job->in, "%s: %s", job->file, name);
                if (archive_write_data_block(out, buf, len, offset) != ARCHIVE_OK)
                        return archive_err(err, out, "%s: %s", job->file, name);
                progress_tick(&job->clock, archive_filter_bytes(job->in, -1), job->size, false);
        }
}

/* Runs inside the target directory; the disk writer is closed before the caller leaves
 * it, as libarchive applies the deferred directory modes and times by relative name. */
static int extract_entries(void *data, struct nook_err *err)
{
        struct extract_job *job = data;
        _cleanup_archive_write_ struct archive *out = archive_write_disk_new();

        if (out == NULL)
                return nook_err_set(err, ENOMEM, "libarchive");
        /* No archive_write_disk_set_standard_lookup(): owners are restored by number, as
         * the host's user database is not the container's. */
        archive_write_disk_set_options(out, EXTRACT_FLAGS);
        for (;;) {
                struct archive_entry *entry;
                int r = archive_read_next_header(job->in, &entry);

                if (r == ARCHIVE_EOF)
                        break;
                /* A warning on read means a damaged header was skipped: not a faithful copy. */
                if (r != ARCHIVE_OK)
                        return archive_err(err, job->in, "%s", job->file);
                /* Warnings count as failures too: a lost owner, mode or xattr would make a
                 * restored container subtly different from the one saved. */
                if (archive_write_header(out, entry) != ARCHIVE_OK)
                        return archive_err(err, out, "%s: %s", job->file,
                                           archive_entry_pathname(entry));
                if (archive_entry_size(entry) > 0 && copy_entry_data(job, out, entry, err) < 0)
                        return -1;
                if (archive_write_finish_entry(out) != ARCHIVE_OK)
                        return archive_err(err, out, "%s: %s", job->file,
                                           archive_entry_pathname(entry));
                progress_tick(&job->clock, archive_filter_bytes(job->in, -1), job->size, false);
        }
        if (archive_write_close(out) != ARCHIVE_OK)
                return archive_err(err, out, "%s", job->file);
        return 0;
}

int archive_extract(const char *file, const char *dir, const struct archive_progress *progress,
                    struct nook_err *err)
{
        _cleanup_archive_read_ struct archive *in = NULL;
        _cleanup_close_ int fd = -1;
        struct extract_job job = {.file = file, .clock = {.progress = progress}};
        struct stat st;

        if (archive_lib_load(err) < 0)
                return -1;
        in = archive_read_new();
        if (in == NULL)
                return nook_err_set(err, ENOMEM, "libarchive");
        fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return nook_err_sys(err, "%s", file);
        if (S_ISDIR(st.st_mode))
                return nook_err_set(err, EISDIR, "%s", file);
        archive_read_support_filter_all(in);
        archive_read_support_format_tar(in);
        if (archive_read_open_fd(in, fd, COPY_BUFFER_SIZE) != ARCHIVE_OK)
                return archive_err(err, in, "%s", file);
        job.in = in;
        job.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
        if (run_in_dir(dir, extract_entries, &job, err) < 0)
                return -1;
        progress_tick(&job.clock, archive_filter_bytes(in, -1), job.size, true);
        return 0;
}

/* ---- creation -------------------------------------------------------------------------- */

static const struct {
        const char *suffix;
        int (*add_filter)(struct archive *);
} compressions[] = {
    {".tar", archive_write_add_filter_none},   {".tar.gz", archive_write_add_filter_gzip},
    {".tgz", archive_write_add_filter_gzip},   {".tar.xz", archive_write_add_filter_xz},
    {".txz", archive_write_add_filter_xz},     {".tar.zst", archive_write_add_filter_zstd},
    {".tzst", archive_write_add_filter_zstd},  {".tar.bz2", archive_write_add_filter_bzip2},
    {".tbz2", archive_write_add_filter_bzip2},
};

static int add_filter_for(struct archive *a, const char *file, struct nook_err *err)
{
        size_t len = strlen(file);

        for (size_t i = 0; i < ARRAY_SIZE(compressions); i++) {
                size_t n = strlen(compressions[i].suffix);

                if (len > n && strcmp(file + len - n, compressions[i].suffix) == 0) {
                        if (compressions[i].add_filter(a) != ARCHIVE_OK)
                                return archive_err(err, a, "%s", file);
                        return 0;
                }
        }
        return nook_err_set(err, EINVAL,
                            "%s: unknown archive type: the name must end in .tar, .tar.gz, .tgz, "
                            ".tar.xz, .txz, .tar.zst, .tzst, .tar.bz2 or .tbz2",
                            file);
}

static int check_member(const char *dir, const char *member, struct nook_err *err)
{
        struct stat st;

        if (member[0] == '\0' || member[0] == '/')
                return nook_err_set(err, EINVAL, "member '%s': must be a relative path", member);
        for (const char *p = member; p != NULL; p = strchr(p, '/')) {
                p += *p == '/';
                if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
                        return nook_err_set(err, EINVAL, "member '%s': must not contain '..'",
                                            member);
        }
        if (lstat(member, &st) < 0)
                return nook_err_sys(err, "%s/%s", dir, member);
        return 0;
}

struct create_job {
        const char *file;
        const char *dir;
        const char *const *members;
        struct archive *out; /* NULL in the first pass, which only adds up the sizes */
        struct stat self;    /* the temporary file, should it lie inside DIR */
        uint64_t total;
        uint64_t done;
        struct progress_clock clock;
};

static int write_entry_data(struct create_job *job, struct archive *disk, const char *name,
                            struct nook_err *err)
{
        static const char zeros[COPY_BUFFER_SIZE];
        la_int64_t written = 0;

        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t offset;
                int r = archive_read_data_block(disk, &buf, &len, &offset);

                if (r == ARCHIVE_EOF)
                        return 0;
                if (r != ARCHIVE_OK)
                        return archive_err(err, disk, "%s/%s", job->dir, name);
                /* A hole of a sparse file: the pax writer wants the whole file and drops
                 * the holes it recorded in the entry's sparse map itself. */
                while (written < offset) {
                        size_t n = offset - written < (la_int64_t)sizeof(zeros)
                                       ? (size_t)(offset - written)
                                       : sizeof(zeros);

                        if (archive_write_data(job->out, zeros, n) < 0)
                                return archive_err(err, job->out, "%s: %s", job->file, name);
                        written += n;
                        job->done += n;
                }
                if (len > 0 && archive_write_data(job->out, buf, len) < 0)
                        return archive_err(err, job->out, "%s: %s", job->file, name);
                written += len;
                job->done += len;
                progress_tick(&job->clock, job->done, job->total, false);
        }
}

static int add_entry(struct create_job *job, struct archive *disk, struct archive_entry *entry,
                     struct nook_err *err)
{
        const char *name = archive_entry_pathname(entry);

        if (job->out == NULL) {
                job->total += archive_entry_size(entry);
                return 0;
        }
        if (archive_write_header(job->out, entry) != ARCHIVE_OK)
                return archive_err(err, job->out, "%s: %s", job->file, name);
        if (archive_entry_size(entry) > 0 && write_entry_data(job, disk, name, err) < 0)
                return -1;
        if (archive_write_finish_entry(job->out) != ARCHIVE_OK)
                return archive_err(err, job->out, "%s: %s", job->file, name);
        return 0;
}

/* Walks one member (or "." for the whole directory) with names relative to DIR. */
static int walk_member(struct create_job *job, const char *member,
                       struct archive_entry_linkresolver *links, struct nook_err *err)
{
        _cleanup_archive_read_ struct archive *disk = archive_read_disk_new();
        bool whole = strcmp(member, ".") == 0;

        if (disk == NULL)
                return nook_err_set(err, ENOMEM, "libarchive");
        archive_read_disk_set_symlink_physical(disk);
        /* No archive_read_disk_set_standard_lookup(): the archive carries numeric owners
         * only, the host's user names mean nothing inside a container. */
        archive_read_disk_set_behavior(
            disk, READDISK_FLAGS | (job->out == NULL ? ARCHIVE_READDISK_NO_XATTR : 0));
        if (archive_read_disk_open(disk, member) != ARCHIVE_OK)
                return archive_err(err, disk, "%s/%s", job->dir, member);
        for (;;) {
                _cleanup_archive_entry_ struct archive_entry *entry = archive_entry_new();
                _cleanup_archive_entry_ struct archive_entry *spare = NULL;
                const char *name;
                int r = archive_read_next_header2(disk, entry);

                if (r == ARCHIVE_EOF)
                        return 0;
                if (r != ARCHIVE_OK)
                        return archive_err(err, disk, "%s/%s", job->dir, member);
                archive_read_disk_descend(disk);
                name = archive_entry_pathname(entry);
                if (whole && strcmp(name, ".") == 0)
                        continue;
                if (whole && str_has_prefix(name, "./")) {
                        /* Not in place: name points into the entry's own buffer. */
                        _cleanup_free_ char *relative = xstrdup(name + 2);

                        archive_entry_copy_pathname(entry, relative);
                }
                /* tar cannot hold sockets, and a socket file means nothing once restored. */
                if (archive_entry_filetype(entry) == AE_IFSOCK)
                        continue;
                /* read_disk reports st_size for every type (a directory's 4096, a
                 * symlink's target length); only regular files carry data. */
                if (archive_entry_filetype(entry) != AE_IFREG)
                        archive_entry_set_size(entry, 0);
                if (archive_entry_dev(entry) == job->self.st_dev &&
                    (ino_t)archive_entry_ino64(entry) == job->self.st_ino)
                        continue;
                /* The second and later names of a file become hard links without data. */
                archive_entry_linkify(links, &entry, &spare);
                if (add_entry(job, disk, entry, err) < 0)
                        return -1;
        }
}

static int walk_members(void *data, struct nook_err *err)
{
        struct create_job *job = data;
        _cleanup_linkresolver_ struct archive_entry_linkresolver *links =
            archive_entry_linkresolver_new();
        static const char *const everything[] = {".", NULL};
        const char *const *members = job->members != NULL ? job->members : everything;

        if (links == NULL)
                return nook_err_set(err, ENOMEM, "libarchive");
        archive_entry_linkresolver_set_strategy(links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
        for (size_t i = 0; members[i] != NULL; i++) {
                if (job->members != NULL && check_member(job->dir, members[i], err) < 0)
                        return -1;
                if (walk_member(job, members[i], links, err) < 0)
                        return -1;
        }
        return 0;
}

static int write_archive(struct create_job *job, int fd, struct nook_err *err)
{
        _cleanup_archive_write_ struct archive *out = archive_write_new();

        if (out == NULL)
                return nook_err_set(err, ENOMEM, "libarchive");
        if (archive_write_set_format_pax_restricted(out) != ARCHIVE_OK)
                return archive_err(err, out, "%s", job->file);
        if (add_filter_for(out, job->file, err) < 0)
                return -1;
        /* Tar's 10 KiB record padding only matters for tape drives. */
        archive_write_set_bytes_in_last_block(out, 1);
        if (archive_write_open_fd(out, fd) != ARCHIVE_OK)
                return archive_err(err, out, "%s", job->file);
        job->out = out;
        if (run_in_dir(job->dir, walk_members, job, err) < 0)
                return -1;
        if (archive_write_close(out) != ARCHIVE_OK)
                return archive_err(err, out, "%s", job->file);
        return 0;
}

static int create_to(struct create_job *job, const char *tmp, struct nook_err *err)
{
        /* 0600: a backup holds /etc/shadow and private keys. */
        _cleanup_close_ int fd =
            open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

        if (fd < 0 || fstat(fd, &job->self) < 0)
                return nook_err_sys(err, "%s", tmp);
        /* A first pass adds up the sizes, so that progress has a total. */
        if (job->clock.progress != NULL && run_in_dir(job->dir, walk_members, job, err) < 0)
                return -1;
        if (write_archive(job, fd, err) < 0)
                return -1;
        if (fsync(fd) < 0)
                return nook_err_sys(err, "fsync %s", tmp);
        if (close(TAKE_FD(fd)) < 0)
                return nook_err_sys(err, "close %s", tmp);
        if (rename(tmp, job->file) < 0)
                return nook_err_sys(err, "rename %s to %s", tmp, job->file);
        progress_tick(&job->clock, job->done, job->total, true);
        return 0;
}

int archive_create(const char *file, const char *dir, const char *const *members,
                   const struct archive_progress *progress, struct nook_err *err)
{
        struct create_job job = {
            .file = file, .dir = dir, .members = members, .clock = {.progress = progress}};
        _cleanup_archive_write_ struct archive *probe = NULL;
        _cleanup_free_ char *tmp = NULL;

        if (archive_lib_load(err) < 0)
                return -1;
        /* An unknown suffix is refused before anything is created. */
        probe = archive_write_new();
        if (probe == NULL)
                return nook_err_set(err, ENOMEM, "libarchive");
        if (add_filter_for(probe, file, err) < 0)
                return -1;
        tmp = xasprintf("%s.tmp-%d", file, (int)getpid());
        if (create_to(&job, tmp, err) < 0) {
                unlink(tmp);
                return -1;
        }
        return 0;
}
