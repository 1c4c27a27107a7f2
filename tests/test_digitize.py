"""scimodel.digitize: calibration, uncertainty propagation, automatic picking, WPD projects."""
from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from scimodel import digitize as dg
from scimodel.errors import InputError


# ----------------------------------------------------------------------------- calibration
def test_axis_aligned_linear_matches_two_point_formula():
    # x: pixel 100 -> 0, pixel 500 -> 40 ; y: pixel 400 -> 0, pixel 50 -> 70 (rows grow downwards)
    cal = dg.calibration_from_points([(100, 400, 0.0), (500, 400, 40.0)],
                                     [(100, 400, 0.0), (100, 50, 70.0)])
    px = np.array([100.0, 300.0, 500.0, 123.4])
    py = np.array([400.0, 225.0, 50.0, 321.0])
    x, y = cal.pixel_to_data(px, py)
    assert_allclose(x, (px - 100) * 40.0 / 400.0, rtol=0, atol=1e-12)
    assert_allclose(y, (400 - py) * 70.0 / 350.0, rtol=0, atol=1e-12)


def test_calibration_points_off_the_axes_lines():
    # X points need not sit on the y = 0 row nor Y points on the x = 0 column
    # (the X1 -> X2 direction defines the x axis, as in WPD).
    cal = dg.calibration_from_points([(150, 300, 10.0), (450, 300, 40.0)],
                                     [(30, 390, 0.0), (30, 60, 70.0)])
    # on an axis-aligned figure only the px of X points and py of Y points matter
    x, y = cal.pixel_to_data(np.array([150.0, 450.0]), np.array([390.0, 60.0]))
    assert_allclose(x, [10.0, 40.0], atol=1e-9)
    assert_allclose(y, [0.0, 70.0], atol=1e-9)


@pytest.mark.parametrize("angle_deg", [0.0, 2.0, -7.5])
@pytest.mark.parametrize("xlog,ylog", [(False, False), (True, False), (False, True), (True, True)])
def test_rotated_and_skewed_axes(angle_deg, xlog, ylog):
    # Build pixels from an explicit rotated + skewed affine map of (u, v) and invert.
    th = np.deg2rad(angle_deg)
    skew = np.deg2rad(3.0)
    ex = 80.0 * np.array([np.cos(th), np.sin(th)])                      # pixels per unit u
    ey = 60.0 * np.array([np.sin(th + skew), -np.cos(th + skew)])       # rows grow downwards
    O = np.array([90.0, 410.0])
    fx = (lambda a: np.log10(a)) if xlog else (lambda a: a)
    fy = (lambda a: np.log10(a)) if ylog else (lambda a: a)

    def pix(x, y):
        return O + fx(x) * ex + fy(y) * ey

    xs = (1.0, 100.0) if xlog else (0.5, 4.5)
    ys = (0.1, 10.0) if ylog else (-1.0, 5.0)
    yref = ys[0] * 2 if ylog else 1.0
    xref = xs[0] * 3 if xlog else 2.0
    cal = dg.calibration_from_points([(*pix(xs[0], yref), xs[0]), (*pix(xs[1], yref), xs[1])],
                                     [(*pix(xref, ys[0]), ys[0]), (*pix(xref, ys[1]), ys[1])],
                                     xlog=xlog, ylog=ylog)
    rng = np.random.default_rng(1)
    xt = 10 ** rng.uniform(0, 2, 20) if xlog else rng.uniform(0.5, 4.5, 20)
    yt = 10 ** rng.uniform(-1, 1, 20) if ylog else rng.uniform(-1, 5, 20)
    P = np.array([pix(a, b) for a, b in zip(xt, yt)])
    x, y = cal.pixel_to_data(P[:, 0], P[:, 1])
    assert_allclose(x, xt, rtol=1e-10, atol=1e-10)
    assert_allclose(y, yt, rtol=1e-10, atol=1e-10)
    px, py = cal.data_to_pixel(xt, yt)
    assert_allclose(np.column_stack([px, py]), P, atol=1e-8)


@pytest.mark.parametrize("xlog,ylog", [(False, False), (True, True)])
def test_pick_uncertainty_propagation_matches_monte_carlo(xlog, ylog):
    cal = dg.calibration_from_points([(100, 400, 1.0 if xlog else 0.0), (500, 380, 100.0)],
                                     [(110, 400, 1.0 if ylog else 0.0), (95, 50, 1000.0)],
                                     xlog=xlog, ylog=ylog)
    px0, py0 = 320.0, 210.0
    sig = 1.5
    rng = np.random.default_rng(2)
    n = 40000
    x, y = cal.pixel_to_data(px0 + rng.normal(0, sig, n), py0 + rng.normal(0, sig, n))
    x0, y0 = cal.pixel_to_data(px0, py0)
    sx, sy = cal.data_sigma(x0, y0, sig)
    # statistical error of a sample std with n = 4e4 is ~0.35 %; allow 2 %
    assert_allclose([np.std(x), np.std(y)], [sx, sy], rtol=0.02)


@pytest.mark.parametrize("bad,field", [
    (dict(x=[(100, 400, 0.0), (100, 400, 5.0)]), "calibration.x"),          # same pixel
    (dict(x=[(100, 400, 3.0), (500, 400, 3.0)]), "calibration.x"),          # same value
    (dict(y=[(100, 400, 0.0), (100, 50, 10.0)], ylog=True), "calibration.y[0].value"),
    (dict(x=[(100, 400, 0.0)]), "calibration.x"),                             # one point
])
def test_bad_calibrations(bad, field):
    args = dict(x=[(100, 400, 0.0), (500, 400, 40.0)], y=[(100, 400, 1.0), (100, 50, 10.0)],
                xlog=False, ylog=False)
    args.update(bad)
    with pytest.raises(InputError) as ei:
        dg.calibration_from_points(args["x"], args["y"], args["xlog"], args["ylog"], source="rec.yaml")
    assert ei.value.field == field
    assert ei.value.file == "rec.yaml"


def test_parallel_axes_rejected():
    with pytest.raises(InputError, match="parallel"):
        dg.calibration_from_points([(100, 400, 0.0), (500, 400, 40.0)],
                                   [(100, 400, 0.0), (300, 400, 10.0)], source="r.yaml")


# ----------------------------------------------------------------------------- Numba twin
def test_column_centroids_numba_matches_numpy():
    rng = np.random.default_rng(3)
    mask = rng.random((120, 300)) < 0.05
    mask[:, 7] = False                                   # an empty column -> NaN in both
    a = dg.column_centroids(mask, numba=True)
    b = dg.column_centroids(mask, numba=False)
    assert np.isnan(a[7]) and np.isnan(b[7])
    ok = np.isfinite(b)
    assert_allclose(a[ok], b[ok], rtol=1e-10)
    assert np.array_equal(np.isfinite(a), ok)


def test_column_centroid_of_a_band_is_its_centre():
    mask = np.zeros((50, 10), bool)
    mask[20:27, :] = True                                # rows 20..26 -> centre 23
    assert_allclose(dg.column_centroids(mask), 23.0)


# ----------------------------------------------------------------------------- round trip
def _render(x, y, xlog, ylog, style, colour="#d62728"):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    # Agg places markers at whole device pixels (floor); render 4x larger and
    # average 4x4 blocks, like a scan, so that markers sit at sub-pixel positions.
    ss = 4
    fig = plt.figure(figsize=(6.4, 4.8), dpi=100 * ss)
    ax = fig.add_subplot(111)
    if style == "markers":
        ax.plot(x, y, "o", color=colour, ms=6, ls="none")
    else:
        ax.plot(x, y, "-", color=colour, lw=1.5)
    ax.set_xscale("log" if xlog else "linear")
    ax.set_yscale("log" if ylog else "linear")
    ax.grid(False)
    xl, yl = ax.get_xlim(), ax.get_ylim()
    fig.canvas.draw()
    from skimage.transform import downscale_local_mean
    big = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float) / 255.0
    img = downscale_local_mean(big, (ss, ss, 1))
    H = big.shape[0]

    def to_pix(xd, yd):
        d = ax.transData.transform(np.column_stack([np.atleast_1d(xd), np.atleast_1d(yd)]))
        # pixel centres (rows downwards) of the large image, then of the averaged one
        return (d[:, 0] - 0.5 + 0.5) / ss - 0.5, (H - d[:, 1] - 0.5 + 0.5) / ss - 0.5

    # the user "clicks" two tick marks per axis; here we know where they are
    if xlog:
        xa, xb = 10 ** np.ceil(np.log10(xl[0])), 10 ** np.floor(np.log10(xl[1]))
    else:
        xa, xb = xl[0] + 0.1 * (xl[1] - xl[0]), xl[1] - 0.1 * (xl[1] - xl[0])
    if ylog:
        ya, yb = 10 ** np.ceil(np.log10(yl[0])), 10 ** np.floor(np.log10(yl[1]))
    else:
        ya, yb = yl[0] + 0.1 * (yl[1] - yl[0]), yl[1] - 0.1 * (yl[1] - yl[0])
    yr = ya if not ylog else 10 ** np.mean(np.log10(yl))
    xr = xa if not xlog else 10 ** np.mean(np.log10(xl))
    X = [(*[v[0] for v in to_pix(xv, yr)], xv) for xv in (xa, xb)]
    Y = [(*[v[0] for v in to_pix(xr, yv)], yv) for yv in (ya, yb)]
    plt.close(fig)
    cal = dg.calibration_from_points(X, Y, xlog, ylog)
    return img, cal, xl, yl


def _check(xt, yt, xg, yg, xl, yl, xlog, ylog):
    if xlog:
        assert_allclose(xg, xt, rtol=0.01)
    else:
        assert np.max(np.abs(xg - xt)) <= 0.005 * (xl[1] - xl[0])
    if ylog:
        assert_allclose(yg, yt, rtol=0.01)
    else:
        assert np.max(np.abs(yg - yt)) <= 0.005 * (yl[1] - yl[0])


@pytest.mark.parametrize("xlog,ylog", [(False, False), (True, True), (False, True)])
def test_roundtrip_markers(xlog, ylog):
    rng = np.random.default_rng(4)
    n = 9
    xt = np.sort(10 ** rng.uniform(-1, 2, n) if xlog else rng.uniform(0, 30, n))
    # keep markers apart (they would merge into one component otherwise)
    xt = np.geomspace(0.2, 80, n) if xlog else np.linspace(1, 29, n)
    yt = 10 ** rng.uniform(-2, 1, n) if ylog else rng.uniform(-5, 20, n)
    img, cal, xl, yl = _render(xt, yt, xlog, ylog, "markers")
    pts = dg.extract_markers(img, "#d62728", tol=0.3, min_area=8)
    assert len(pts) == n
    xg, yg = cal.pixel_to_data(pts[:, 0], pts[:, 1])
    _check(xt, yt, xg, yg, xl, yl, xlog, ylog)


@pytest.mark.parametrize("xlog,ylog", [(False, False), (True, True)])
def test_roundtrip_line(xlog, ylog):
    if xlog:
        xt = np.geomspace(0.5, 50, 400)
        f = lambda x: 1.0 + 0.2 * x**2                    # noqa: E731
    else:
        xt = np.linspace(0, 6, 400)
        f = lambda x: 2.0 + np.sin(x)                     # noqa: E731
    img, cal, xl, yl = _render(xt, f(xt), xlog, ylog, "line", colour="#1f77b4")
    px0, _ = cal.data_to_pixel(xt[0], f(xt[0]))
    px1, _ = cal.data_to_pixel(xt[-1], f(xt[-1]))
    pts = dg.extract_curve(img, "#1f77b4", tol=0.3, xrange=(px0 + 4, px1 - 4))
    assert len(pts) > 200
    xg, yg = cal.pixel_to_data(pts[:, 0], pts[:, 1])
    _check(xg, f(xg), xg, yg, xl, yl, False, ylog)   # y at the recovered x


# ----------------------------------------------------------------------------- WPD projects
def _wpd_doc(xlog=False, ylog=False, layout="v4"):
    # axis-aligned: x = 0 at px 100, 50 at px 600; y = 0 at py 500, 10 at py 100 (linear case)
    xa, xb = (1.0, 1000.0) if xlog else (0.0, 50.0)
    ya, yb = (0.01, 10.0) if ylog else (0.0, 10.0)
    cps = [{"px": 100, "py": 500, "dx": str(xa), "dy": "0", "dz": None},
           {"px": 600, "py": 500, "dx": str(xb), "dy": "0", "dz": None},
           {"px": 100, "py": 500, "dx": "0", "dy": str(ya), "dz": None},
           {"px": 100, "py": 100, "dx": "0", "dy": str(yb), "dz": None}]
    t = np.array([0.1, 0.35, 0.5, 0.8, 0.95])
    s = np.array([0.2, 0.9, 0.4, 0.6, 0.05])
    px = 100 + 500 * t
    py = 500 - 400 * s
    if xlog:
        x = 10 ** (np.log10(xa) + t * (np.log10(xb) - np.log10(xa)))
    else:
        x = xa + t * (xb - xa)
    if ylog:
        y = 10 ** (np.log10(ya) + s * (np.log10(yb) - np.log10(ya)))
    else:
        y = ya + s * (yb - ya)
    data = [{"x": float(a), "y": float(b), "value": [float(c), float(d)]}
            for a, b, c, d in zip(px, py, x, y)]
    axes = [{"name": "XY", "type": "XYAxes", "isLogX": xlog, "isLogY": ylog, "calibrationPoints": cps}]
    if layout == "v3":
        doc = {"wpd": {"axesColl": axes,
                       "dataSeriesColl": [{"name": "Default Dataset", "data": data}]}}
    else:
        doc = {"version": [4, 2], "axesColl": axes,
               "datasetColl": [{"name": "other", "axesName": "XY", "data": data[:2]},
                               {"name": "Tc", "axesName": "XY", "data": data}]}
    return doc, x, y


@pytest.mark.parametrize("xlog,ylog", [(False, False), (True, False), (True, True)])
@pytest.mark.parametrize("layout", ["v4", "v3"])
def test_wpd_json_read_back(tmp_path, xlog, ylog, layout):
    doc, x, y = _wpd_doc(xlog, ylog, layout)
    p = tmp_path / "project.json"
    p.write_text(json.dumps(doc))
    s = dg.read_wpd_project(p, None if layout == "v3" else "Tc")
    gx, gy = s.calibration.pixel_to_data(s.pixels[:, 0], s.pixels[:, 1])
    assert_allclose(gx, x, rtol=1e-12, atol=1e-12)
    assert_allclose(gy, y, rtol=1e-12, atol=1e-12)
    assert_allclose(s.wpd_values, np.column_stack([x, y]), rtol=1e-12)


def test_wpd_write_read_and_tar(tmp_path):
    doc, x, y = _wpd_doc()
    p = tmp_path / "a.json"
    p.write_text(json.dumps(doc))
    s = dg.read_wpd_project(p, "Tc")
    q = dg.write_wpd_project(tmp_path / "b.json", s.calibration, s.pixels, name="Tc")
    s2 = dg.read_wpd_project(q)
    assert_allclose(s2.pixels, s.pixels)
    tar = tmp_path / "proj.tar"
    tar.write_bytes(dg.wpd_tar_bytes(q))
    s3 = dg.read_wpd_project(tar)
    gx, gy = s3.calibration.pixel_to_data(s3.pixels[:, 0], s3.pixels[:, 1])
    assert_allclose(gx, x, atol=1e-12)
    assert_allclose(gy, y, atol=1e-12)


def test_wpd_errors(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"axesColl": [')
    with pytest.raises(InputError) as ei:
        dg.read_wpd_project(p)
    assert ei.value.file == str(p) and "malformed JSON" in str(ei.value)
    doc, *_ = _wpd_doc()
    doc["axesColl"][0]["calibrationPoints"] = doc["axesColl"][0]["calibrationPoints"][:3]
    p.write_text(json.dumps(doc))
    with pytest.raises(InputError) as ei:
        dg.read_wpd_project(p, "Tc")
    assert ei.value.field == "axesColl.calibrationPoints"
    doc, *_ = _wpd_doc()
    p.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="2 datasets"):
        dg.read_wpd_project(p)
    with pytest.raises(InputError, match="no such dataset"):
        dg.read_wpd_project(p, "nope")


def test_wpd_tar_with_image_reports_its_size(tmp_path):
    from skimage import io as skio
    doc, x, y = _wpd_doc()
    p = tmp_path / "wpd.json"
    p.write_text(json.dumps(doc))
    img = tmp_path / "fig.png"
    skio.imsave(str(img), np.zeros((480, 700, 3), np.uint8), check_contrast=False)
    tar = tmp_path / "proj.tar"
    tar.write_bytes(dg.wpd_tar_bytes(p, img))
    s = dg.read_wpd_project(tar, "Tc")
    assert s.image_name.endswith("fig.png") and s.image_size == (700, 480)
