/* device-progs CGROUP_DIR: prints the ids of the device programs (BPF_CGROUP_DEVICE)
 * attached to the cgroup directory itself, one a line; for tests that check which
 * containers share one. */
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        uint32_t ids[64];
        union bpf_attr attr;
        int fd;

        if (argc != 2) {
                fprintf(stderr, "usage: device-progs CGROUP_DIR\n");
                return 2;
        }
        fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                perror(argv[1]);
                return 1;
        }
        memset(&attr, 0, sizeof(attr));
        attr.query.target_fd = (uint32_t)fd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
        attr.query.prog_cnt = sizeof(ids) / sizeof(*ids);
        if (syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)) < 0) {
                perror("BPF_PROG_QUERY");
                return 1;
        }
        for (uint32_t i = 0; i < attr.query.prog_cnt; i++)
                printf("%u\n", ids[i]);
        return 0;
}
