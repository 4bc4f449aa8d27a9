#include "manager/archive_lib.h"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <stdlib.h>

/* Every libarchive function nook calls or takes the address of: F(return type, name,
 * parameters, arguments), V(...) for those returning nothing.  A function missing here
 * fails nookctl's link (libarchive is not linked). */
#define ARCHIVE_FUNCTIONS(F, V)                                                                    \
        V(archive_entry_copy_pathname, (struct archive_entry * a0, const char *a1), (a0, a1))      \
        F(dev_t, archive_entry_dev, (struct archive_entry * a0), (a0))                             \
        F(mode_t, archive_entry_filetype, (struct archive_entry * a0), (a0))                       \
        V(archive_entry_free, (struct archive_entry * a0), (a0))                                   \
        F(la_int64_t, archive_entry_ino64, (struct archive_entry * a0), (a0))                      \
        V(archive_entry_linkify,                                                                   \
          (struct archive_entry_linkresolver * a0, struct archive_entry * *a1,                     \
           struct archive_entry * *a2),                                                            \
          (a0, a1, a2))                                                                            \
        V(archive_entry_linkresolver_free, (struct archive_entry_linkresolver * a0), (a0))         \
        F(struct archive_entry_linkresolver *, archive_entry_linkresolver_new, (void), ())         \
        V(archive_entry_linkresolver_set_strategy,                                                 \
          (struct archive_entry_linkresolver * a0, int a1), (a0, a1))                              \
        F(struct archive_entry *, archive_entry_new, (void), ())                                   \
        F(const char *, archive_entry_pathname, (struct archive_entry * a0), (a0))                 \
        V(archive_entry_set_size, (struct archive_entry * a0, la_int64_t a1), (a0, a1))            \
        F(la_int64_t, archive_entry_size, (struct archive_entry * a0), (a0))                       \
        F(int, archive_errno, (struct archive * a0), (a0))                                         \
        F(const char *, archive_error_string, (struct archive * a0), (a0))                         \
        F(la_int64_t, archive_filter_bytes, (struct archive * a0, int a1), (a0, a1))               \
        F(int, archive_read_data_block,                                                            \
          (struct archive * a0, const void **a1, size_t *a2, la_int64_t *a3), (a0, a1, a2, a3))    \
        F(int, archive_read_disk_descend, (struct archive * a0), (a0))                             \
        F(struct archive *, archive_read_disk_new, (void), ())                                     \
        F(int, archive_read_disk_open, (struct archive * a0, const char *a1), (a0, a1))            \
        F(int, archive_read_disk_set_behavior, (struct archive * a0, int a1), (a0, a1))            \
        F(int, archive_read_disk_set_standard_lookup, (struct archive * a0), (a0))                 \
        F(int, archive_read_disk_set_symlink_physical, (struct archive * a0), (a0))                \
        F(int, archive_read_free, (struct archive * a0), (a0))                                     \
        F(struct archive *, archive_read_new, (void), ())                                          \
        F(int, archive_read_next_header, (struct archive * a0, struct archive_entry * *a1),        \
          (a0, a1))                                                                                \
        F(int, archive_read_next_header2, (struct archive * a0, struct archive_entry * a1),        \
          (a0, a1))                                                                                \
        F(int, archive_read_open_fd, (struct archive * a0, int a1, size_t a2), (a0, a1, a2))       \
        F(int, archive_read_support_filter_all, (struct archive * a0), (a0))                       \
        F(int, archive_read_support_format_tar, (struct archive * a0), (a0))                       \
        F(int, archive_write_add_filter_bzip2, (struct archive * a0), (a0))                        \
        F(int, archive_write_add_filter_gzip, (struct archive * a0), (a0))                         \
        F(int, archive_write_add_filter_none, (struct archive * a0), (a0))                         \
        F(int, archive_write_add_filter_xz, (struct archive * a0), (a0))                           \
        F(int, archive_write_add_filter_zstd, (struct archive * a0), (a0))                         \
        F(int, archive_write_close, (struct archive * a0), (a0))                                   \
        F(la_ssize_t, archive_write_data, (struct archive * a0, const void *a1, size_t a2),        \
          (a0, a1, a2))                                                                            \
        F(la_ssize_t, archive_write_data_block,                                                    \
          (struct archive * a0, const void *a1, size_t a2, la_int64_t a3), (a0, a1, a2, a3))       \
        F(struct archive *, archive_write_disk_new, (void), ())                                    \
        F(int, archive_write_disk_set_options, (struct archive * a0, int a1), (a0, a1))            \
        F(int, archive_write_disk_set_standard_lookup, (struct archive * a0), (a0))                \
        F(int, archive_write_finish_entry, (struct archive * a0), (a0))                            \
        F(int, archive_write_free, (struct archive * a0), (a0))                                    \
        F(int, archive_write_header, (struct archive * a0, struct archive_entry * a1), (a0, a1))   \
        F(struct archive *, archive_write_new, (void), ())                                         \
        F(int, archive_write_open_fd, (struct archive * a0, int a1), (a0, a1))                     \
        F(int, archive_write_set_bytes_in_last_block, (struct archive * a0, int a1), (a0, a1))     \
        F(int, archive_write_set_format_pax_restricted, (struct archive * a0), (a0))

static void *lib;

#define POINTER(ret, name, params, args) static ret(*real_##name) params;
#define VOID_POINTER(name, params, args) POINTER(void, name, params, args)
ARCHIVE_FUNCTIONS(POINTER, VOID_POINTER)

/* Since libarchive 3.0 (2011) its soname is libarchive.so.13; the unversioned name is
 * a -dev package's, for a system that numbers it otherwise. */
static void *open_lib(void)
{
        void *h = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);

        return h ? h : dlopen("libarchive.so", RTLD_NOW | RTLD_LOCAL);
}

int archive_lib_load(struct nook_err *err)
{
        void *h;

        if (lib)
                return 0;
        h = open_lib();
        if (h == NULL)
                return nook_err_set(err, 0, "load libarchive: %s", dlerror());
#define RESOLVE(ret, name, params, args)                                                           \
        if ((real_##name = (__typeof__(real_##name))dlsym(h, #name)) == NULL) {                    \
                dlclose(h);                                                                        \
                return nook_err_set(err, 0, "load libarchive: it has no %s", #name);               \
        }
#define VOID_RESOLVE(name, params, args) RESOLVE(void, name, params, args)
        ARCHIVE_FUNCTIONS(RESOLVE, VOID_RESOLVE)
        lib = h;
        return 0;
}

/* libarchive's functions, by their own names: archive.c calls them as if linked. */
#define CALL(ret, name, params, args)                                                              \
        ret name params                                                                            \
        {                                                                                          \
                if (lib == NULL)                                                                   \
                        abort();                                                                   \
                return real_##name args;                                                           \
        }
#define VOID_CALL(name, params, args)                                                              \
        void name params                                                                           \
        {                                                                                          \
                if (lib == NULL)                                                                   \
                        abort();                                                                   \
                real_##name args;                                                                  \
        }
ARCHIVE_FUNCTIONS(CALL, VOID_CALL)
