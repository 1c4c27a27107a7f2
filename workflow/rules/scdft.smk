# SCDFT gap-equation solver: the physics is the package
# scimodel.scdft (kernels, Coulomb, mesh, Tc, gap, thermodynamics); its
# numerical settings are the `scdft` section of config/config.yaml
# (scimodel.scdft.Settings.from_config).  It has no targets of its own: the
# paper-004 rules (workflow/rules/paper004.smk) run it on the first-principles
# inputs.  Tests: tests/test_scdft.py; speed: benchmarks/bench_scdft.py.
