/*
 * A hostile process inside a guest, for Stork's hostile-guest tests. It chroots into the guest root first, so it
 * can only do what a root process of that guest could: everything it names is a guest path; the symlinks it plants
 * point at host paths only as text. Runs until SIGTERM, then prints "key=value" counters.
 *
 *   racer ROOT exchange DIR HOSTDIR    swap DIR (a real directory) with a symlink to HOSTDIR, RENAME_EXCHANGE, in a loop
 *   racer ROOT staging DIR HOSTFILE    replace every .stork-* name that appears in DIR with a symlink to HOSTFILE,
 *                                      and plant symlinks at made-up .stork-* names
 *   racer ROOT fifo FILE               swap FILE with a FIFO, in a loop
 *   racer ROOT openw FILE...           open(O_WRONLY) each FILE in a loop; write a byte through every descriptor won
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static int exchange(const char *a, const char *b) {
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: racer ROOT MODE ARGS...\n"); return 2; }
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    if (chroot(argv[1]) != 0 || chdir("/") != 0) { perror("chroot"); return 2; }
    const char *mode = argv[2];
    long rounds = 0, wins = 0, writes = 0;
    printf("ready\n");
    fflush(stdout);
    if (strcmp(mode, "exchange") == 0 && argc == 5) {
        char link[4096];
        snprintf(link, sizeof link, "%s.racer-link", argv[3]);
        unlink(link);
        if (symlink(argv[4], link) != 0) { perror("symlink"); return 2; }
        while (!stop) {
            if (exchange(argv[3], link) == 0) wins++;
            rounds++;
        }
        /* leave the real directory in place */
        struct stat st;
        if (lstat(argv[3], &st) == 0 && S_ISLNK(st.st_mode)) exchange(argv[3], link);
        unlink(link);
    } else if (strcmp(mode, "staging") == 0 && argc == 5) {
        char tmp[4096], guess[4096];
        while (!stop) {
            DIR *d = opendir(argv[3]);
            if (d) {
                struct dirent *e;
                while ((e = readdir(d)) != NULL) {
                    if (strncmp(e->d_name, ".stork-", 7) != 0) continue;
                    snprintf(tmp, sizeof tmp, "%s/.racer-%ld", argv[3], rounds);
                    if (symlink(argv[4], tmp) != 0) continue;
                    char target[4096];
                    snprintf(target, sizeof target, "%s/%s", argv[3], e->d_name);
                    if (rename(tmp, target) == 0) wins++; else unlink(tmp);
                }
                closedir(d);
            }
            /* guesses in the old format .stork-TXID-SEQ and random ones */
            snprintf(guess, sizeof guess, "%s/.stork-%012lx-%ld", argv[3], (long)random() & 0xffffffffffffL, rounds % 16);
            if (symlink(argv[4], guess) == 0) unlink(guess);
            rounds++;
        }
    } else if (strcmp(mode, "fifo") == 0 && argc == 4) {
        char fifo[4096];
        snprintf(fifo, sizeof fifo, "%s.racer-fifo", argv[3]);
        unlink(fifo);
        if (mkfifo(fifo, 0644) != 0) { perror("mkfifo"); return 2; }
        while (!stop) {
            if (exchange(argv[3], fifo) == 0) wins++;
            rounds++;
        }
        struct stat st;
        if (lstat(argv[3], &st) == 0 && S_ISFIFO(st.st_mode)) exchange(argv[3], fifo);
        unlink(fifo);
    } else if (strcmp(mode, "openw") == 0) {
        while (!stop) {
            for (int i = 3; i < argc && !stop; i++) {
                int fd = open(argv[i], O_WRONLY | O_NOFOLLOW);
                rounds++;
                if (fd < 0) continue;
                wins++;
                if (pwrite(fd, "X", 1, 0) == 1) writes++;
                close(fd);
            }
        }
    } else {
        fprintf(stderr, "racer: bad mode or arguments\n");
        return 2;
    }
    printf("rounds=%ld wins=%ld writes=%ld\n", rounds, wins, writes);
    return 0;
}
