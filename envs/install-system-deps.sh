#!/usr/bin/env bash
# Install the Debian packages that some tests need:
#   quantum-espresso               (pw.x, ph.x, ... for the tiny Al DFT test)
#   munge slurmctld slurmd slurm-client  (single-node SLURM for the profile test)
#   libopenblas0-pthread           (OpenBLAS, the system BLAS/LAPACK: QE runs with it)
# Idempotent; needs root (CI runs as root).  Without root or apt it only
# prints what is missing: the tests that need these programs then skip.
#
# BLAS: the tests run as on a common Debian machine, with OpenBLAS as the
# system's libblas.so.3 / liblapack.so.3 (Debian's automatic choice once it is
# installed; any manual pin is returned to automatic mode here).  The reference
# BLAS/LAPACK stays installed: the pseudopotential test runs ld1.x once with each
# library (LD_LIBRARY_PATH; tests/test_abinitio.py), and the numbers agree
# within the tolerant UPF comparison (scimodel.qe.upf_equivalent).
set -u
pkgs=()
command -v pw.x >/dev/null 2>&1 || pkgs+=(quantum-espresso)
command -v slurmctld >/dev/null 2>&1 || pkgs+=(slurmctld)
command -v slurmd >/dev/null 2>&1 || pkgs+=(slurmd)
command -v sbatch >/dev/null 2>&1 || pkgs+=(slurm-client)
command -v munged >/dev/null 2>&1 || pkgs+=(munge)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need_openblas=0
if command -v dpkg-query >/dev/null 2>&1; then
  # the reference BLAS/LAPACK first (explicitly, so that apt does not satisfy
  # quantum-espresso's libblas.so.3 with the OpenBLAS installed below)
  for p in libblas3 liblapack3; do installed "$p" || pkgs+=("$p"); done
  installed libopenblas0-pthread || need_openblas=1
fi
# OpenBLAS as the system BLAS/LAPACK: Debian's automatic (highest-priority) choice
use_openblas() {
  command -v update-alternatives >/dev/null 2>&1 || return 0
  [ "$(id -u)" = "0" ] || return 0
  update-alternatives --get-selections 2>/dev/null | while read -r name mode value; do
    case "$name" in
      libblas.so.3-*|liblapack.so.3-*)
        [ "$mode" = auto ] || update-alternatives --quiet --auto "$name" ;;
    esac
  done
  update-alternatives --get-selections 2>/dev/null | grep -E '^(libblas|liblapack)\.so\.3-' \
    | sed 's/^/system BLAS\/LAPACK: /'
}
if [ ${#pkgs[@]} -eq 0 ] && [ "$need_openblas" = 0 ]; then
  echo "system packages present (quantum-espresso, slurm, munge, reference BLAS and OpenBLAS)"
  use_openblas
  exit 0
fi
missing="${pkgs[*]}"
[ "$need_openblas" = 1 ] && missing="$missing libopenblas0-pthread"
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "NOTE: missing ${missing# }; not root or no apt-get: the QE and SLURM tests" \
       "(or the OpenBLAS case of the pseudopotential test) will be skipped"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "WARNING: apt-get update failed"
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "installing ${pkgs[*]} with apt-get"
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null \
    || echo "WARNING: apt-get install ${pkgs[*]} failed: the QE/SLURM tests will be skipped"
fi
if [ "$need_openblas" = 1 ]; then
  echo "installing libopenblas0-pthread with apt-get"
  apt-get install -y -qq --no-install-recommends libopenblas0-pthread >/dev/null \
    || echo "WARNING: apt-get install libopenblas0-pthread failed: the OpenBLAS case" \
            "of the pseudopotential test will be skipped"
fi
use_openblas
exit 0
