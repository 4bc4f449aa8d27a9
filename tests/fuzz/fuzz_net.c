/* libFuzzer target: net_config_parse, the parser of the org.nook.net.<ifname>
 * annotations, which come from outside (config.json).  The input is lines of
 * "IFNAME=VALUE", each one annotation; a parsed config is also checked for collisions
 * against itself, which walks every address, name and port it holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "net/net.h"
#include "runtime/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
                const struct net_config *others[] = {cfg};
                (void)net_check_collisions(cfg, others, 1, &err);
                net_config_free(cfg);
        }
        for (size_t i = 0; i < n; i++)
                free(ann[i].key);
        free(text);
        return 0;
}
