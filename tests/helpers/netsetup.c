/* netsetup: drives net/ for tests/integration/net.sh, without the container lifecycle.
 *
 *   netsetup setup ID NETNS_PATH ANNOTATION...
 *   netsetup teardown ID ANNOTATION...
 *   netsetup parse ID ANNOTATION...
 *   netsetup check ID ANNOTATION... [--other ID ANNOTATION...]...
 *
 * An ANNOTATION is KEY=VALUE, split at the first '=' (org.nook.net.eth0=bridge=br0,...).
 * setup and teardown print "setup_us=N" / "teardown_us=N", the time net_setup or
 * net_teardown took; parse prints "NAME HOST" per interface; check makes the --other
 * containers' network claims and then ID's (net_claim, in a scratch directory).
 * Errors: "netsetup: <error>" on stderr and exit status 1. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "net/net.h"
#include "oci/oci.h"

/* Every container named on the command line is alive. */
static bool owner_alive(const char *id, void *data)
{
        return true;
}

static void usage(void)
{
        fprintf(stderr, "usage: netsetup setup ID NETNS_PATH ANNOTATION...\n"
                        "       netsetup teardown ID ANNOTATION...\n"
                        "       netsetup parse ID ANNOTATION...\n"
                        "       netsetup check ID ANNOTATION... [--other ID ANNOTATION...]...\n");
        exit(2);
}

static int die(const struct nook_err *err)
{
        char buf[NOOK_ERR_MSG_MAX + 256];

        fprintf(stderr, "netsetup: %s\n", nook_err_format(err, buf, sizeof(buf)));
        return 1;
}

static uint64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Parses argv[0..n) (stopping at "--other") as annotations of container id. */
static int parse(const char *id, char **argv, int n, int *used, struct net_config **cfg,
                 struct nook_err *err)
{
        struct oci_kv *kv = xcalloc((size_t)n + 1, sizeof(*kv));
        size_t k = 0;
        int i, r;

        for (i = 0; i < n && strcmp(argv[i], "--other") != 0; i++) {
                char *eq = strchr(argv[i], '=');

                if (!eq)
                        usage();
                kv[k].key = xstrndup(argv[i], (size_t)(eq - argv[i]));
                kv[k++].value = xstrdup(eq + 1);
        }
        *used = i;
        r = net_config_parse(kv, k, id, cfg, err);
        for (size_t j = 0; j < k; j++) {
                free(kv[j].key);
                free(kv[j].value);
        }
        free(kv);
        return r;
}

int main(int argc, char **argv)
{
        _cleanup_(net_config_freep) struct net_config *cfg = NULL;
        struct nook_err err = {0};
        const char *cmd, *id;
        uint64_t t0;
        int used;

        if (argc < 3)
                usage();
        cmd = argv[1];
        id = argv[2];
        if (strcmp(cmd, "setup") == 0) {
                _cleanup_close_ int fd = -1;

                if (argc < 4)
                        usage();
                fd = open(argv[3], O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        nook_err_sys(&err, "open %s", argv[3]);
                        return die(&err);
                }
                if (parse(id, argv + 4, argc - 4, &used, &cfg, &err) < 0)
                        return die(&err);
                t0 = now_us();
                if (net_setup(cfg, id, fd, &err) < 0)
                        return die(&err);
                printf("setup_us=%llu\n", (unsigned long long)(now_us() - t0));
                return 0;
        }
        if (parse(id, argv + 3, argc - 3, &used, &cfg, &err) < 0)
                return die(&err);
        if (strcmp(cmd, "teardown") == 0) {
                t0 = now_us();
                if (net_teardown(cfg, id, &err) < 0)
                        return die(&err);
                printf("teardown_us=%llu\n", (unsigned long long)(now_us() - t0));
                return 0;
        }
        if (strcmp(cmd, "parse") == 0) {
                for (size_t i = 0; cfg && i < cfg->n_ifaces; i++)
                        printf("%s %s\n", cfg->ifaces[i].name, cfg->ifaces[i].host);
                return 0;
        }
        if (strcmp(cmd, "check") == 0) {
                /* The others claim first, in a scratch directory; then ours. */
                char dir[] = "/tmp/netsetup-claims-XXXXXX";
                struct nook_err ignored;
                _cleanup_close_ int dfd = -1;
                struct net_config *others[64];
                size_t n = 0;
                int i = 3 + used, r = 0;

                if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0) {
                        perror("netsetup: claims directory");
                        return 1;
                }
                while (i < argc && n < ARRAY_SIZE(others)) {
                        if (strcmp(argv[i], "--other") != 0 || i + 1 >= argc)
                                usage();
                        if (parse(argv[i + 1], argv + i + 2, argc - i - 2, &used, &others[n],
                                  &err) < 0)
                                return die(&err);
                        n++;
                        i += 2 + used;
                }
                for (size_t j = 0; j < n && r == 0; j++)
                        r = net_claim(others[j], dfd, owner_alive, NULL, &err);
                if (r == 0)
                        r = net_claim(cfg, dfd, owner_alive, NULL, &err);
                for (size_t j = 0; j < n; j++)
                        net_config_free(others[j]);
                if (remove_tree_at(AT_FDCWD, dir, &ignored) < 0)
                        fprintf(stderr, "netsetup: %s\n", ignored.msg);
                return r < 0 ? die(&err) : 0;
        }
        usage();
        return 2;
}
