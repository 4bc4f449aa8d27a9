/* libFuzzer target: oci_config_parse, the parser of config.json, on arbitrary bytes.
 * The runtime always hands it a NUL-terminated buffer (read_file), so the input is
 * copied into one; bytes after an embedded NUL are not seen, as in the runtime. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "oci/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = xmalloc(size + 1);
        struct oci_config *config = NULL;
        struct nook_err err;

        memcpy(text, data, size);
        text[size] = '\0';
        if (oci_config_parse(text, &config, &err) == 0)
                oci_config_free(config);
        free(text);
        return 0;
}
