"""Convergence of the TF-ME matrix with the cutoff of its G sum (g_cut_Ry): recompute the
wavefunctions of one metal with its TF-ME settings, then the matrix at each cutoff, and compare
with the committed cache (all components).  Run from the project root:
    .venv/bin/python resources/abinitio/coulomb/g_cut_check.py Pb 20 10
Prints, per cutoff, the FFT grid, the wall time, the largest and median relative change of an
element, and the same for pairs of states within 1.5 eV of E_F.  Results: g_cut_check.md."""
import sys, time, numpy as np, xarray as xr, yaml
from pathlib import Path
from scimodel import qe
from scimodel.qe import coulomb_mesh
from scimodel.scdft import coulomb_me
from scimodel.config import validate_config
metal = sys.argv[1]; cuts = [float(x) for x in sys.argv[2:]]
full = validate_config(yaml.safe_load(open('config/config.yaml')), 'src/scimodel/schemas/config.schema.yaml')
el, off, _, _ = coulomb_mesh.tfme_settings(full['abinitio'], metal)
spec = qe.metal_spec(metal, el)
pseudo = 'resources/pseudo/' + el['pseudo'] if not el['pseudo'].startswith('generated/nc') else 'results/abinitio/pseudo/nc/' + Path(el['pseudo']).name
work = Path(f'work/qe/{metal}_gcut_check')
n_keep = spec.nbnd - off
save = coulomb_mesh.run_wavefunction_mesh(spec, pseudo, work / 'run', work / 'qe', mesh=6, nbnd=n_keep + 4, nproc=2)
dos = float(xr.open_dataset(f'resources/abinitio/{metal}.nc')['dos_ef'])
ref = xr.open_dataset(f'resources/abinitio/coulomb/{metal}.nc')
R = coulomb_me.full_matrix(ref)
e = ref['energy'].values
near = np.abs(e) < 1500
out = {}
for c in cuts:
    t0 = time.perf_counter()
    ds = coulomb_mesh.coulomb_dataset(save, work / 'run', dos_ef=dos, n_keep=n_keep, workers=2, band_offset=off, g_cut_ry=c)
    M = coulomb_me.full_matrix(ds)
    rel = np.abs(M - R) / np.abs(R)
    nb = R.shape[0]
    # pairs of states within 1.5 eV of E_F
    mask = near.T[:, :, None, None] & near.T[None, None, :, :]
    res = dict(fft=list(map(int, ds.attrs['fft_shape'])), wall=round(time.perf_counter() - t0, 1),
               max_rel_all=float(rel.max()), median_rel_all=float(np.median(rel)),
               max_rel_near=float(rel[mask].max()), mean_rel_near=float(rel[mask].mean()),
               avg_near_ratio=float(M[mask].mean() / R[mask].mean()))
    print(metal, c, res, flush=True)
