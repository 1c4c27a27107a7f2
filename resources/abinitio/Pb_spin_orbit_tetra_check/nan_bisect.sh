#!/bin/bash
# The script as run in session 19 (its working folder /tmp/pbbis held a copy of pb_s.UPF);
# results in README.txt, last section.
# usage: bis.sh ecut k nbnd  -> runs pw.x scf + ph.x Gamma until the first DFPT iteration
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
e=$1; k=$2; nb=$3; d=/tmp/pbbis/e${e}_k${k}_nb${nb}; mkdir -p $d; cd $d; cp ../pb_s.UPF .
nbl=""; [ "$nb" != "0" ] && nbl="nbnd = $nb"
cat > scf.in <<EOI
&control
  calculation = 'scf', prefix = 'pb', outdir = './tmp', pseudo_dir = './'
/
&system
  ibrav = 2, celldm(1) = 9.35414432, nat = 1, ntyp = 1,
  ecutwfc = $e, ecutrho = $((4*e)), occupations = 'tetrahedra_opt', $nbl
  noncolin = .true., lspinorb = .true.
/
&electrons
  conv_thr = 1d-10
/
ATOMIC_SPECIES
 Pb 207.2 pb_s.UPF
ATOMIC_POSITIONS alat
 Pb 0.0 0.0 0.0
K_POINTS automatic
 $k $k $k 0 0 0
EOI
cat > ph.in <<EOI
ph
&inputph
  tr2_ph = 1d-14, prefix = 'pb', outdir = './tmp', fildyn = 'pb.dyn'
/
0.0 0.0 0.0
EOI
mpirun -np 2 pw.x -nk 2 -in scf.in > scf.out 2>&1
mpirun -np 2 ph.x -nk 2 -in ph.in > ph.out 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
  if grep -q "iter #   1" ph.out; then kill $pid; pkill -f "ph.x -nk 2 -in ph.in"; break; fi
  sleep 3
done
echo "e=$e k=$k nbnd=$nb: NaN lines $(grep -c NaN ph.out); $(grep 'ddv_scf' ph.out | head -1)"
