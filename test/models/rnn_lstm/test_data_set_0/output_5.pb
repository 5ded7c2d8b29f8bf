Blstm_rev_peep_clip_Y_cJ$ã(>¡CÍ½|?M?¯B?
vø>w
¯¾¿p€	=pŒ½