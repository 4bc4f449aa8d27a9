/* Operations on a running container's cgroup: pause and resume (the v2 freezer),
 * update of its limits, statistics (cgroup/stats.c reads them) and OOM events. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/internal.h"
#include "runtime/resources.h"
#include "cgroup/cgroup.h"
#include "common/json.h"

#define WANT(s) (1u << (s))

/* Loads a container that has a cgroup and is in one of the wanted states; refusals in
 * runc's words ("container not running", "container not paused"). */
static int load_live(const struct nook_runtime *rt, const char *id, const char *what,
                     unsigned wanted, struct container_state **out, struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;
        enum container_status status;

        if (container_load(rt, id, &st, err) < 0)
                return -1;
        if (st->cgroup_path == NULL)
                return nook_err_set(err, EOPNOTSUPP,
                                    "cannot %s container %s: it has no cgroup (created with "
                                    "--cgroup-manager disabled)",
                                    what, id);
        status = state_status(st);
        if (!(wanted & (1u << status)))
                return nook_err_set(err, 0, "cannot %s container %s: %s (it is %s)", what, id,
                                    wanted == WANT(CONTAINER_PAUSED) ? "container not paused"
                                                                     : "container not running",
                                    container_status_name(status));
        *out = TAKE_PTR(st);
        return 0;
}

int container_pause(const struct nook_runtime *rt, const char *id, struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;

        if (load_live(rt, id, "pause", WANT(CONTAINER_RUNNING) | WANT(CONTAINER_CREATED), &st,
                      err) < 0)
                return -1;
        return cgroup_freeze(st->cgroup_path, true, err);
}

int container_resume(const struct nook_runtime *rt, const char *id, struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;

        if (load_live(rt, id, "resume", WANT(CONTAINER_PAUSED), &st, err) < 0)
                return -1;
        return cgroup_freeze(st->cgroup_path, false, err);
}

int container_update(const struct nook_runtime *rt, const char *id, const struct oci_resources *r,
                     struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;
        _cleanup_config_ struct oci_config *config = NULL;
        _cleanup_(cgroup_limits_clear) struct cgroup_limits l = {0};

        if (load_live(rt, id, "update",
                      WANT(CONTAINER_RUNNING) | WANT(CONTAINER_CREATED) | WANT(CONTAINER_PAUSED),
                      &st, err) < 0)
                return -1;
        resources_settings(r, &l);
        /* New device rules replace the old program; the standard ones stay. */
        if (r->has_devices) {
                if (container_load_config(st, &config, err) < 0)
                        return -1;
                resources_device_rules(config, r, &l);
        }
        return cgroup_apply_limits(st->cgroup_path, &l, err);
}

/* A value: a number, or as a string ("max"). */
static void write_number(struct json_writer *w, const char *text)
{
        uint64_t n;

        if (parse_uint64(text, &n) == 0)
                json_w_uint(w, n);
        else
                json_w_string(w, text);
}

/* "key value" lines (memory.stat, cpu.stat, memory.events) as a JSON object. */
static void write_flat_keyed(struct json_writer *w, const struct cgroup_stat *v, size_t n)
{
        json_w_object_open(w);
        for (size_t i = 0; i < n; i++) {
                json_w_key(w, v[i].key);
                write_number(w, v[i].value);
        }
        json_w_object_close(w);
}

enum stat_kind { SINGLE, FLAT_KEYED, LINES };

/* Writes "key": <file> when the cgroup has the file (its controller is enabled). */
static void write_stat(struct json_writer *w, const char *cgroup_path, const char *key,
                       const char *file, enum stat_kind kind)
{
        _cleanup_free_ char *text = NULL;

        if (kind == FLAT_KEYED) {
                struct cgroup_stat *v;
                size_t n;

                if (cgroup_read_keyed(cgroup_path, file, &v, &n, NULL) < 0)
                        return;
                json_w_key(w, key);
                write_flat_keyed(w, v, n);
                cgroup_stats_free(v, n);
                return;
        }
        if (cgroup_read(cgroup_path, file, &text, NULL) < 0)
                return;
        json_w_key(w, key);
        if (kind == SINGLE) {
                text[strcspn(text, "\n")] = '\0';
                write_number(w, text);
        } else {
                char *save = NULL;

                json_w_array_open(w);
                for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                        json_w_string(w, l);
                json_w_array_close(w);
        }
}

/* {"type":"stats","id":ID,"data":{...}}, runc's event, from the cgroup's files. */
static char *stats_json(const char *id, const char *cg)
{
        _cleanup_json_writer_ struct json_writer *w = json_writer_new(false);

        json_w_object_open(w);
        json_w_kv_string(w, "type", "stats");
        json_w_kv_string(w, "id", id);
        json_w_key(w, "data");
        json_w_object_open(w);
        json_w_key(w, "memory");
        json_w_object_open(w);
        write_stat(w, cg, "current", "memory.current", SINGLE);
        write_stat(w, cg, "max", "memory.max", SINGLE);
        write_stat(w, cg, "swap_current", "memory.swap.current", SINGLE);
        write_stat(w, cg, "stat", "memory.stat", FLAT_KEYED);
        write_stat(w, cg, "events", "memory.events", FLAT_KEYED);
        json_w_object_close(w);
        json_w_key(w, "cpu");
        json_w_object_open(w);
        write_stat(w, cg, "stat", "cpu.stat", FLAT_KEYED);
        write_stat(w, cg, "max", "cpu.max", LINES);
        json_w_object_close(w);
        json_w_key(w, "pids");
        json_w_object_open(w);
        write_stat(w, cg, "current", "pids.current", SINGLE);
        write_stat(w, cg, "max", "pids.max", SINGLE);
        json_w_object_close(w);
        json_w_key(w, "io");
        json_w_object_open(w);
        write_stat(w, cg, "stat", "io.stat", LINES);
        json_w_object_close(w);
        json_w_object_close(w);
        json_w_object_close(w);
        return xstrdup(json_writer_text(w, NULL));
}

int container_stats_json(const struct nook_runtime *rt, const char *id, char **json,
                         struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;

        if (load_live(rt, id, "read the statistics of",
                      WANT(CONTAINER_RUNNING) | WANT(CONTAINER_CREATED) | WANT(CONTAINER_PAUSED),
                      &st, err) < 0)
                return -1;
        *json = stats_json(id, st->cgroup_path);
        return 0;
}

/* The oom_kill counter of memory.events (0 when the file is missing). */
static uint64_t oom_kills(const char *cgroup_path)
{
        uint64_t n = 0;

        return cgroup_read_u64(cgroup_path, "memory.events", "oom_kill", &n, NULL) < 0 ? 0 : n;
}

int container_events(const struct nook_runtime *rt, const char *id, int interval_ms,
                     void (*emit)(const char *json, void *ctx), void *ctx, struct nook_err *err)
{
        _cleanup_state_ struct container_state *st = NULL;
        _cleanup_free_ char *dir = NULL, *events = NULL;
        _cleanup_close_ int ino = -1, pidfd = -1;
        uint64_t seen;
        int64_t next_stats;

        if (load_live(rt, id, "watch the events of",
                      WANT(CONTAINER_RUNNING) | WANT(CONTAINER_CREATED) | WANT(CONTAINER_PAUSED),
                      &st, err) < 0 ||
            container_open_pidfd(st, &pidfd, err) < 0 ||
            cgroup_directory(st->cgroup_path, &dir, err) < 0)
                return -1;
        events = xasprintf("%s/memory.events", dir);
        ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (ino < 0)
                return nook_err_sys(err, "inotify_init1");
        /* Without the memory controller there is no OOM to report: wait for the end. */
        if (inotify_add_watch(ino, events, IN_MODIFY) < 0 && errno != ENOENT)
                return nook_err_sys(err, "watch %s", events);
        seen = oom_kills(st->cgroup_path);
        next_stats = (int64_t)now_ms() + interval_ms;
        for (;;) {
                struct pollfd p[2] = {{.fd = ino, .events = POLLIN},
                                      {.fd = pidfd, .events = POLLIN}};
                char buf[4096];
                uint64_t now;

                int64_t left = next_stats - (int64_t)now_ms();
                int ready = poll(p, 2, interval_ms <= 0 ? -1 : left > 0 ? (int)left : 0);

                if (ready < 0 && errno == EINTR)
                        continue;
                if (ready < 0)
                        return nook_err_sys(err, "poll");
                if (ready == 0) {
                        _cleanup_free_ char *json = stats_json(id, st->cgroup_path);

                        emit(json, ctx);
                        next_stats += interval_ms;
                        continue;
                }
                while (read(ino, buf, sizeof(buf)) > 0)
                        ;
                now = oom_kills(st->cgroup_path);
                for (; seen < now; seen++) {
                        _cleanup_json_writer_ struct json_writer *w = json_writer_new(false);

                        json_w_object_open(w);
                        json_w_kv_string(w, "type", "oom");
                        json_w_kv_string(w, "id", id);
                        json_w_object_close(w);
                        emit(json_writer_text(w, NULL), ctx);
                }
                if (p[1].revents & (POLLIN | POLLHUP))
                        return 0;
        }
}
