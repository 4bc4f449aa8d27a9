/* The two ends of sd_notify for tests, static so that it runs inside a busybox rootfs:
 *   sd-notify send MESSAGE        sends MESSAGE to $NOTIFY_SOCKET (a container's process)
 *   sd-notify listen SOCKET FILE  binds the datagram socket SOCKET, writes "listening" to
 *                                 FILE.ready, then the messages received to FILE, one
 *                                 per line, until none came for a second, and exits
 *                                 (what systemd or podman would get). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int address(const char *path, struct sockaddr_un *a)
{
        memset(a, 0, sizeof(*a));
        a->sun_family = AF_UNIX;
        if (strlen(path) >= sizeof(a->sun_path))
                return -1;
        strcpy(a->sun_path, path);
        return 0;
}

int main(int argc, char **argv)
{
        struct sockaddr_un a;
        int s = socket(AF_UNIX, SOCK_DGRAM, 0);

        if (s < 0 || argc < 3) {
                fprintf(stderr, "usage: sd-notify send MESSAGE | listen SOCKET FILE\n");
                return 2;
        }
        if (strcmp(argv[1], "send") == 0) {
                const char *path = getenv("NOTIFY_SOCKET");

                if (path == NULL || address(path, &a) < 0) {
                        fprintf(stderr, "sd-notify: no usable NOTIFY_SOCKET\n");
                        return 1;
                }
                if (sendto(s, argv[2], strlen(argv[2]), 0, (struct sockaddr *)&a, sizeof(a)) < 0) {
                        perror("sd-notify: sendto");
                        return 1;
                }
                return 0;
        }
        if (strcmp(argv[1], "listen") == 0 && argc == 4) {
                char buf[4096], ready[4096], tmp[4096];
                ssize_t n;
                FILE *f;

                unlink(argv[2]);
                if (address(argv[2], &a) < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
                        perror("sd-notify: bind");
                        return 1;
                }
                snprintf(ready, sizeof(ready), "%s.ready", argv[3]);
                if ((f = fopen(ready, "w")) == NULL || fputs("listening\n", f) < 0 || fclose(f))
                        return 1;
                /* runc sends READY=1 and MAINPID= as two datagrams, crun as one: take
                 * every message that follows the first within a second. */
                snprintf(tmp, sizeof(tmp), "%s.tmp", argv[3]);
                if ((f = fopen(tmp, "w")) == NULL)
                        return 1;
                while ((n = recv(s, buf, sizeof(buf) - 1, 0)) > 0) {
                        struct timeval second = {.tv_sec = 1};

                        fwrite(buf, 1, (size_t)n, f);
                        if (buf[n - 1] != '\n')
                                fputc('\n', f);
                        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &second, sizeof(second));
                }
                return fclose(f) || rename(tmp, argv[3]) ? 1 : 0;
        }
        fprintf(stderr, "usage: sd-notify send MESSAGE | listen SOCKET FILE\n");
        return 2;
}
