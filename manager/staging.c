#include "manager/staging.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

void staging_done(struct staging *s)
{
        if (s->tmp_name && s->parent_fd >= 0)
                remove_tree_at(s->parent_fd, s->tmp_name, NULL);
        closep(&s->parent_fd);
        free(s->tmp_name);
        free(s->tmp);
        free(s->final);
        *s = (struct staging){.parent_fd = -1};
}

int staging_open(struct staging *s, const char *parent, const char *name, const char *what,
                 bool make, struct nook_err *err)
{
        *s = (struct staging){.parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
        if (s->parent_fd < 0)
                return nook_err_sys(err, "open %s", parent);
        s->tmp_name = xasprintf(".%s.%s", name, what);
        s->tmp = xasprintf("%s/%s", parent, s->tmp_name);
        s->final = xasprintf("%s/%s", parent, name);
        if (remove_tree_at(s->parent_fd, s->tmp_name, err) < 0)
                return -1;
        if (make && mkdir(s->tmp, 0755) < 0)
                return nook_err_sys(err, "mkdir %s", s->tmp);
        return 0;
}

int staging_commit(struct staging *s, struct nook_err *err)
{
        if (rename(s->tmp, s->final) < 0)
                return nook_err_sys(err, "rename %s to %s", s->tmp, s->final);
        free(TAKE_PTR(s->tmp_name));
        return 0;
}
