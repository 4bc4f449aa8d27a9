/* libFuzzer target: the state.json parser, through state_read() as every command uses it:
 * the input is written as <root>/c/state.json of a temporary root (under $TMPDIR), which
 * is removed at exit. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "runtime/state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *root, *state_file;

static void remove_root(void)
{
        struct nook_err err;

        if (root != NULL && remove_tree_at(AT_FDCWD, root, &err) < 0)
                fprintf(stderr, "fuzz_state: cannot remove %s\n", root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        const char *tmp = getenv("TMPDIR");
        char *dir;

        (void)argc;
        (void)argv;
        root = xasprintf("%s/nook-fuzz-state.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(root) == NULL) {
                perror("fuzz_state: mkdtemp");
                exit(1);
        }
        atexit(remove_root);
        dir = xasprintf("%s/c", root);
        if (mkdir(dir, 0700) < 0) {
                perror("fuzz_state: mkdir");
                exit(1);
        }
        state_file = xasprintf("%s/%s", dir, STATE_FILE);
        free(dir);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct container_state *st = NULL;
        struct nook_err err;
        int fd = open(state_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0 || write_all(fd, data, size) < 0) {
                perror("fuzz_state: write the state file");
                abort();
        }
        close(fd);
        if (state_read(root, "c", &st, &err) == 0)
                container_state_free(st);
        return 0;
}
