Bmax_negative_m1_k1Jô¯±î@’øjÊ%ùşÿÿÿO
şÿÿÿÿ