/* libFuzzer target: oci_process_parse, the parser of `nook exec --process FILE`, on
 * arbitrary bytes (as a NUL-terminated copy, as read_file gives it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "oci/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = xmalloc(size + 1);
        struct oci_process *process = NULL;
        struct nook_err err;

        memcpy(text, data, size);
        text[size] = '\0';
        if (oci_process_parse(text, &process, &err) == 0)
                oci_process_free(process);
        free(text);
        return 0;
}
