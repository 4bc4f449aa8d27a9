/* The commands of `nook`: each parses its own options and calls the library. */
#ifndef NOOK_CLI_COMMANDS_H
#define NOOK_CLI_COMMANDS_H

#include "runtime/container.h"

struct command {
        const char *name;
        int (*run)(const struct nook_runtime *rt, int argc, char **argv);
        const char *summary;
};

extern const struct command nook_commands[];

#endif
