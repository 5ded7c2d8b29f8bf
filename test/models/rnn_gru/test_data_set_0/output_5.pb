Bgru_rev_bt_clip_Y_hJ$•Ïé¾iª>‚k
?”z´>³Œ¾@x=°‰K>Ô‚á¾·3?