#!/usr/bin/env bash
# Install the Debian packages that some tests need:
#   quantum-espresso               (pw.x, ph.x, ... for the tiny Al DFT test)
#   munge slurmctld slurmd slurm-client  (single-node SLURM for the profile test)
#   libopenblas0-pthread           (OpenBLAS: the pseudopotential test runs ld1.x once
#                                   with the reference BLAS and once with OpenBLAS,
#                                   through LD_LIBRARY_PATH; see tests/test_abinitio.py)
# Idempotent; needs root (CI runs as root).  Without root or apt it only
# prints what is missing: the tests that need these programs then skip.
#
# Installing OpenBLAS would by itself make it the system's libblas.so.3 and
# liblapack.so.3 (its Debian alternatives have a higher priority than the
# reference BLAS/LAPACK), and so change the numbers of every other QE test.  The
# alternatives' current choice is therefore pinned (update-alternatives --set)
# before OpenBLAS is installed: every other program keeps the BLAS it had
# (on a fresh Debian machine, the reference BLAS/LAPACK that quantum-espresso pulls in).
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
if [ ${#pkgs[@]} -eq 0 ] && [ "$need_openblas" = 0 ]; then
  echo "system packages present (quantum-espresso, slurm, munge, reference BLAS and OpenBLAS)"
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
  # pin the current libblas.so.3 / liblapack.so.3 choice (manual mode), so that
  # OpenBLAS's higher priority does not take them over
  update-alternatives --get-selections 2>/dev/null | while read -r name mode value; do
    case "$name" in
      libblas.so.3-*|liblapack.so.3-*)
        update-alternatives --quiet --set "$name" "$value" \
          && echo "pinned $name to $value (was $mode mode)" ;;
    esac
  done
  echo "installing libopenblas0-pthread with apt-get"
  apt-get install -y -qq --no-install-recommends libopenblas0-pthread >/dev/null \
    || echo "WARNING: apt-get install libopenblas0-pthread failed: the OpenBLAS case" \
            "of the pseudopotential test will be skipped"
  update-alternatives --get-selections 2>/dev/null | grep -E '^(libblas|liblapack)\.so\.3-' \
    | sed 's/^/system BLAS\/LAPACK: /'
fi
exit 0
