#include "manager/passwd.h"

#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "rootfs/rootfs.h"

#define DB_MAX (4 << 20)

int passwd_parse(const char *arg, char **user, char **pass, struct nook_err *err)
{
        const char *colon = strchr(arg, ':');
        size_t ulen = colon ? (size_t)(colon - arg) : 0;

        if (colon == NULL || colon[1] == '\0')
                return nook_err_set(err, 0, "--userpasswd %s: expected USER:PASSWORD", arg);
        if (ulen == 0 || ulen > 32 || !(islower((unsigned char)arg[0]) || arg[0] == '_'))
                return nook_err_set(err, 0, "--userpasswd: invalid user name %.*s", (int)ulen, arg);
        for (size_t i = 1; i < ulen; i++)
                if (!islower((unsigned char)arg[i]) && !isdigit((unsigned char)arg[i]) &&
                    arg[i] != '_' && arg[i] != '-')
                        return nook_err_set(err, 0, "--userpasswd: invalid user name %.*s",
                                            (int)ulen, arg);
        if (strpbrk(colon + 1, "\n\r"))
                return nook_err_set(err, 0, "--userpasswd: the password holds a newline");
        *user = xstrndup(arg, ulen);
        *pass = xstrdup(colon + 1);
        return 0;
}

/* The line of db whose first field is name, or NULL; *len is its length. */
static const char *find_entry(const char *db, const char *name, size_t *len)
{
        size_t n = strlen(name);

        for (const char *l = db; *l;) {
                size_t ll = strcspn(l, "\n");
                if (ll > n && strncmp(l, name, n) == 0 && l[n] == ':') {
                        *len = ll;
                        return l;
                }
                l += ll;
                if (*l == '\n')
                        l++;
        }
        return NULL;
}

/* The smallest free id >= 1000 in the third field of passwd. */
static unsigned long next_uid(const char *db)
{
        unsigned long max = 999;

        for (const char *l = db; *l;) {
                const char *f = strchr(l, ':');
                f = f ? strchr(f + 1, ':') : NULL;
                size_t ll = strcspn(l, "\n");
                if (f && f < l + ll) {
                        unsigned long id = strtoul(f + 1, NULL, 10);
                        if (id > max && id < 60000)
                                max = id;
                }
                l += ll;
                if (*l == '\n')
                        l++;
        }
        return max + 1;
}

static char *appended(const char *db, const char *line)
{
        size_t n = strlen(db);

        return xasprintf("%s%s%s\n", db, n && db[n - 1] != '\n' ? "\n" : "", line);
}

static char *replaced(const char *db, const char *at, size_t len, const char *line)
{
        return xasprintf("%.*s%s%s", (int)(at - db), db, line, at + len);
}

static int read_db(const char *root, const char *path, char **out, struct nook_err *err)
{
        NOOK_ERR_ENSURE(err);
        if (rootfs_read_file_in(root, path, out, DB_MAX, err) == 0)
                return 0;
        if (err->errnum != ENOENT)
                return -1;
        *out = xstrdup("");
        return 0;
}

static int write_db(const char *root, const char *path, const char *text, mode_t mode,
                    struct nook_err *err)
{
        return rootfs_write_file_in(root, path, text, strlen(text), mode, err);
}

static int add_user(const char *root, const char *user, struct nook_err *err)
{
        _cleanup_free_ char *passwd = NULL, *group = NULL, *line = NULL, *gline = NULL;
        _cleanup_free_ char *newp = NULL, *newg = NULL, *profile = NULL;
        size_t len;
        unsigned long uid;

        if (read_db(root, "/etc/passwd", &passwd, err) < 0)
                return -1;
        if (find_entry(passwd, user, &len))
                return 0;
        if (read_db(root, "/etc/group", &group, err) < 0)
                return -1;
        uid = next_uid(passwd);
        line = xasprintf("%s:x:%lu:%lu::/home/%s:/bin/sh", user, uid, uid, user);
        newp = appended(passwd, line);
        if (!find_entry(group, user, &len)) {
                gline = xasprintf("%s:x:%lu:", user, uid);
                newg = appended(group, gline);
                if (write_db(root, "/etc/group", newg, 0644, err) < 0)
                        return -1;
        }
        profile = xasprintf("/home/%s/.profile", user);
        if (write_db(root, "/etc/passwd", newp, 0644, err) < 0 ||
            write_db(root, profile, "export PS1='\\u@\\h:\\w\\$ '\n", 0644, err) < 0)
                return -1;
        return 0;
}

int passwd_set(const char *root, const char *user, const char *pass, struct nook_err *err)
{
        _cleanup_free_ char *shadow = NULL, *line = NULL, *text = NULL;
        char salt[CRYPT_GENSALT_OUTPUT_SIZE];
        struct crypt_data *cd = NULL;
        const char *hash, *at;
        size_t len;

        if (add_user(root, user, err) < 0 || read_db(root, "/etc/shadow", &shadow, err) < 0)
                return nook_err_prefix(err, "set password of %s", user);
        /* NULL random bytes: libxcrypt draws them from the kernel. */
        if (crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
                return nook_err_sys(err, "set password of %s: crypt_gensalt", user);
        cd = xcalloc(1, sizeof(*cd));
        hash = crypt_r(pass, salt, cd);
        if (hash == NULL || hash[0] == '*') {
                free(cd);
                return nook_err_sys(err, "set password of %s: crypt", user);
        }
        line = xasprintf("%s:%s:%ld:0:99999:7:::", user, hash, (long)(time(NULL) / 86400));
        free(cd);
        at = find_entry(shadow, user, &len);
        text = at ? replaced(shadow, at, len, line) : appended(shadow, line);
        if (write_db(root, "/etc/shadow", text, 0600, err) < 0)
                return nook_err_prefix(err, "set password of %s", user);
        return 0;
}
