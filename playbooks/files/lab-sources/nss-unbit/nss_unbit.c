/*
 * A minimal stand-in for unbit/nss-unbit, built by the same `make` (gcc straight into
 * /lib), for the hostforge lab, which cannot clone from GitHub. It answers one name,
 * hf-unbit-probe (uid/gid 30000), so `getent passwd hf-unbit-probe` proves that
 * nsswitch.conf's "unbit" source is loaded; every other lookup is NOTFOUND.
 */
#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>

static enum nss_status fill(struct passwd *pw, char *buf, size_t len, int *err) {
  static const char name[] = "hf-unbit-probe", dir[] = "/containers/30000", shell[] = "/bin/false";
  if (len < sizeof name + sizeof dir + sizeof shell + 2) {
    *err = ERANGE;
    return NSS_STATUS_TRYAGAIN;
  }
  char *p = buf;
  pw->pw_name = strcpy(p, name); p += sizeof name;
  pw->pw_passwd = strcpy(p, "x"); p += 2;
  pw->pw_dir = strcpy(p, dir); p += sizeof dir;
  pw->pw_shell = strcpy(p, shell);
  pw->pw_gecos = pw->pw_passwd + 1; /* "" */
  pw->pw_uid = 30000;
  pw->pw_gid = 30000;
  return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_unbit_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, int *err) {
  if (strcmp(name, "hf-unbit-probe") != 0) return NSS_STATUS_NOTFOUND;
  return fill(pw, buf, len, err);
}

enum nss_status _nss_unbit_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len, int *err) {
  if (uid != 30000) return NSS_STATUS_NOTFOUND;
  return fill(pw, buf, len, err);
}
