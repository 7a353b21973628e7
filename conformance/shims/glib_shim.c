/* A server that detaches with GLib's g_spawn_async as a GLib program starts
 * a command it will not wait for: without G_SPAWN_DO_NOT_REAP_CHILD GLib
 * forks twice, so the command is nobody's child; G_SPAWN_SEARCH_PATH and
 * stdio on /dev/null. GLib reports no PID in that mode, so the replies are
 * "ok" (the description says pid = adopted). One argv per line on stdin (a
 * JSON array of strings, which is also GVariant text of type "as"), one line
 * back: "ok" or "error: ...". With --latency: the latency mode of latency.h
 * (bench/report.sh). */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "latency.h"

static void detach(const char* line) {
  GError* error = NULL;
  GVariant* v = g_variant_parse(G_VARIANT_TYPE_STRING_ARRAY, line, NULL, NULL, &error);
  if (v == NULL) {
    printf("error: %s\n", error->message);
    g_error_free(error);
    return;
  }
  gchar** argv = g_variant_dup_strv(v, NULL);
  g_variant_unref(v);
  if (argv[0] == NULL) {
    printf("error: empty argv\n");
  } else if (g_spawn_async(NULL, argv, NULL,
                           G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDOUT_TO_DEV_NULL |
                               G_SPAWN_STDERR_TO_DEV_NULL,
                           NULL, NULL, NULL, &error)) {
    printf("ok\n");
  } else {
    printf("error: %s\n", error->message);
    g_error_free(error);
  }
  g_strfreev(argv);
}

static int detach_program(const char* program, void* context) {
  (void)context;
  gchar* argv[] = {(gchar*)program, NULL};
  GError* error = NULL;
  if (g_spawn_async(NULL, argv, NULL,
                    G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDOUT_TO_DEV_NULL |
                        G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, NULL, &error)) {
    return 0;
  }
  fprintf(stderr, "g_spawn_async: %s\n", error->message);
  g_error_free(error);
  return -1;
}

int main(int argc, char** argv) {
  int status = latency_main(argc, argv, detach_program, NULL);
  if (status >= 0) return status;
  char* line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) > 0) {
    if (line[n - 1] == '\n') line[n - 1] = '\0';
    detach(line);
    fflush(stdout);
  }
  free(line);
  return 0;
}
