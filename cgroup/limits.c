/* Resource limits of a container's cgroup: which controller each setting needs, whether
 * the v2 hierarchy has it, enabling it down the tree, and writing the values. */
#include "cgroup/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

void cgroup_limits_set(struct cgroup_limits *l, const char *file, const char *fmt, ...)
{
        struct cgroup_setting *s;
        va_list ap;

        l->settings = xrealloc(l->settings, (l->n_settings + 1) * sizeof(*l->settings));
        s = &l->settings[l->n_settings++];
        s->file = xstrdup(file);
        va_start(ap, fmt);
        if (vasprintf(&s->value, fmt, ap) < 0)
                abort();
        va_end(ap);
}

void cgroup_limits_add_device(struct cgroup_limits *l, const struct cgroup_device_rule *rule)
{
        l->devices = xrealloc(l->devices, (l->n_devices + 1) * sizeof(*l->devices));
        l->devices[l->n_devices++] = *rule;
}

void cgroup_limits_clear(struct cgroup_limits *l)
{
        for (size_t i = 0; i < l->n_settings; i++) {
                free(l->settings[i].file);
                free(l->settings[i].value);
        }
        free(l->settings);
        free(l->devices);
        *l = (struct cgroup_limits){0};
}

uint64_t cgroup_cpu_weight_from_shares(uint64_t shares)
{
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_io_weight_from_blkio(uint64_t weight)
{
        if (weight < 10)
                weight = 10;
        if (weight > 1000)
                weight = 1000;
        return 1 + ((weight - 10) * 9999) / 990;
}

/* The controller of an interface file: "memory" of "memory.swap.max". */
static char *controller_of(const char *file)
{
        const char *dot = strchr(file, '.');

        return dot ? xstrndup(file, (size_t)(dot - file)) : xstrdup(file);
}

/* Whether the space-separated list contains word. */
static bool has_word(const char *list, const char *word)
{
        size_t n = strlen(word);

        for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
                if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
                    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
                        return true;
        return false;
}

/* The mount point of a cgroup v1 hierarchy that has controller bound (its super
 * options name it), or NULL. */
static char *v1_mount_of(const char *controller)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        if (f == NULL)
                return NULL;
        while (getline(&line, &cap, f) > 0) {
                char mnt[4096], opts[4096];
                const char *sep = strstr(line, " - cgroup ");

                /* Fields: id, parent, dev, root, mount point, ...; after " - ": type,
                 * source, super options. */
                if (sep == NULL || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
                    sscanf(sep, " - cgroup %*s %4095s", opts) != 1)
                        continue;
                for (char *o = strtok(opts, ","); o; o = strtok(NULL, ","))
                        if (strcmp(o, controller) == 0)
                                return xstrdup(mnt);
        }
        return NULL;
}

static int check_controller(const char *mnt, const char *available, const char *controller,
                            struct nook_err *err)
{
        _cleanup_free_ char *v1 = NULL;

        /* Files of the core ("cgroup.*") need no controller. */
        if (strcmp(controller, "cgroup") == 0 || has_word(available, controller))
                return 0;
        v1 = v1_mount_of(controller);
        if (v1)
                return nook_err_set(err, EOPNOTSUPP,
                                    "%s controller is not available in the cgroup v2 hierarchy "
                                    "at %s (bound to cgroup v1 at %s)",
                                    controller, mnt, v1);
        return nook_err_set(err, EOPNOTSUPP,
                            "%s controller is not available in the cgroup v2 hierarchy at %s",
                            controller, mnt);
}

int cgroup_check_limits(const struct cgroup_limits *l, struct nook_err *err)
{
        _cleanup_free_ char *file = NULL, *available = NULL;
        const char *mnt;

        if (l->n_settings == 0)
                return 0;
        if (cgroup_v2_mount(&mnt, err) < 0)
                return -1;
        file = xasprintf("%s/cgroup.controllers", mnt);
        if (read_file(file, &available, NULL, 0, err) < 0)
                return -1;
        for (size_t i = 0; i < l->n_settings; i++) {
                _cleanup_free_ char *c = controller_of(l->settings[i].file);

                if (check_controller(mnt, available, c, err) < 0)
                        return -1;
        }
        return 0;
}

/* Enables controller in dir's cgroup.subtree_control unless it is already on.  The
 * no-internal-process rule: a cgroup below the root with processes of its own cannot
 * hand controllers to its children, so refuse that plainly. */
static int enable_in(const char *dir, bool is_root, const char *controller, struct nook_err *err)
{
        _cleanup_free_ char *sub = xasprintf("%s/cgroup.subtree_control", dir);
        _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
        _cleanup_free_ char *on = NULL, *members = NULL, *value = NULL;

        if (read_file(sub, &on, NULL, 0, err) < 0)
                return -1;
        if (has_word(on, controller))
                return 0;
        if (!is_root) {
                if (read_file(procs, &members, NULL, 0, err) < 0)
                        return -1;
                if (members[0] != '\0')
                        return nook_err_set(err, EBUSY,
                                            "cannot enable the %s controller for the container: "
                                            "the ancestor cgroup %s has processes of its own",
                                            controller, dir);
        }
        value = xasprintf("+%s", controller);
        if (write_file_at(AT_FDCWD, sub, value, strlen(value), err) < 0)
                return nook_err_prefix(err, "enable the %s controller", controller);
        return 0;
}

/* Enables controller in the root and every ancestor of dir (not in dir itself). */
static int enable_down_to(const char *mnt, const char *dir, const char *controller,
                          struct nook_err *err)
{
        _cleanup_free_ char *cur = xstrdup(dir);
        size_t root_len = strlen(mnt);

        /* Parents first: each level can only offer what its parent enabled. */
        for (char *p = cur + root_len;; p++) {
                char c = *p;

                if (c != '/' && c != '\0')
                        continue;
                if (c == '\0')
                        break;
                *p = '\0';
                if (enable_in(cur, p == cur + root_len, controller, err) < 0)
                        return -1;
                *p = c;
        }
        return 0;
}

static int enable_controllers(const char *mnt, const char *dir, const struct cgroup_limits *l,
                              struct nook_err *err)
{
        _cleanup_strv_ char **done = NULL;

        for (size_t i = 0; i < l->n_settings; i++) {
                _cleanup_free_ char *c = controller_of(l->settings[i].file);
                bool seen = false;

                for (size_t k = 0; done && done[k]; k++)
                        seen = seen || strcmp(done[k], c) == 0;
                if (seen || strcmp(c, "cgroup") == 0)
                        continue;
                if (enable_down_to(mnt, dir, c, err) < 0)
                        return -1;
                strv_push(&done, c);
        }
        return 0;
}

static int apply(const char *path, const struct cgroup_limits *l, bool devices,
                 struct nook_err *err)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dirfd = -1;
        const char *mnt;

        if (cgroup_check_limits(l, err) < 0 || cgroup_v2_mount(&mnt, err) < 0 ||
            cgroup_directory(path, &dir, err) < 0)
                return -1;
        if (enable_controllers(mnt, dir, l, err) < 0)
                return -1;
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return nook_err_sys(err, "open %s", dir);
        for (size_t i = 0; i < l->n_settings; i++) {
                const struct cgroup_setting *s = &l->settings[i];

                if (write_file_at(dirfd, s->file, s->value, strlen(s->value), err) < 0)
                        return nook_err_prefix(err, "set %s to '%s' in %s", s->file, s->value, dir);
        }
        if (devices && l->n_devices > 0 &&
            cgroup_devices_attach(dirfd, l->devices, l->n_devices, NULL, err) < 0)
                return nook_err_prefix(err, "device rules of %s", dir);
        return 0;
}

int cgroup_apply_limits(const char *path, const struct cgroup_limits *l, struct nook_err *err)
{
        return apply(path, l, true, err);
}

int cgroup_apply_settings(const char *path, const struct cgroup_limits *l, struct nook_err *err)
{
        return apply(path, l, false, err);
}
