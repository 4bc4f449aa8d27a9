#include "manager/template.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "manager/ctid.h"
#include "manager/debootstrap.h"
#include "manager/registry.h"
#include "manager/staging.h"

#define BUSYBOX "/bin/busybox"

bool template_exists(const struct nook_home *h, const char *name)
{
        _cleanup_free_ char *dir = home_template_dir(h, name);
        struct stat st;

        return ctid_valid(name) && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

int template_name_check(const char *name, struct nook_err *err)
{
        if (!ctid_valid(name))
                return nook_err_set(err, 0,
                                    "invalid template name %s: expected [A-Za-z0-9_.-], "
                                    "starting with a letter or digit",
                                    name);
        return 0;
}

static int put(const char *dir, const char *path, const char *text, mode_t mode,
               struct nook_err *err)
{
        _cleanup_free_ char *full = xasprintf("%s/%s", dir, path);
        _cleanup_close_ int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

        if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
                return nook_err_sys(err, "write %s", full);
        if (fchmod(fd, mode) < 0)
                return nook_err_sys(err, "chmod %s", full);
        return 0;
}

static int copy_file(const char *from, const char *to, mode_t mode, struct nook_err *err)
{
        _cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int out = -1;
        char buf[65536];
        ssize_t n;

        if (in < 0)
                return nook_err_sys(err, "open %s", from);
        out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (out < 0)
                return nook_err_sys(err, "create %s", to);
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write_all(out, buf, (size_t)n) < 0)
                        return nook_err_sys(err, "write %s", to);
        if (n < 0)
                return nook_err_sys(err, "read %s", from);
        return fchmod(out, mode) < 0 ? nook_err_sys(err, "chmod %s", to) : 0;
}

/* busybox --list-full: "usr/bin/wget" per applet. */
static int applets(char ***out, struct nook_err *err)
{
        FILE *p = popen(BUSYBOX " --list-full", "re");
        char line[PATH_MAX];
        char **v = xcalloc(1, sizeof(char *));

        if (p == NULL)
                return strv_free(v), nook_err_sys(err, "run " BUSYBOX " --list-full");
        while (fgets(line, sizeof(line), p)) {
                line[strcspn(line, "\n")] = '\0';
                if (line[0] && strstr(line, "..") == NULL && line[0] != '/')
                        strv_push(&v, line);
        }
        if (pclose(p) != 0 || v[0] == NULL) {
                strv_free(v);
                return nook_err_set(err, 0,
                                    BUSYBOX " --list-full failed: is busybox-static "
                                            "installed?");
        }
        *out = v;
        return 0;
}

static bool has_applet(char **list, const char *path)
{
        for (; *list; list++)
                if (strcmp(*list, path) == 0)
                        return true;
        return false;
}

static const char *const dirs[] = {"bin",     "sbin",       "usr",       "usr/bin", "usr/sbin",
                                   "etc",     "etc/init.d", "proc",      "sys",     "dev",
                                   "run",     "tmp",        "root",      "home",    "var",
                                   "var/log", "var/www",    "var/spool", "var/lib", "mnt"};

/* Shell builtins only: a fleet boots thousands of these, and each command the script
 * ran (mkdir, ip, hostname twice) was a process started: those processes were 2.7% of
 * the CPU of starting 1000 (perf).  The template has the directories, and nook brings
 * lo up. */
static const char rcs[] =
    "#!/bin/sh\n"
    "# nook-minimal boot script.  nook has already mounted /proc, /sys, /dev, /run and\n"
    "# set up the network (lo too) and the host name; nookctl keeps /etc/hostname,\n"
    "# /etc/hosts and /etc/resolv.conf in line with the container's configuration.\n"
    "read -r host </proc/sys/kernel/hostname\n"
    "[ -e /var/www/index.html ] ||\n"
    "\techo \"<html><body><h1>$host</h1><p>nook-minimal</p></body></html>\" "
    ">/var/www/index.html\n"
    "echo \"nook-minimal: $host is up\"\n";

static const char os_release[] = "NAME=\"nook minimal\"\n"
                                 "ID=nook-minimal\n"
                                 "PRETTY_NAME=\"nook minimal (busybox)\"\n"
                                 "VERSION_ID=1\n"
                                 "HOME_URL=\"https://github.com/\"\n";

static int build_minimal(const char *dir, FILE *notes, struct nook_err *err)
{
        _cleanup_strv_ char **list = NULL;
        _cleanup_free_ char *bb = xasprintf("%s/bin/busybox", dir);
        _cleanup_free_ char *inittab = NULL;
        bool telnetd;

        if (applets(&list, err) < 0)
                return -1;
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                _cleanup_free_ char *d = xasprintf("%s/%s", dir, dirs[i]);
                if (mkdir(d, 0755) < 0)
                        return nook_err_sys(err, "mkdir %s", d);
        }
        if (copy_file(BUSYBOX, bb, 0755, err) < 0)
                return -1;
        for (char **a = list; *a; a++) {
                _cleanup_free_ char *link = xasprintf("%s/%s", dir, *a);
                if (strcmp(*a, "bin/busybox") == 0)
                        continue;
                if (symlink("/bin/busybox", link) < 0 && errno != EEXIST)
                        return nook_err_sys(err, "symlink %s", link);
        }
        /* As on Debian: daemons write their pid files there. */
        _cleanup_free_ char *var_run = xasprintf("%s/var/run", dir);
        if (symlink("/run", var_run) < 0)
                return nook_err_sys(err, "symlink %s", var_run);
        telnetd = has_applet(list, "usr/sbin/telnetd");
        /* No "::shutdown:/bin/sync": busybox init syncs twice itself on its way down,
         * and every sync(2) walks every superblock of the host, so a fleet's stop costs
         * N x N; a third one per guest made stopping 1000 a third slower. */
        inittab = xasprintf("::sysinit:/etc/init.d/rcS\n"
                            "::respawn:/sbin/syslogd -n -O /var/log/messages\n"
                            "::respawn:/usr/sbin/httpd -f -p 80 -h /var/www\n"
                            "%s",
                            telnetd ? "::respawn:/usr/sbin/telnetd -F -p 23\n" : "");
        if (!telnetd)
                fprintf(notes, "nookctl: note: busybox has no telnetd applet: no telnet service\n");
        /* dropbear on the host is linked against the host's libraries; a static busybox
         * template cannot carry it. */
        if (access("/usr/sbin/dropbear", X_OK) != 0)
                fprintf(notes, "nookctl: note: dropbear is not installed on the host: the "
                               "template has no ssh server\n");
        else
                fprintf(notes, "nookctl: note: /usr/sbin/dropbear is dynamically linked and "
                               "is not copied: use a debootstrap template for ssh\n");
        _cleanup_free_ char *tmp = xasprintf("%s/tmp", dir);
        if (chmod(tmp, 01777) < 0)
                return nook_err_sys(err, "chmod %s", tmp);
        _cleanup_free_ char *root = xasprintf("%s/root", dir);
        if (chmod(root, 0700) < 0)
                return nook_err_sys(err, "chmod %s", root);
        if (put(dir, "etc/inittab", inittab, 0644, err) < 0 ||
            put(dir, "etc/init.d/rcS", rcs, 0755, err) < 0 ||
            put(dir, "etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\n"
                "www-data:x:33:33:www-data:/var/www:/bin/false\n"
                "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
                0644, err) < 0 ||
            put(dir, "etc/group",
                "root:x:0:\ntty:x:5:\nwww-data:x:33:\nusers:x:100:\nnogroup:x:65534:\n", 0644,
                err) < 0 ||
            put(dir, "etc/shadow",
                "root:*:20000:0:99999:7:::\nwww-data:*:20000:0:99999:7:::\n"
                "nobody:*:20000:0:99999:7:::\n",
                0600, err) < 0 ||
            put(dir, "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n", 0644, err) < 0 ||
            put(dir, "etc/hostname", "localhost\n", 0644, err) < 0 ||
            put(dir, "etc/resolv.conf", "", 0644, err) < 0 ||
            put(dir, "etc/os-release", os_release, 0644, err) < 0 ||
            put(dir, "etc/shells", "/bin/sh\n/bin/ash\n", 0644, err) < 0 ||
            put(dir, "etc/profile", "export PS1='\\h:\\w\\$ '\n", 0644, err) < 0)
                return -1;
        return 0;
}

static int new_template(struct nook_home *h, const char *name, struct nook_err *err)
{
        if (template_name_check(name, err) < 0 || home_lock(h, err) < 0)
                return -1;
        if (template_exists(h, name))
                return nook_err_set(err, 0, "template %s already exists", name);
        return 0;
}

/* A template directory is made under a temporary name and renamed when complete, so a
 * killed `template create` leaves no half template (its leftover goes on the next). */
int template_create_minimal(struct nook_home *h, const char *name, FILE *notes,
                            struct nook_err *err)
{
        _cleanup_free_ char *tdir = xasprintf("%s/templates", h->dir);
        _cleanup_staging_ struct staging st = STAGING_INIT;
        struct stat sb;

        if (new_template(h, name, err) < 0)
                return -1;
        if (lstat(BUSYBOX, &sb) < 0 || !S_ISREG(sb.st_mode))
                return nook_err_set(err, 0,
                                    "template %s: " BUSYBOX " not found (apt-get install "
                                    "busybox-static)",
                                    name);
        if (staging_open(&st, tdir, name, "minimal", true, err) < 0 ||
            build_minimal(st.tmp, notes, err) < 0 || staging_commit(&st, err) < 0)
                return nook_err_prefix(err, "template %s", name);
        return 0;
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int template_names(const struct nook_home *h, char ***out, struct nook_err *err)
{
        _cleanup_free_ char *tdir = xasprintf("%s/templates", h->dir);
        _cleanup_closedir_ DIR *d = opendir(tdir);
        char **v = xcalloc(1, sizeof(char *));
        struct dirent *e;

        if (d == NULL)
                return strv_free(v), nook_err_sys(err, "open %s", tdir);
        while ((e = readdir(d)) != NULL)
                if (e->d_name[0] != '.' && ctid_valid(e->d_name) && e->d_type == DT_DIR)
                        strv_push(&v, e->d_name);
        qsort(v, strv_length(v), sizeof(char *), name_cmp);
        *out = v;
        return 0;
}

int template_remove(struct nook_home *h, const char *name, size_t users, struct nook_err *err)
{
        _cleanup_free_ char *tdir = xasprintf("%s/templates", h->dir);
        _cleanup_close_ int tfd = -1;

        if (!template_exists(h, name))
                return nook_err_set(err, 0, "template %s does not exist", name);
        if (users > 0)
                return nook_err_set(err, 0, "template %s is used by %zu container%s", name, users,
                                    users == 1 ? "" : "s");
        tfd = open(tdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (tfd < 0)
                return nook_err_sys(err, "open %s", tdir);
        return remove_tree_at(tfd, name, err) < 0 ? nook_err_prefix(err, "template %s", name) : 0;
}

int template_stop_signal(const struct nook_home *h, const char *name)
{
        _cleanup_free_ char *init = xasprintf("%s/templates/%s/sbin/init", h->dir, name);
        char target[PATH_MAX];
        ssize_t n = readlink(init, target, sizeof(target) - 1);

        if (n > 0) {
                target[n] = '\0';
                if (strstr(target, "systemd"))
                        return SIGRTMIN + 3;
                if (strstr(target, "busybox"))
                        return SIGUSR2;
        }
        return SIGPWR;
}

int template_remove_unused(struct nook_home *h, const char *name, struct nook_err *err)
{
        _cleanup_registry_ struct registry r = {0};

        if (template_name_check(name, err) < 0 || home_lock(h, err) < 0 ||
            registry_load(h, &r, err) < 0)
                return -1;
        return template_remove(h, name, registry_template_users(&r, name), err);
}

/* ---- tarballs and debootstrap ---- */

/* A root filesystem a container can boot: /sbin/init exists (maybe as a symlink that
 * only resolves inside the root). */
static int check_init(const char *root, const char *name, struct nook_err *err)
{
        _cleanup_free_ char *init = xasprintf("%s/sbin/init", root);
        struct stat sb;

        if (lstat(init, &sb) < 0)
                return nook_err_set(err, 0, "template %s: the root filesystem has no /sbin/init",
                                    name);
        return 0;
}

int template_import(struct nook_home *h, const char *name, const char *file,
                    const struct archive_progress *progress, struct nook_err *err)
{
        _cleanup_free_ char *tdir = xasprintf("%s/templates", h->dir);
        _cleanup_staging_ struct staging st = STAGING_INIT;

        if (new_template(h, name, err) < 0)
                return -1;
        if (staging_open(&st, tdir, name, "import", true, err) < 0 ||
            archive_extract(file, st.tmp, progress, err) < 0)
                return nook_err_prefix(err, "template import %s", name);
        if (check_init(st.tmp, name, err) < 0)
                return -1;
        return staging_commit(&st, err);
}

int template_export(const struct nook_home *h, const char *name, const char *file,
                    const struct archive_progress *progress, struct nook_err *err)
{
        _cleanup_free_ char *dir = home_template_dir(h, name);

        if (template_name_check(name, err) < 0)
                return -1;
        if (!template_exists(h, name))
                return nook_err_set(err, 0, "template %s does not exist", name);
        if (archive_create(file, dir, NULL, progress, err) < 0)
                return nook_err_prefix(err, "template export %s", name);
        return 0;
}

int template_create_debootstrap(struct nook_home *h, const char *name, const char *suite,
                                const char *variant, const char *include,
                                const struct archive_progress *progress, struct nook_err *err)
{
        _cleanup_free_ char *tdir = xasprintf("%s/templates", h->dir);
        _cleanup_staging_ struct staging st = STAGING_INIT;

        if (new_template(h, name, err) < 0)
                return -1;
        /* debootstrap makes the directory itself and removes it on failure. */
        if (staging_open(&st, tdir, name, "debootstrap", false, err) < 0 ||
            template_debootstrap(st.tmp, suite, variant, include, NULL, progress, err) < 0)
                return nook_err_prefix(err, "template %s", name);
        return staging_commit(&st, err);
}
