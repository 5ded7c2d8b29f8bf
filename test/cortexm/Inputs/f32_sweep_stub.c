int bnnc_f32_sweep_stub; /* cm_build.py wants a model source */
