/*
 * A minimal stand-in for unbit/pam-unbit, built by the same `make` (needs libpam0g-dev),
 * for the hostforge lab, which cannot clone from GitHub. As a session module it lets every
 * session open and records the last one in /run/pam_unbit.last ("user service"), so a new
 * SSH login proves that sshd's session stack runs it.
 */
#include <stdio.h>
#include <security/pam_modules.h>

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv) {
  const char *user = NULL, *service = NULL;
  (void)flags; (void)argc; (void)argv;
  pam_get_item(pamh, PAM_USER, (const void **)&user);
  pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
  FILE *f = fopen("/run/pam_unbit.last", "w");
  if (f != NULL) {
    fprintf(f, "%s %s\n", user ? user : "?", service ? service : "?");
    fclose(f);
  }
  return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv) {
  (void)pamh; (void)flags; (void)argc; (void)argv;
  return PAM_SUCCESS;
}
