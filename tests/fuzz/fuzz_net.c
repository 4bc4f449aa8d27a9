/* libFuzzer target: net_config_parse, the parser of the org.nook.net.<ifname>
 * annotations, which come from outside (config.json).  The input is lines of
 * "IFNAME=VALUE", each one annotation.  A parsed config also makes and gives back its
 * network claims (net_claim) in a scratch directory, which names a file after every
 * address, host-side name and port it holds: nothing may be left, nor land outside. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "net/net.h"
#include "oci/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool alive(const char *id, void *data)
{
        return true;
}

static char path[256];

static void remove_claims_dir(void)
{
        rmdir(path);
}

/* The scratch directory, made once per process under $TMPDIR; removed at exit. */
static int claims_dir(void)
{
        static int fd = -1;

        if (fd < 0) {
                const char *tmp = getenv("TMPDIR");

                snprintf(path, sizeof(path), "%s/fuzz-claims-XXXXXX", tmp ? tmp : "/tmp");
                if (mkdtemp(path) == NULL || (fd = open(path, O_RDONLY | O_DIRECTORY)) < 0)
                        abort();
                atexit(remove_claims_dir);
        }
        return fd;
}

static bool dir_is_empty(int fd)
{
        DIR *d = fdopendir(dup(fd));
        struct dirent *de;
        bool empty = true;

        if (d == NULL)
                abort();
        while ((de = readdir(d)) != NULL)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        empty = false;
        closedir(d);
        return empty;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = xmalloc(size + 1);
        struct oci_kv ann[8];
        struct net_config *cfg = NULL;
        struct nook_err err;
        size_t n = 0;
        char *save = NULL;

        memcpy(text, data, size);
        text[size] = '\0';
        for (char *line = strtok_r(text, "\n", &save); line && n < 8;
             line = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(line, '=');

                if (eq == NULL)
                        continue;
                *eq = '\0';
                ann[n].key = xasprintf("org.nook.net.%s", line);
                ann[n].value = eq + 1;
                n++;
        }
        if (net_config_parse(ann, n, "fuzz", &cfg, &err) == 0 && cfg != NULL) {
                int fd = claims_dir();

                if (net_claim(cfg, fd, alive, NULL, &err) == 0)
                        net_unclaim(cfg, fd);
                if (!dir_is_empty(fd))
                        abort();
                net_config_free(cfg);
        }
        for (size_t i = 0; i < n; i++)
                free(ann[i].key);
        free(text);
        return 0;
}
