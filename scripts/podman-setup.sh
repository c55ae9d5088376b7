#!/usr/bin/env bash
# Makes this machine able to run the container runner's tests: Podman from Debian, its Docker
# Engine API socket, and a small local image (busybox) built here — nothing is pulled.
# Idempotent; run as root. The tests find the engine at unix:///run/podman/podman.sock.
set -euo pipefail

SOCKET=/run/podman/podman.sock
IMAGE=localhost/eddy-busybox:latest

if ! command -v podman >/dev/null || [ ! -x /bin/busybox ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman busybox-static >/dev/null
fi

# Sandboxed machines: crun wants the hugetlb controller, and the default open-file limit is too high.
if [ ! -d /sys/fs/cgroup/hugetlb ] || ! mountpoint -q /sys/fs/cgroup/hugetlb; then
  mkdir -p /sys/fs/cgroup/hugetlb 2>/dev/null || true
  mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null || true
fi
CONF=/etc/containers/containers.conf
if [ ! -f "$CONF" ]; then
  mkdir -p /etc/containers
  printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' >"$CONF"
elif ! grep -q default_ulimits "$CONF"; then
  # Not edited: a second [containers] table would make the file invalid.
  echo "note: $CONF has no default_ulimits; if containers fail to start, add" \
    'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"] under [containers]' >&2
fi

if ! podman image exists "$IMAGE"; then
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/bin" "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  tar -C "$rootfs" -c . | podman import -q --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  rm -rf "$rootfs"
fi

if ! curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then
  mkdir -p "$(dirname "$SOCKET")"
  # From its own directory: conmon leaves marker files (an empty `oom`) in its working directory.
  (cd "$(dirname "$SOCKET")" && nohup podman system service --time=0 "unix://$SOCKET" >/tmp/podman-service.log 2>&1 &)
  for _ in $(seq 1 50); do
    curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null
echo "podman ready: $SOCKET, image $IMAGE"
