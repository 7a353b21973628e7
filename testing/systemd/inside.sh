#!/bin/bash
# PID 1 of the private namespaces that systemd_test.sh makes: makes every
# file system the host shares read-only, puts tmpfs where systemd writes,
# checks all of it, then becomes systemd. Read ../shared/SYSTEMD-HARNESS.md:
# a systemd booted without these protections once emptied a host's /tmp.
#
#   inside.sh SCRATCH
# Environment from outside: HOST_NS_<name>=<readlink of the host's
# /proc/self/ns/<name>>, HOST_MARKER=<a file in the host's /tmp>.
# Exits non-zero (so the namespaces die) at the first guard that fails; it
# never boots systemd then.
set -euo pipefail
scratch="$1"
die() {
  echo "inside.sh: REFUSED: $*" >&2
  exit 3
}

# --- Guards, before any mount. ---
[[ $$ == 1 ]] || die "not PID 1 of a new PID namespace (pid $$)"
for ns in mnt pid net uts ipc cgroup; do
  var="HOST_NS_$ns"
  host="${!var:-}"
  [[ -n "$host" ]] || die "the host's $ns namespace was not given"
  mine=$(readlink "/proc/self/ns/$ns")
  [[ "$mine" != "$host" ]] || die "still in the host's $ns namespace ($mine)"
done
# No mount may propagate to or from the host.
if awk '{for (i = 7; $i != "-"; i++) if ($i ~ /^(shared|master):/) bad = 1} END {exit !bad}' \
  /proc/self/mountinfo; then
  die "a mount is shared or slave: remounts would reach the host"
fi

case "$scratch" in
  /tmp/* | /run/* | /var/tmp/* | /var/log/* | /var/lib/systemd/* | /dev/* | /proc/* | /sys/*)
    die "the scratch directory $scratch would be hidden by a tmpfs" ;;
esac

# --- Mounts. ---
# The scratch directory stays writable: bind it onto itself first.
mount --bind "$scratch" "$scratch"
# Every other writable mount becomes read-only (deepest first).
mapfile -t writable < <(awk '$6 ~ /^rw/ {print $5}' /proc/self/mountinfo | sort -r)
for mp in "${writable[@]}"; do
  mp=$(printf '%b' "$mp")  # mountinfo escapes spaces as \040
  [[ "$mp" == "$scratch" || "$mp" == /proc || "$mp" == /proc/* ]] && continue
  mount -o remount,bind,ro "$mp" 2>/dev/null || mount -o remount,ro "$mp" ||
    die "cannot make $mp read-only"
done
for d in /run /tmp /var/tmp /var/log /var/lib/systemd; do
  [[ -d "$d" ]] || die "$d does not exist (no mount point on a read-only /)"
  mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$d"
done
chmod 1777 /tmp /var/tmp
mount -t tmpfs -o mode=0755,nosuid tmpfs /dev
mknod -m 0666 /dev/null c 1 3
mknod -m 0666 /dev/zero c 1 5
mknod -m 0666 /dev/full c 1 7
mknod -m 0666 /dev/random c 1 8
mknod -m 0666 /dev/urandom c 1 9
mknod -m 0666 /dev/tty c 5 0
mkdir /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
ln -s pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
# A fresh /proc was mounted by unshare; its /proc/sys read-only (systemd
# raises fs.file-max and fs.nr_open at boot otherwise).
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
# cgroup2 of our own namespace: its root is the host's leaf we run in.
umount -R -l /sys/fs/cgroup 2>/dev/null || true
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup

# --- Checks, every run; abort without booting if any fails. ---
for d in / /etc /usr /var /var/lib /root "$REAP_CHECKOUT"; do
  [[ -e "$d" ]] || continue
  # access(W_OK) says EROFS on a read-only mount, even to root; nothing is
  # written to find out.
  if [[ -w "$d" ]]; then die "$d is writable"; fi
done
[[ -z "$(ls -A /tmp)" ]] || die "/tmp is not an empty tmpfs"
[[ ! -e "$HOST_MARKER" ]] || die "the host's /tmp is visible ($HOST_MARKER)"
[[ "$(stat -f -c %T /tmp)" == tmpfs ]] || die "/tmp is not a tmpfs"
[[ "$(stat -f -c %T /sys/fs/cgroup)" == cgroup2fs ]] || die "no cgroup2 at /sys/fs/cgroup"
touch "$scratch/inside-ok" || die "the scratch directory is not writable"

# --- Units: ours, all DefaultDependencies=no; everything else masked. ---
mkdir -p /run/systemd/system /run/systemd/system.control /run/systemd/system-generators /run/reap
cat >/run/reap/dbus.conf <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <policy context="default">
    <allow user="root"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
cat >/run/systemd/system/reap-test.target <<'EOF'
[Unit]
Description=reap test boot
DefaultDependencies=no
Wants=dbus.socket dbus.service
EOF
cat >/run/systemd/system/dbus.socket <<'EOF'
[Unit]
DefaultDependencies=no
[Socket]
ListenStream=/run/dbus/system_bus_socket
EOF
cat >/run/systemd/system/dbus.service <<'EOF'
[Unit]
DefaultDependencies=no
Requires=dbus.socket
After=dbus.socket
[Service]
ExecStart=/usr/bin/dbus-daemon --config-file=/run/reap/dbus.conf --address=systemd: --nofork --nopidfile --systemd-activation --nosyslog
EOF
ours=" reap-test.target dbus.socket dbus.service -.slice system.slice init.scope "
mask() { [[ "$ours" == *" $1 "* ]] || ln -sf /dev/null "/run/systemd/system.control/$1"; }
for u in sysinit.target basic.target polkit.service systemd-tmpfiles-setup.service \
  systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.service systemd-tmpfiles-clean.timer \
  systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket \
  systemd-journald-audit.socket systemd-logind.service multi-user.target timers.target getty.target \
  graphical.target default.target; do
  mask "$u"
done
for dir in /lib/systemd/system /usr/lib/systemd/system /etc/systemd/system; do
  [[ -d "$dir" ]] || continue
  for f in "$dir"/*; do
    [[ -f "$f" || -L "$f" ]] && mask "$(basename "$f")"
  done
done
for g in /lib/systemd/system-generators/* /usr/lib/systemd/system-generators/*; do
  [[ -e "$g" ]] && ln -sf /dev/null "/run/systemd/system-generators/$(basename "$g")"
done

# --- systemd, as this PID 1. It needs CAP_SYS_ADMIN; nothing is inherited.
exec env -i container=reap-test PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  setpriv --inh-caps=-all /lib/systemd/systemd --unit=reap-test.target --log-target=console \
  --log-level=warning --show-status=no
