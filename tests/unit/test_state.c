/* runtime/state: the state file round trip, and the status derived from the live
 * process (pid plus start time, exec fifo) rather than stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/state.h"

struct fixture {
        char root[64];
};

static int setup(void **state)
{
        struct fixture *f = xcalloc(1, sizeof(*f));

        strcpy(f->root, "/tmp/nook-test-state-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        struct nook_err err;

        assert_int_equal(remove_tree_at(AT_FDCWD, f->root, &err), 0);
        free(f);
        return 0;
}

/* A state as create writes it once the init exists, for pid. */
static struct container_state *make_state(const char *root, const char *id, pid_t pid)
{
        struct container_state *st = xcalloc(1, sizeof(*st));
        struct nook_err err;

        assert_int_equal(state_dir_create(root, id, &st->dir, &err), 0);
        st->id = xstrdup(id);
        st->pid = pid;
        if (pid > 0)
                assert_int_equal(proc_start_time(pid, &st->pid_start), 0);
        st->bundle = xstrdup("/some/bundle");
        st->rootfs = xstrdup("/some/bundle/rootfs");
        st->cgroup_path = xstrdup("/nooktest/x");
        st->created = state_timestamp_now();
        st->n_annotations = 1;
        st->annotations = xcalloc(1, sizeof(*st->annotations));
        st->annotations[0].key = xstrdup("org.nook.test");
        st->annotations[0].value = xstrdup("va\"lue");
        assert_int_equal(state_write(st, &err), 0);
        return st;
}

static void test_round_trip(void **state)
{
        struct fixture *f = *state;
        _cleanup_state_ struct container_state *w = make_state(f->root, "c1", getpid());
        _cleanup_state_ struct container_state *r = NULL;
        struct nook_err err;

        assert_int_equal(state_read(f->root, "c1", &r, &err), 0);
        assert_int_equal(r->pid, getpid());
        assert_true(r->pid_start == w->pid_start);
        assert_string_equal(r->bundle, "/some/bundle");
        assert_string_equal(r->rootfs, "/some/bundle/rootfs");
        assert_string_equal(r->cgroup_path, "/nooktest/x");
        assert_string_equal(r->created, w->created);
        assert_int_equal(r->n_annotations, 1);
        assert_string_equal(r->annotations[0].value, "va\"lue");
}

static void test_duplicate_id_is_refused(void **state)
{
        struct fixture *f = *state;
        _cleanup_state_ struct container_state *w = make_state(f->root, "dup", getpid());
        _cleanup_free_ char *dir = NULL;
        struct nook_err err = {0};

        assert_non_null(w->dir);
        assert_true(state_dir_create(f->root, "dup", &dir, &err) < 0);
        assert_non_null(strstr(err.msg, "already exists"));
        assert_null(dir);
}

static void test_missing_container(void **state)
{
        struct fixture *f = *state;
        struct container_state *r = NULL;
        struct nook_err err = {0};

        assert_true(state_read(f->root, "nosuch", &r, &err) < 0);
        assert_string_equal(err.msg, "container nosuch does not exist");
}

static void test_live_pid_is_running_or_created(void **state)
{
        struct fixture *f = *state;
        _cleanup_state_ struct container_state *st = make_state(f->root, "live", getpid());
        _cleanup_free_ char *fifo = xasprintf("%s/%s", st->dir, EXEC_FIFO);

        assert_int_equal(state_status(st), CONTAINER_RUNNING);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        assert_int_equal(state_status(st), CONTAINER_CREATED);
}

static void test_reaped_pid_is_stopped(void **state)
{
        struct fixture *f = *state;
        pid_t child = fork();
        _cleanup_state_ struct container_state *st = NULL;

        if (child == 0)
                pause();
        st = make_state(f->root, "dead", child);
        assert_int_equal(state_status(st), CONTAINER_RUNNING);
        kill(child, SIGKILL);
        /* A zombie has exited even though its pid is still taken. */
        while (!proc_is_zombie(child))
                usleep(1000);
        assert_int_equal(state_status(st), CONTAINER_STOPPED);
        waitpid(child, NULL, 0);
        assert_int_equal(state_status(st), CONTAINER_STOPPED);
}

static void test_reused_pid_is_not_believed(void **state)
{
        struct fixture *f = *state;
        _cleanup_state_ struct container_state *st = make_state(f->root, "reuse", getpid());

        /* Same pid, other start time: the pid now names another process. */
        st->pid_start += 1;
        assert_int_equal(state_status(st), CONTAINER_STOPPED);
}

static void test_killed_create_reads_as_creating(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *dir = NULL;
        _cleanup_state_ struct container_state *r = NULL;
        struct nook_err err;

        /* create died after mkdir but before writing state.json */
        assert_int_equal(state_dir_create(f->root, "half", &dir, &err), 0);
        assert_int_equal(state_read(f->root, "half", &r, &err), 0);
        assert_int_equal(r->pid, 0);
        assert_int_equal(state_status(r), CONTAINER_CREATING);
        assert_int_equal(state_remove(r, &err), 0);
        assert_int_equal(access(dir, F_OK), -1);
}

/* Before the init exists the state goes to creating.json, so that no file is ever
 * replaced; the state read back (e.g. by delete --force after a killed create) still
 * names the cgroup, and state.json wins once written. */
static void test_creating_state_then_state(void **state)
{
        struct fixture *f = *state;
        _cleanup_state_ struct container_state *w = make_state(f->root, "early", 0);
        _cleanup_state_ struct container_state *r = NULL, *r2 = NULL;
        _cleanup_free_ char *creating = xasprintf("%s/%s", w->dir, STATE_FILE_CREATING);
        _cleanup_free_ char *final = xasprintf("%s/%s", w->dir, STATE_FILE);
        struct nook_err err;

        assert_int_equal(access(creating, F_OK), 0);
        assert_int_equal(access(final, F_OK), -1);
        assert_int_equal(state_read(f->root, "early", &r, &err), 0);
        assert_int_equal(r->pid, 0);
        assert_string_equal(r->cgroup_path, "/nooktest/x");
        assert_int_equal(state_status(r), CONTAINER_CREATING);

        w->pid = getpid();
        assert_int_equal(proc_start_time(w->pid, &w->pid_start), 0);
        assert_int_equal(state_write(w, &err), 0);
        assert_int_equal(state_read(f->root, "early", &r2, &err), 0);
        assert_int_equal(r2->pid, getpid());
        assert_int_equal(state_status(r2), CONTAINER_RUNNING);
        assert_int_equal(state_remove(r2, &err), 0);
        assert_int_equal(access(w->dir, F_OK), -1);
}

/* Which hook kinds the config has is kept, so start and delete skip parsing the
 * config copy when they have none to run; a state without the field means "unknown". */
static void test_hooks_mask(void **state)
{
        struct fixture *f = *state;
        _cleanup_state_ struct container_state *w = NULL;
        _cleanup_state_ struct container_state *r = NULL, *r2 = NULL;
        _cleanup_free_ char *path = NULL;
        struct nook_err err;

        w = make_state(f->root, "hooked", getpid());
        w->hooks = 1u << OCI_HOOK_POSTSTOP;
        assert_int_equal(state_write(w, &err), 0);
        assert_int_equal(state_read(f->root, "hooked", &r, &err), 0);
        assert_true(state_has_hooks(r, OCI_HOOK_POSTSTOP));
        assert_false(state_has_hooks(r, OCI_HOOK_POSTSTART));

        path = xasprintf("%s/%s", w->dir, STATE_FILE);
        assert_int_equal(write_file_atomic(path, "{\"pid\":1,\"pidStart\":1}", 22, 0600, &err), 0);
        assert_int_equal(state_read(f->root, "hooked", &r2, &err), 0);
        assert_true(state_has_hooks(r2, OCI_HOOK_POSTSTART));
        assert_true(state_has_hooks(r2, OCI_HOOK_POSTSTOP));
}

static void test_oci_json(void **state)
{
        struct fixture *f = *state;
        _cleanup_state_ struct container_state *st = make_state(f->root, "js", getpid());
        _cleanup_free_ char *running = state_oci_json(st, CONTAINER_RUNNING, false);
        _cleanup_free_ char *stopped = state_oci_json(st, CONTAINER_STOPPED, false);
        _cleanup_free_ char *pidtext = xasprintf("\"pid\":%d", (int)getpid());

        assert_non_null(strstr(running, "\"ociVersion\":\"1.2.0\""));
        assert_non_null(strstr(running, "\"id\":\"js\""));
        assert_non_null(strstr(running, "\"status\":\"running\""));
        assert_non_null(strstr(running, pidtext));
        assert_non_null(strstr(running, "\"bundle\":\"/some/bundle\""));
        assert_non_null(strstr(running, "\"org.nook.test\":\"va\\\"lue\""));
        /* A stopped container has no process to name. */
        assert_non_null(strstr(stopped, "\"pid\":0"));
}

static void test_list_ids_sorted(void **state)
{
        struct fixture *f = *state;
        _cleanup_state_ struct container_state *b = make_state(f->root, "b", getpid());
        _cleanup_state_ struct container_state *a = make_state(f->root, "a", getpid());
        _cleanup_strv_ char **ids = NULL;
        struct nook_err err;

        assert_int_equal(state_list_ids(f->root, &ids, &err), 0);
        assert_true(a->pid == b->pid);
        assert_int_equal(strv_length(ids), 2);
        assert_string_equal(ids[0], "a");
        assert_string_equal(ids[1], "b");
}

static void test_list_missing_root_is_empty(void **state)
{
        _cleanup_strv_ char **ids = NULL;
        struct nook_err err;

        (void)state;
        assert_int_equal(state_list_ids("/nonexistent/nook-root", &ids, &err), 0);
        assert_int_equal(strv_length(ids), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
            cmocka_unit_test_setup_teardown(test_duplicate_id_is_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(test_missing_container, setup, teardown),
            cmocka_unit_test_setup_teardown(test_live_pid_is_running_or_created, setup, teardown),
            cmocka_unit_test_setup_teardown(test_reaped_pid_is_stopped, setup, teardown),
            cmocka_unit_test_setup_teardown(test_reused_pid_is_not_believed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_killed_create_reads_as_creating, setup, teardown),
            cmocka_unit_test_setup_teardown(test_creating_state_then_state, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hooks_mask, setup, teardown),
            cmocka_unit_test_setup_teardown(test_oci_json, setup, teardown),
            cmocka_unit_test_setup_teardown(test_list_ids_sorted, setup, teardown),
            cmocka_unit_test(test_list_missing_root_is_empty),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
