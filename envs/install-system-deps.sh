#!/usr/bin/env bash
# Install the Debian packages that some tests need:
#   quantum-espresso               (pw.x, ph.x, ... for the tiny Al DFT test)
#   munge slurmctld slurmd slurm-client  (single-node SLURM for the profile test)
# Idempotent; needs root (CI runs as root).  Without root or apt it only
# prints what is missing: the tests that need these programs then skip.
set -u
pkgs=()
command -v pw.x >/dev/null 2>&1 || pkgs+=(quantum-espresso)
command -v slurmctld >/dev/null 2>&1 || pkgs+=(slurmctld)
command -v slurmd >/dev/null 2>&1 || pkgs+=(slurmd)
command -v sbatch >/dev/null 2>&1 || pkgs+=(slurm-client)
command -v munged >/dev/null 2>&1 || pkgs+=(munge)
if [ ${#pkgs[@]} -eq 0 ]; then
  echo "system packages present (quantum-espresso, slurm, munge)"
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "NOTE: missing ${pkgs[*]}; not root or no apt-get: the QE and SLURM tests will be skipped"
  exit 0
fi
echo "installing ${pkgs[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "WARNING: apt-get update failed"
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null \
  || echo "WARNING: apt-get install ${pkgs[*]} failed: the QE/SLURM tests will be skipped"
exit 0
