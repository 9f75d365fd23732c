/*
 * Preloaded (LD_PRELOAD) into a tool that takes a secret only as a command-line argument (eapol_test's
 * `-s <RADIUS shared secret>`), so that the secret is never in the process's argument area, which the
 * kernel shows every user on the host as /proc/<pid>/cmdline (and so `ps`). The tool is started with
 * the placeholder "@schoolnet-secret-fd3" where the secret goes and the secret written to its fd 3 (a
 * private pipe). Before main() runs, this constructor reads fd 3 to its end, closes it, and points each
 * argv slot holding the placeholder at a heap copy of the secret: getopt sees the secret, while the
 * argument area the kernel reads still holds only the placeholder. Without a secret on fd 3 the tool
 * does not start (exit 97), so it never runs with the placeholder as its secret.
 *
 * glibc calls ELF constructors with (argc, argv, envp); devices/probes/secret-arg.ts builds this file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PLACEHOLDER "@schoolnet-secret-fd3"
#define SECRET_MAX 4096

static void fail(const char *why) {
  fprintf(stderr, "secret-arg: %s\n", why);
  _exit(97);
}

static void take_secret(int argc, char **argv, char **envp) {
  (void)envp;
  int wanted = 0;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], PLACEHOLDER) == 0) wanted = 1;
  /* Not for this program (a child the tool starts inherits LD_PRELOAD): leave it alone. */
  if (!wanted) return;
  char *secret = malloc(SECRET_MAX + 1);
  if (secret == NULL) fail("out of memory");
  size_t len = 0;
  for (;;) {
    ssize_t n = read(3, secret + len, SECRET_MAX - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read the secret from fd 3");
    if (n == 0) break;
    len += (size_t)n;
    if (len == SECRET_MAX) fail("the secret is too long");
  }
  close(3);
  secret[len] = '\0';
  if (len == 0) fail("no secret on fd 3");
  if (strlen(secret) != len) fail("the secret holds a NUL byte");
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], PLACEHOLDER) == 0) argv[i] = secret;
  unsetenv("LD_PRELOAD");
}

__attribute__((section(".init_array"), used)) static void (*const schoolnet_secret_arg)(int, char **,
                                                                                       char **) = take_secret;
