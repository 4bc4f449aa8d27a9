/* Runs template_debootstrap() for tests/integration/archive.sh, until nookctl's
 * `template create --debootstrap` can.
 *
 * usage: template-debootstrap DIR SUITE [VARIANT [INCLUDE [MIRROR]]]  ("-" = default)
 * Prints "progress N/1000" when the per mille changes; errors go to stderr. */
#include <stdio.h>
#include <string.h>

#include "manager/debootstrap.h"

static void print_progress(void *data, uint64_t done, uint64_t total)
{
        (void)data;
        printf("progress %llu/%llu\n", (unsigned long long)done, (unsigned long long)total);
        fflush(stdout);
}

static const char *arg(int argc, char **argv, int i)
{
        return i < argc && strcmp(argv[i], "-") != 0 ? argv[i] : NULL;
}

int main(int argc, char **argv)
{
        struct archive_progress progress = {print_progress, NULL};
        struct nook_err err = {0};
        char buf[NOOK_ERR_MSG_MAX + 256];

        if (argc < 3 || argc > 6) {
                fprintf(stderr, "usage: %s DIR SUITE [VARIANT [INCLUDE [MIRROR]]]\n", argv[0]);
                return 2;
        }
        if (template_debootstrap(argv[1], argv[2], arg(argc, argv, 3), arg(argc, argv, 4),
                                 arg(argc, argv, 5), &progress, &err) < 0) {
                fprintf(stderr, "template-debootstrap: %s\n",
                        nook_err_format(&err, buf, sizeof(buf)));
                return 1;
        }
        return 0;
}
