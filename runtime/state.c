#include "runtime/state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "cgroup/cgroup.h"
#include "common/util.h"
#include "common/json.h"

#define OCI_VERSION "1.2.0"

const char *container_status_name(enum container_status s)
{
        static const char *const names[] = {"creating", "created", "running", "stopped", "paused"};
        return names[s];
}

void container_state_free(struct container_state *st)
{
        free(st->dir);
        free(st->id);
        free(st->bundle);
        free(st->rootfs);
        free(st->cgroup_path);
        free(st->created);
        free(st->notify_socket);
        for (size_t i = 0; i < st->n_annotations; i++) {
                free(st->annotations[i].key);
                free(st->annotations[i].value);
        }
        free(st->annotations);
        free(st);
}

int state_dir_create(const char *root, const char *id, char **dir_out, struct nook_err *err)
{
        _cleanup_free_ char *dir = xasprintf("%s/%s", root, id);

        int r = mkdir(dir, 0700);

        /* The root is made on first use; the common case costs one mkdir. */
        if (r < 0 && errno == ENOENT) {
                if (mkdir_p(root, 0711, err) < 0)
                        return -1;
                r = mkdir(dir, 0700);
        }
        if (r < 0 && errno == EEXIST)
                return nook_err_set(err, 0, "container %s already exists", id);
        if (r < 0)
                return nook_err_sys(err, "mkdir %s", dir);
        *dir_out = TAKE_PTR(dir);
        return 0;
}

static void write_annotations(struct json_writer *w, const struct container_state *st)
{
        json_w_key(w, "annotations");
        json_w_object_open(w);
        for (size_t i = 0; i < st->n_annotations; i++)
                json_w_kv_string(w, st->annotations[i].key, st->annotations[i].value);
        json_w_object_close(w);
}

int state_write_config(const struct container_state *st, char *text, size_t len,
                       struct nook_err *err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", st->dir, CONFIG_COPY);

        return write_file_atomic(path, text, json_minify(text, len), 0600, err);
}

int state_write(const struct container_state *st, struct nook_err *err)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(false);
        _cleanup_free_ char *path =
            xasprintf("%s/%s", st->dir, st->pid > 0 ? STATE_FILE : STATE_FILE_CREATING);
        const char *text;
        size_t len;

        json_w_object_open(w);
        json_w_kv_string(w, "id", st->id);
        json_w_kv_int(w, "pid", st->pid);
        json_w_key(w, "pidStart");
        json_w_uint(w, st->pid_start);
        json_w_kv_string(w, "bundle", st->bundle);
        json_w_kv_string(w, "rootfs", st->rootfs);
        json_w_kv_string(w, "cgroupPath", st->cgroup_path);
        json_w_kv_bool(w, "cgroupDefault", st->cgroup_default);
        if (st->host_mounts)
                json_w_kv_bool(w, "hostMounts", true);
        if (st->notify_socket)
                json_w_kv_string(w, "notifySocket", st->notify_socket);
        json_w_kv_string(w, "created", st->created);
        write_annotations(w, st);
        json_w_key(w, "hooks");
        json_w_array_open(w);
        for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
                if (state_has_hooks(st, (enum oci_hook_kind)k))
                        json_w_string(w, oci_hook_kind_names[k]);
        json_w_array_close(w);
        json_w_object_close(w);
        text = json_writer_text(w, &len);
        if (write_file_atomic(path, text, len, 0600, err) < 0)
                return -1;
        /* Readers take state.json first: creating.json is dead weight from here on (a
         * page of /run's tmpfs per container). */
        if (st->pid > 0) {
                _cleanup_free_ char *creating = xasprintf("%s/%s", st->dir, STATE_FILE_CREATING);
                (void)unlink(creating);
        }
        return 0;
}

static int opt_string(json_val doc, const char *key, char **out, struct nook_err *err)
{
        json_val v = json_get(doc, key);

        if (json_is_null(v))
                return 0;
        return json_as_string(v, key, out, err);
}

static int parse_hooks(json_val v, unsigned *hooks, struct nook_err *err)
{
        if (json_is_null(v)) {
                *hooks = STATE_HOOKS_UNKNOWN;
                return 0;
        }
        if (json_expect_array(v, "hooks", err) < 0)
                return -1;
        *hooks = 0;
        for (size_t i = 0; i < json_array_len(v); i++) {
                _cleanup_free_ char *name = NULL;

                if (json_as_string(json_array_get(v, i), "hooks", &name, err) < 0)
                        return -1;
                for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
                        if (strcmp(name, oci_hook_kind_names[k]) == 0)
                                *hooks |= 1u << k;
        }
        return 0;
}

static int parse_state(struct container_state *st, const char *text, struct nook_err *err)
{
        _cleanup_json_ json_val doc = NULL;
        json_val v, ann;
        uint64_t u;

        if (json_parse(text, &doc, err) < 0 || json_expect_object(doc, "state", err) < 0)
                return -1;
        if (json_as_uint64(json_get(doc, "pid"), "pid", INT32_MAX, &u, err) < 0)
                return -1;
        st->pid = (pid_t)u;
        if (json_as_uint64(json_get(doc, "pidStart"), "pidStart", UINT64_MAX, &st->pid_start, err) <
            0)
                return -1;
        if (opt_string(doc, "bundle", &st->bundle, err) < 0 ||
            opt_string(doc, "rootfs", &st->rootfs, err) < 0 ||
            opt_string(doc, "cgroupPath", &st->cgroup_path, err) < 0 ||
            opt_string(doc, "created", &st->created, err) < 0 ||
            opt_string(doc, "notifySocket", &st->notify_socket, err) < 0)
                return -1;
        v = json_get(doc, "cgroupDefault");
        if (!json_is_null(v) && json_as_bool(v, "cgroupDefault", &st->cgroup_default, err) < 0)
                return -1;
        v = json_get(doc, "hostMounts");
        if (!json_is_null(v) && json_as_bool(v, "hostMounts", &st->host_mounts, err) < 0)
                return -1;
        if (parse_hooks(json_get(doc, "hooks"), &st->hooks, err) < 0)
                return -1;
        ann = json_get(doc, "annotations");
        st->n_annotations = json_object_len(ann);
        st->annotations = xcalloc(st->n_annotations, sizeof(*st->annotations));
        for (size_t i = 0; i < st->n_annotations; i++) {
                st->annotations[i].key = xstrdup(json_object_key(ann, i));
                if (json_as_string(json_object_value(ann, i), "annotations",
                                   &st->annotations[i].value, err) < 0)
                        return -1;
        }
        return 0;
}

int state_read(const char *root, const char *id, struct container_state **out, struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = xcalloc(1, sizeof(*st));
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ char *path = NULL;
        struct nook_err ferr;
        struct stat sb;

        st->id = xstrdup(id);
        st->dir = xasprintf("%s/%s", root, id);
        if (stat(st->dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
                return nook_err_set(err, 0, "container %s does not exist", id);
        /* state.json once the init exists, creating.json before. */
        for (int i = 0; i < 2 && text == NULL; i++) {
                free(path);
                path = xasprintf("%s/%s", st->dir, i == 0 ? STATE_FILE : STATE_FILE_CREATING);
                if (read_file(path, &text, NULL, 1 << 20, &ferr) < 0 && ferr.errnum != ENOENT) {
                        if (err)
                                *err = ferr;
                        return -1;
                }
        }
        if (text == NULL) {
                /* create was killed before it wrote anything: only the directory
                 * exists, and delete --force must still be able to remove it. */
                st->hooks = STATE_HOOKS_UNKNOWN;
                *out = TAKE_PTR(st);
                return 0;
        }
        if (parse_state(st, text, err) < 0)
                return nook_err_prefix(err, "state of container %s", id);
        *out = TAKE_PTR(st);
        return 0;
}

enum container_status state_status(const struct container_state *st)
{
        _cleanup_free_ char *fifo = NULL;
        uint64_t start;

        if (st->pid <= 0)
                return CONTAINER_CREATING;
        if (proc_start_time(st->pid, &start) < 0 || start != st->pid_start)
                return CONTAINER_STOPPED;
        /* A zombie init has exited even though its pid is still taken. */
        if (proc_is_zombie(st->pid))
                return CONTAINER_STOPPED;
        fifo = xasprintf("%s/%s", st->dir, EXEC_FIFO);
        if (access(fifo, F_OK) == 0)
                return CONTAINER_CREATED;
        if (st->cgroup_path && cgroup_is_frozen(st->cgroup_path))
                return CONTAINER_PAUSED;
        return CONTAINER_RUNNING;
}

char *state_oci_json(const struct container_state *st, enum container_status status, bool pretty)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(pretty);
        /* Hooks during create already need the pid; a stopped container has none. */
        bool has_pid = status != CONTAINER_STOPPED && st->pid > 0;

        json_w_object_open(w);
        json_w_kv_string(w, "ociVersion", OCI_VERSION);
        json_w_kv_string(w, "id", st->id);
        json_w_kv_string(w, "status", container_status_name(status));
        json_w_kv_int(w, "pid", has_pid ? st->pid : 0);
        json_w_kv_string(w, "bundle", st->bundle ? st->bundle : "");
        json_w_kv_string(w, "rootfs", st->rootfs ? st->rootfs : "");
        json_w_kv_string(w, "created", st->created ? st->created : "");
        json_w_kv_string(w, "owner", "root");
        write_annotations(w, st);
        json_w_object_close(w);
        return xstrdup(json_writer_text(w, NULL));
}

int state_remove(const struct container_state *st, struct nook_err *err)
{
        return remove_tree_at(AT_FDCWD, st->dir, err);
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list_ids(const char *root, char ***ids, struct nook_err *err)
{
        _cleanup_closedir_ DIR *d = opendir(root);
        _cleanup_strv_ char **v = xcalloc(1, sizeof(char *));
        struct dirent *de;

        if (d == NULL) {
                if (errno == ENOENT) {
                        *ids = TAKE_PTR(v);
                        return 0;
                }
                return nook_err_sys(err, "open %s", root);
        }
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.')
                        continue;
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                strv_push(&v, de->d_name);
        }
        qsort(v, strv_length(v), sizeof(char *), compare_strings);
        *ids = TAKE_PTR(v);
        return 0;
}

char *state_timestamp_now(void)
{
        struct timespec ts;
        struct tm tm;
        char buf[64];

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

bool state_exists(const char *root, const char *id)
{
        _cleanup_free_ char *dir = xasprintf("%s/%s", root, id);
        struct stat sb;

        return lstat(dir, &sb) == 0;
}
